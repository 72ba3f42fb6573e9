/**
 * The table registry: the one description of every synced table.
 *
 * Server and station are generic over this list. Adding a table means adding an
 * entry here and a migration on each side; the push, pull, outbox and wire
 * schemas follow from the entry without new sync code.
 */

import { TAX_RATE_KINDS } from './money.js';

export const ROLES = ['admin', 'manager', 'cashier'] as const;
export type Role = (typeof ROLES)[number];

export type FieldType = 'string' | 'integer' | 'boolean' | 'uuid' | 'timestamp';

export interface FieldSpec {
  readonly type: FieldType;
  /** Must be present (and not null) in every pushed row. */
  readonly required: boolean;
  /** Allowed values, for enumerations. */
  readonly enum?: readonly string[];
  /** Unique among the table's rows that are not deleted. */
  readonly unique?: boolean;
  /**
   * A number in a series (`SERIES-000123`), unique across the shop: a new row whose number
   * another row already has gets the series' next free number from the server, which the
   * pushing station adopts; the number it carried is kept in `printedField`.
   */
  readonly series?: { readonly printedField: string };
  readonly maxLength?: number;
  readonly minimum?: number;
  /** The id of a row of another table. */
  readonly references?: TableName;
}

/**
 * How rows of a table may change once written:
 * - `mutable`: edited in place, last writer wins (catalogue and people).
 * - `insertOnly`: written once and never changed (ledger rows, sale items).
 * - `voidable`: written once; afterwards only a status change to `voided`
 *   (with its reason) is allowed, by the roles in `voidRoles`.
 */
export type TableMode = 'mutable' | 'insertOnly' | 'voidable';

export interface TableSpec {
  readonly name: TableName;
  readonly fields: Readonly<Record<string, FieldSpec>>;
  readonly mode: TableMode;
  /** Roles that may create or edit rows of this table. */
  readonly writeRoles: readonly Role[];
  /** For `voidable` tables: roles that may void a row. */
  readonly voidRoles?: readonly Role[];
  /**
   * A unique field on which two rows created apart are one thing (a product's SKU): a new
   * row whose value a live row already holds is merged into it on the server. The new row
   * is kept deleted with `mergedInto` naming the live one, and every reference to it (a sale
   * line, a stock movement) is written as a reference to the live one. The table needs a
   * `mergedInto` field.
   */
  readonly mergeOn?: string;
}

/** The fields every synced row carries, besides the table's own. */
export const BASE_FIELDS = {
  id: { type: 'uuid', required: true },
  createdAt: { type: 'timestamp', required: true },
  updatedAt: { type: 'timestamp', required: true },
  deletedAt: { type: 'timestamp', required: false },
  version: { type: 'string', required: true, maxLength: 64 },
  updatedBy: { type: 'uuid', required: true },
} as const satisfies Record<string, FieldSpec>;

// `required` is a literal type in each helper so that Row<T> knows which fields are required.
function str(maxLength: number): { type: 'string'; required: false; maxLength: number };
function str(maxLength: number, required: true): { type: 'string'; required: true; maxLength: number };
function str(maxLength: number, required = false) {
  return { type: 'string', required, maxLength } as const;
}
function cents(): { type: 'integer'; required: true; minimum: 0 };
function cents(required: false): { type: 'integer'; required: false; minimum: 0 };
function cents(required = true) {
  return { type: 'integer', required, minimum: 0 } as const;
}
function ref(table: TableName): { type: 'uuid'; required: true; references: TableName };
function ref(table: TableName, required: false): { type: 'uuid'; required: false; references: TableName };
function ref(table: TableName, required = true) {
  return { type: 'uuid', required, references: table } as const;
}

const ALL_ROLES = ROLES;

export const TABLE_NAMES = [
  'users',
  'providers',
  'customers',
  'products',
  'stock_movements',
  'sales',
  'sale_items',
  // issue 10: payments, cash sessions and the shop's settings
  'sale_payments',
  'cash_sessions',
  'cash_movements',
  'cash_closings',
  'shop_settings',
] as const;
export type TableName = (typeof TABLE_NAMES)[number];

