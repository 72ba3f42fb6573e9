/**
 * The table registry: the one description of every synced table.
 *
 * Server and station are generic over this list. Adding a table means adding an
 * entry here and a migration on each side; the push, pull, outbox and wire
 * schemas follow from the entry without new sync code.
 */

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
    },
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
      number: str(40, true),
      stationId: { type: 'uuid', required: true },
      userId: ref('users'),
      customerId: ref('customers', false),
      status: { type: 'string', required: true, enum: ['completed', 'voided'] },
      total: cents(),
      paymentMethod: { type: 'string', required: true, enum: ['cash', 'card', 'other'] },
      voidReason: str(300),
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

export function isTableName(name: unknown): name is TableName {
  return typeof name === 'string' && (TABLE_NAMES as readonly string[]).includes(name);
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

export function canWrite(role: Role, table: TableName): boolean {
  return tableSpec(table).writeRoles.includes(role);
}
