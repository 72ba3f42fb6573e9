/**
 * How each editable table is shown: which fields appear as columns and in the form, and
 * how to edit them. Field names are the registry's; labels come from i18n `fields.*`.
 */
// issue 10: taxRate (the product's IVA rate, a choice); issue 13: count, provider
export type FieldKind = 'text' | 'money' | 'boolean' | 'role' | 'password' | 'email' | 'taxRate' | 'count' | 'provider';

export interface FieldView {
  name: string;
  kind: FieldKind;
  required?: boolean;
  /** Shown as a column in the list, not only in the form. */
  column?: boolean;
}

export type EditableTable = 'products' | 'providers' | 'customers' | 'users';

export const TABLE_VIEWS: Record<EditableTable, FieldView[]> = {
  products: [
    { name: 'sku', kind: 'text', required: true, column: true },
    { name: 'barcode', kind: 'text', column: true },
    { name: 'name', kind: 'text', required: true, column: true },
    { name: 'category', kind: 'text', column: true },
    { name: 'price', kind: 'money', required: true, column: true },
    { name: 'cost', kind: 'money' },
    // issue 13: the product's provider and its minimum stock
    { name: 'providerId', kind: 'provider' },
    { name: 'minStock', kind: 'count' },
    { name: 'active', kind: 'boolean', column: true },
    // issue 10
    { name: 'taxRate', kind: 'taxRate', column: true },
    { name: 'weighed', kind: 'boolean' },
  ],
  providers: [
    { name: 'name', kind: 'text', required: true, column: true },
    { name: 'taxId', kind: 'text', column: true },
    { name: 'phone', kind: 'text', column: true },
    { name: 'email', kind: 'email', column: true },
    { name: 'address', kind: 'text' },
    { name: 'notes', kind: 'text' },
  ],
  customers: [
    { name: 'name', kind: 'text', required: true, column: true },
    { name: 'taxId', kind: 'text', column: true },
    { name: 'phone', kind: 'text', column: true },
    { name: 'email', kind: 'email', column: true },
  ],
  users: [
    { name: 'username', kind: 'text', required: true, column: true },
    { name: 'displayName', kind: 'text', required: true, column: true },
    { name: 'role', kind: 'role', required: true, column: true },
    { name: 'active', kind: 'boolean', column: true },
    { name: 'password', kind: 'password' },
  ],
};

/** Values a new row starts with. */
export const NEW_ROW: Record<EditableTable, Record<string, unknown>> = {
  products: { active: true, price: 0, taxRate: 'general' },
  providers: {},
  customers: {},
  users: { role: 'cashier', active: true },
};