export const TABLES = {
  users: {
    name: 'users',
    mode: 'mutable',
    writeRoles: ['admin'],
    fields: {
      username: { type: 'string', required: true, unique: true, maxLength: 64 },
      displayName: str(120, true),
      role: { type: 'string', required: true, enum: ROLES },
      passwordHash: str(512, true),
      active: { type: 'boolean', required: true },
      // Issue 8 (trusted writes): the user's Ed25519 public key (base64url of the raw 32 bytes)
      // and its private key sealed with the user's password (see signing.ts). No key: cannot write.
      publicKey: str(64),
      sealedKey: str(400),
    },
  },
  providers: {
    name: 'providers',
    mode: 'mutable',
    writeRoles: ['admin', 'manager'],
    fields: {
      name: str(200, true),
      taxId: str(40),
      phone: str(40),
      email: str(200),
      address: str(300),
      notes: str(2000),
    },
  },
  customers: {
    name: 'customers',
    mode: 'mutable',
    writeRoles: ALL_ROLES,
    fields: {
      name: str(200, true),
      taxId: str(40),
      phone: str(40),
      email: str(200),
    },
  },
  products: {
    name: 'products',
    mode: 'mutable',
    writeRoles: ['admin', 'manager'],
    fields: {
      sku: { type: 'string', required: true, unique: true, maxLength: 64 },
      barcode: { type: 'string', required: false, unique: true, maxLength: 64 },
      name: str(200, true),
      category: str(100),
      price: cents(),
      cost: cents(false),
      providerId: ref('providers', false),
      active: { type: 'boolean', required: true },
      // issue 10: the product's IVA rate (absent: general) and whether it sells by weight
      // (then `price` is per kilogram and sale quantities are grams)
      taxRate: { type: 'string', required: false, enum: TAX_RATE_KINDS },
      weighed: { type: 'boolean', required: false },
      // issue 13: below this stock the product is on the low-stock list (absent: never)
      minStock: { type: 'integer', required: false, minimum: 0 },
      // issue 9: the product this one was merged into (same SKU, created apart); set by the server
      mergedInto: ref('products', false),
    },
    mergeOn: 'sku',
  },
  stock_movements: {
    name: 'stock_movements',
    mode: 'insertOnly',
    writeRoles: ALL_ROLES,
    fields: {
      productId: ref('products'),
      quantity: { type: 'integer', required: true },
      kind: { type: 'string', required: true, enum: ['sale', 'purchase', 'adjustment', 'return'] },
      reason: str(300),
      refId: { type: 'uuid', required: false },
      stationId: { type: 'uuid', required: true },
    },
  },
  sales: {
    name: 'sales',
    mode: 'voidable',
    writeRoles: ALL_ROLES,
    voidRoles: ['admin', 'manager'],
    fields: {
      number: { ...str(40, true), series: { printedField: 'printedNumber' } },
      // issue 9: the number first printed on the ticket, when the server had to renumber it
      printedNumber: str(40),
      stationId: { type: 'uuid', required: true },
      userId: ref('users'),
      customerId: ref('customers', false),
      status: { type: 'string', required: true, enum: ['completed', 'voided'] },
      total: cents(),
      // issue 10: 'split' when several methods paid (the parts are sale_payments rows)
      paymentMethod: { type: 'string', required: true, enum: ['cash', 'card', 'other', 'split'] },
      voidReason: str(300),
      // issue 10: a return is a sale row of kind 'return' (its total is paid back) naming the
      // original sale; amounts before discounts, the discounts, the change given, the cash
      // session it belongs to, and the manager who approved a discount above the cashier's limit
      kind: { type: 'string', required: false, enum: ['sale', 'return'] },
      originalSaleId: ref('sales', false),
      sessionId: ref('cash_sessions', false),
      subtotal: cents(false),
      discount: cents(false),
      change: cents(false),
      approvedBy: ref('users', false),
    },
  },
  sale_items: {
    name: 'sale_items',
    mode: 'insertOnly',
    writeRoles: ALL_ROLES,
    fields: {
      saleId: ref('sales'),
      productId: ref('products'),
      quantity: { type: 'integer', required: true, minimum: 1 },
      unitPrice: cents(),
      discount: cents(),
      lineTotal: cents(),
      // issue 10: what the ticket shows even after the product changes: its name, IVA rate
      // (basis points), whether quantity is grams, the line's share of the ticket discount,
      // and for a return line the sold item it returns
      name: str(200),
      taxRate: { type: 'integer', required: false, minimum: 0 },
      weighed: { type: 'boolean', required: false },
      ticketDiscount: cents(false),
      originalItemId: { type: 'uuid', required: false },
    },
  },
  // issue 10: payments, cash sessions (each part written once: a session is open until its
  // closing row exists, so a closed session cannot change), and the shop's settings
  sale_payments: {
    name: 'sale_payments',
    mode: 'insertOnly',
    writeRoles: ALL_ROLES,
    fields: {
      saleId: ref('sales'),
      method: { type: 'string', required: true, enum: ['cash', 'card', 'other'] },
      amount: cents(),
      tendered: cents(false),
    },
  },
  cash_sessions: {
    name: 'cash_sessions',
    mode: 'insertOnly',
    writeRoles: ALL_ROLES,
    fields: {
      stationId: { type: 'uuid', required: true },
      userId: ref('users'),
      float: cents(),
    },
  },
  cash_movements: {
    name: 'cash_movements',
    mode: 'insertOnly',
    writeRoles: ALL_ROLES,
    fields: {
      sessionId: ref('cash_sessions'),
      kind: { type: 'string', required: true, enum: ['in', 'out'] },
      amount: { type: 'integer', required: true, minimum: 1 },
      reason: str(300, true),
    },
  },
  cash_closings: {
    name: 'cash_closings',
    mode: 'insertOnly',
    writeRoles: ALL_ROLES,
    fields: {
      sessionId: ref('cash_sessions'),
      userId: ref('users'),
      expected: { type: 'integer', required: true },
      counted: cents(),
      difference: { type: 'integer', required: true },
      /** JSON {denomination in cents: count}. */
      counts: str(2000, true),
      /** JSON of the Z report's figures, frozen at closing. */
      report: str(8000, true),
    },
  },
  shop_settings: {
    name: 'shop_settings',
    mode: 'mutable',
    writeRoles: ['admin'],
    fields: {
      shopName: str(200),
      taxId: str(40),
      address: str(300),
      rateGeneral: { type: 'integer', required: false, minimum: 0 },
      rateReduced: { type: 'integer', required: false, minimum: 0 },
      rateSuperReduced: { type: 'integer', required: false, minimum: 0 },
      /** Basis points of a line or ticket a cashier may discount without a manager. */
      cashierDiscountLimit: { type: 'integer', required: false, minimum: 0 },
      stockPolicy: { type: 'string', required: false, enum: ['warn', 'forbid'] },
      requireSession: { type: 'boolean', required: false },
      receiptFooter: str(300),
    },
  },
} as const satisfies Record<TableName, TableSpec>;

