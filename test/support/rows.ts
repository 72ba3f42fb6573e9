/**
 * Valid rows for every synced table, for tests that push and pull:
 *
 *   new RowMaker(updatedBy, clock?) — stamps rows with its own HLC (one node = one station)
 *     .row(table, fields?)        a new valid row of `table` (fields override the defaults)
 *     .edit(row, fields)          the same row with `fields` changed and a newer version
 *   changesOf(rows by table)      [{table,row}…]
 *   userWithKey(maker, fields?, password?) → { row, key }   a users row with a fresh key pair
 *                                 (publicKey, sealedKey sealed with `password`) and its private key
 *   signedGroup(key, userId, stationId, changes, id?)   a write group signed with `key`; its
 *                                 version is the oldest of its rows' (the first ticked)
 *
 * References (productId, saleId, …) default to fresh ids. The server checks only that new
 * sale_items, sale_payments and stock_movements name an existing sale and product
 * (CHECKED_REFERENCES): give those real ids; every other table can be pushed alone.
 */
import { type KeyObject, randomBytes } from 'node:crypto';
import {
  type AnyRow,
  createUserKey,
  groupSigningBytes,
  HybridLogicalClock,
  newId,
  newNodeId,
  signGroup,
  type TableName,
  type WriteGroup,
  type WriteGroupBody,
} from '@mostrador/common';

const DEFAULTS: Record<TableName, (n: string) => Record<string, unknown>> = {
  users: (n) => ({
    username: `user-${n}`,
    displayName: `User ${n}`,
    role: 'cashier',
    passwordHash: 'scrypt$131072$8$1$c2FsdGMyRnNkR0V4eHh4eA$aGFzaGFHRnphQWFHRnphQWFHRnphQWFHRnphQWFHRnp',
    active: true,
  }),
  providers: (n) => ({
    name: `Provider ${n}`,
    taxId: null,
    phone: '555-0100',
    email: null,
    address: null,
    notes: null,
  }),
  customers: (n) => ({ name: `Customer ${n}`, taxId: null, phone: null, email: `c${n}@example.com` }),
  products: (n) => ({
    sku: `SKU-${n}`,
    barcode: null,
    name: `Product ${n}`,
    category: 'general',
    price: 1250,
    cost: 800,
    providerId: null,
    active: true,
  }),
  stock_movements: () => ({
    productId: newId(),
    quantity: -2,
    kind: 'sale',
    reason: null,
    refId: null,
    stationId: newId(),
  }),
  sales: (n) => ({
    number: `C1-${n}`,
    stationId: newId(),
    userId: newId(),
    customerId: null,
    status: 'completed',
    total: 2500,
    paymentMethod: 'cash',
    voidReason: null,
  }),
  sale_items: () => ({
    saleId: newId(),
    productId: newId(),
    quantity: 2,
    unitPrice: 1250,
    discount: 0,
    lineTotal: 2500,
  }),
  // issue 10
  sale_payments: () => ({ saleId: newId(), method: 'card', amount: 2500, tendered: null }),
  cash_sessions: () => ({ stationId: newId(), userId: newId(), float: 10000 }),
  cash_movements: () => ({ sessionId: newId(), kind: 'out', amount: 500, reason: 'change for the till' }),
  cash_closings: () => ({
    sessionId: newId(),
    userId: newId(),
    expected: 10000,
    counted: 9900,
    difference: -100,
    counts: '{"5000":1,"2000":2,"500":1,"200":2}',
    report: '{}',
  }),
  shop_settings: (n) => ({ shopName: `Shop ${n}`, taxId: 'B12345678', stockPolicy: 'warn', requireSession: true }),
};

export class RowMaker {
  readonly clock: HybridLogicalClock;

  constructor(
    readonly updatedBy: string,
    clock?: HybridLogicalClock,
  ) {
    this.clock = clock ?? new HybridLogicalClock(newNodeId());
  }

  row(table: TableName, fields: Record<string, unknown> = {}): AnyRow {
    const now = new Date(this.clock.physicalNow()).toISOString();
    const n = randomBytes(4).toString('hex');
    return {
      id: newId(),
      createdAt: now,
      updatedAt: now,
      deletedAt: null,
      version: this.clock.tick(),
      updatedBy: this.updatedBy,
      ...DEFAULTS[table](n),
      ...fields,
    } as AnyRow;
  }

  edit(row: AnyRow, fields: Record<string, unknown>): AnyRow {
    this.clock.receive(row.version);
    return {
      ...row,
      updatedAt: new Date(this.clock.physicalNow()).toISOString(),
      updatedBy: this.updatedBy,
      ...fields,
      version: this.clock.tick(),
    };
  }
}

export function changesOf(table: TableName, rows: AnyRow[]): { table: TableName; row: AnyRow }[] {
  return rows.map((row) => ({ table, row }));
}

export function signedGroup(
  key: KeyObject,
  userId: string,
  stationId: string,
  changes: { table: string; row: AnyRow; baseVersion?: string | null }[],
  id: string = newId(),
): WriteGroup {
  const version = changes.map((c) => c.row.version).sort()[0] as string;
  const body: WriteGroupBody = { id, userId, version, changes };
  return { ...body, signature: signGroup(key, groupSigningBytes(body, stationId)) };
}

export async function userWithKey(
  maker: RowMaker,
  fields: Record<string, unknown> = {},
  password = 'secret-pass',
): Promise<{ row: AnyRow; key: KeyObject }> {
  const key = await createUserKey(password);
  return {
    row: maker.row('users', { publicKey: key.publicKey, sealedKey: key.sealedKey, ...fields }),
    key: key.privateKey,
  };
}