type FieldValue<F> = F extends { enum: readonly (infer E)[] }
  ? E
  : F extends { type: 'integer' }
    ? number
    : F extends { type: 'boolean' }
      ? boolean
      : string;
type RequiredKeys<F> = { [K in keyof F]: F[K] extends { required: true } ? K : never }[keyof F];
type OptionalKeys<F> = Exclude<keyof F, RequiredKeys<F>>;
type RowOfFields<F> = { [K in RequiredKeys<F>]: FieldValue<F[K]> } & {
  [K in OptionalKeys<F>]?: FieldValue<F[K]> | null;
};

/** A row of a table as it travels on the wire and sits in both databases, inferred from the registry. */
export type Row<T extends TableName> = RowOfFields<typeof BASE_FIELDS> & RowOfFields<(typeof TABLES)[T]['fields']>;
/** Any row, for code that is generic over the registry. */
export type AnyRow = { id: string; version: string } & Record<string, unknown>;

/** Fields of a `voidable` row that a void may change; every other field is frozen. */
export const VOID_FIELDS = ['status', 'voidReason', 'updatedAt', 'updatedBy', 'version', 'deletedAt'] as const;

const TABLE_NAME_SET: ReadonlySet<string> = new Set(TABLE_NAMES);

export function isTableName(name: unknown): name is TableName {
  return typeof name === 'string' && TABLE_NAME_SET.has(name);
}

/** All columns of a table in a fixed order: base fields first, then the table's own. */
export function columnsOf(table: TableName): string[] {
  return [...Object.keys(BASE_FIELDS), ...Object.keys(TABLES[table].fields)];
}

export function tableSpec(table: TableName): TableSpec {
  return TABLES[table];
}

export function fieldsOf(table: TableName): Record<string, FieldSpec> {
  return { ...BASE_FIELDS, ...TABLES[table].fields };
}

export function uniqueFieldsOf(table: TableName): string[] {
  return Object.entries(tableSpec(table).fields)
    .filter(([, spec]) => spec.unique)
    .map(([name]) => name);
}

/** The fields of any table that reference a row of `target`. */
export function referencesTo(target: TableName): { table: TableName; field: string }[] {
  return TABLE_NAMES.flatMap((table) =>
    Object.entries(tableSpec(table).fields).flatMap(([field, spec]) =>
      spec.references === target ? [{ table, field }] : [],
    ),
  );
}

/** Fields numbered in a series (see FieldSpec.series), with where the printed number goes. */
export function seriesFieldsOf(table: TableName): { field: string; printedField: string }[] {
  return Object.entries(tableSpec(table).fields).flatMap(([field, spec]) =>
    spec.series ? [{ field, printedField: spec.series.printedField }] : [],
  );
}

/**
 * Issue 12: the references a new row must make to rows that exist, per table and field.
 * Sale lines, payments and stock movements are facts about a sale or a product; one that
 * names neither a row of its own push nor a stored one is an orphan no report can place.
 * Deleted rows count as existing (a product deleted after it was sold is fine). Other
 * references (a sale's customer, a product's provider…) are left as they were: optional,
 * or written by stations whose order across pushes is not guaranteed.
 */
export const CHECKED_REFERENCES: Partial<Record<TableName, readonly (readonly [string, TableName])[]>> = {
  sale_items: [
    ['saleId', 'sales'],
    ['productId', 'products'],
  ],
  sale_payments: [['saleId', 'sales']],
  stock_movements: [['productId', 'products']],
};

/**
 * Issue 12 (offline login hashes): a station holds the password verifiers (the hash, and the
 * signing key sealed with the password) only of the users allowed to log in there: those
 * whose role is at most the station's ceiling. Everyone else's users row reaches it with
 * `passwordHash` withheld (this empty string, which no login accepts) and `sealedKey` null.
 */
export const WITHHELD_PASSWORD_HASH = '';
export const ROLE_RANK: Readonly<Record<Role, number>> = { cashier: 0, manager: 1, admin: 2 };

/** Whether a user of `role` may log in at a station whose ceiling is `ceiling` (and so gets their verifiers). */
export function logsInAt(role: Role, ceiling: Role): boolean {
  return ROLE_RANK[role] <= ROLE_RANK[ceiling];
}

/** The roles that log in at a station of this ceiling. */
export function rolesLoggingInAt(ceiling: Role): Role[] {
  return ROLES.filter((role) => logsInAt(role, ceiling));
}

/** A users row as a station of `ceiling` receives it (any other table's row as it is). */
export function asSentTo<R extends AnyRow>(table: TableName, row: R, ceiling: Role): R {
  if (table !== 'users' || logsInAt(row.role as Role, ceiling)) return row;
  return { ...row, passwordHash: WITHHELD_PASSWORD_HASH, sealedKey: null };
}

export function canWrite(role: Role, table: TableName): boolean {
  return tableSpec(table).writeRoles.includes(role);
}
