import type { KeyObject } from 'node:crypto';
import { type AnyRow, columnsOf, TABLE_NAMES, type TableName } from '@mostrador/common';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RowMaker, userWithKey } from '../../../test/support/rows.js';
import { adminSigner, enrollStation, startTestServer, type TestServer } from '../../../test/support/server.js';
import { pullAll, pushEach, type StationAuth } from '../../../test/support/sync-client.js';

/** The row as stored and pulled: every column present, absent optional fields null. */
function complete(table: TableName, row: AnyRow): AnyRow {
  return Object.fromEntries(columnsOf(table).map((c) => [c, row[c] ?? null])) as AnyRow;
}

describe('push and pull', () => {
  let server: TestServer;
  let station: string;
  let adminId: string;
  let admin: RowMaker;
  let db: pg.Client;
  let stationAuth: StationAuth;
  /** The signing key of every user the tests created, by id. */
  const keys = new Map<string, KeyObject>();
  /** Each change as its own group, signed by its row's user (rows stand or fall alone). */
  const send = (changes: { table: string; row: AnyRow; baseVersion?: string | null }[]) =>
    pushEach(stationAuth, keys, changes);

  /** A product and a sale on the server, for rows that must name existing ones (issue 12). */
  const known = { productId: '', saleId: '' };

  const conflicts = async () =>
    (await db.query('SELECT "tableName", "rowId", lost, won FROM conflicts ORDER BY id')).rows;

  /** A user of the given role, created through a push by the admin. */
  async function createUser(role: 'admin' | 'manager' | 'cashier'): Promise<AnyRow> {
    const { row: user, key } = await userWithKey(admin, { role });
    keys.set(user.id, key);
    const { body } = await send([{ table: 'users', row: user }]);
    expect(body.applied).toEqual([{ table: 'users', id: user.id }]);
    return user;
  }

  beforeAll(async () => {
    server = await startTestServer();
    const enrolled = await enrollStation(server.url, 'Caja 1');
    station = enrolled.stationToken;
    stationAuth = { url: server.url, token: station, stationId: enrolled.stationId };
    const signer = await adminSigner(server);
    adminId = signer.userId;
    keys.set(adminId, signer.key);
    admin = new RowMaker(adminId);
    db = new pg.Client({ connectionString: server.databaseUrl });
    await db.connect();
    const product = admin.row('products');
    const sale = admin.row('sales');
    await send([
      { table: 'products', row: product },
      { table: 'sales', row: sale },
    ]);
    Object.assign(known, { productId: product.id, saleId: sale.id });
  });
  afterAll(async () => {
    await db?.end();
    await server?.close();
  });

  it('round-trips a row of every table, in both pull formats, with the admin user first', async () => {
    const rows = TABLE_NAMES.map((table) => ({ table, row: admin.row(table) }));
    // Sale lines, payments and movements name the product and sale pushed before them.
    const idOf = (table: string) => rows.find((c) => c.table === table)?.row.id;
    for (const { table, row } of rows) {
      if ('productId' in row) row.productId = idOf('products');
      if (table !== 'sales' && 'saleId' in row) row.saleId = idOf('sales');
    }
    // Optional fields left out of the push come back as null.
    const provider = rows.find((c) => c.table === 'providers');
    if (provider) delete provider.row.notes;
    const { status, body } = await send(rows);
    expect(status).toBe(200);
    expect(body.rejected).toEqual([]);
    expect(body.applied).toHaveLength(TABLE_NAMES.length);

    for (const format of ['rows', 'columns'] as const) {
      const pulled = await pullAll(server.url, station, { format });
      expect(pulled.cursor).toBe(body.cursor);
      expect(pulled.tables.get('users')?.get(adminId)).toMatchObject({ username: 'admin', role: 'admin' });
      for (const { table, row } of rows) expect(pulled.tables.get(table)?.get(row.id)).toEqual(complete(table, row));
    }
  });

  it('applies a newer version, treats an equal one as a no-op, and answers an older one with the winner', async () => {
    const v1 = admin.row('products');
    await send([{ table: 'products', row: v1 }]);
    const v2 = admin.edit(v1, { price: 1500 });
    const newer = await send([{ table: 'products', row: v2, baseVersion: v1.version }]);
    expect(newer.body.applied).toEqual([{ table: 'products', id: v1.id }]);

    const again = await send([{ table: 'products', row: v2, baseVersion: v1.version }]);
    expect(again.body.applied).toEqual([{ table: 'products', id: v1.id }]);
    expect(again.body.cursor).toBe(newer.body.cursor); // nothing written, the head did not move

    const older = await send([{ table: 'products', row: { ...v1, price: 999 } }]);
    expect(older.body.superseded).toEqual([{ table: 'products', id: v1.id, row: complete('products', v2) }]);
    const pulled = await pullAll(server.url, station);
    expect(pulled.tables.get('products')?.get(v1.id)?.price).toBe(1500);
  });

  it('logs a concurrent edit that loses, in both directions, but not a successor from the same node', async () => {
    const stationA = new RowMaker(adminId);
    const stationB = new RowMaker(adminId);
    const base = stationA.row('customers');
    await send([{ table: 'customers', row: base }]);
    const before = (await conflicts()).length;

    const fromA = stationA.edit(base, { name: 'Edited at A' });
    await send([{ table: 'customers', row: fromA, baseVersion: base.version }]);
    expect(await conflicts()).toHaveLength(before); // A replaced its own ancestor

    // B edited the same base offline, later: B wins, A's acknowledged edit goes to the log.
    stationB.clock.receive(fromA.version);
    const fromB = stationB.edit(base, { name: 'Edited at B' });
    await send([{ table: 'customers', row: fromB, baseVersion: base.version }]);
    const log = await conflicts();
    expect(log).toHaveLength(before + 1);
    expect(log.at(-1)).toMatchObject({
      tableName: 'customers',
      rowId: base.id,
      lost: { name: 'Edited at A' },
      won: { name: 'Edited at B' },
    });

    // A late push from another node that loses is logged too, answered with the winner.
    const late = new RowMaker(adminId).edit(base, { name: 'Too late' });
    const stale = { ...late, version: `${base.version.slice(0, 30)}00000000000000ff` };
    const { body } = await send([{ table: 'customers', row: stale, baseVersion: base.version }]);
    expect(body.superseded[0].row.name).toBe('Edited at B');
    expect((await conflicts()).at(-1)).toMatchObject({ lost: { name: 'Too late' }, won: { name: 'Edited at B' } });
  });

  it('updates only the fields a push carries and ignores fields it does not know', async () => {
    const v1 = admin.row('products', { category: 'drinks' });
    await send([{ table: 'products', row: v1 }]);
    const { category: _dropped, ...older } = admin.edit(v1, { name: 'Renamed', futureField: 'x' });
    const { body } = await send([{ table: 'products', row: older }]);
    expect(body.applied).toHaveLength(1);
    const stored = (await pullAll(server.url, station)).tables.get('products')?.get(v1.id);
    expect(stored).toMatchObject({ name: 'Renamed', category: 'drinks' });
    expect(stored).not.toHaveProperty('futureField');
  });

  it('refuses a clashing unique key, in the database or earlier in the batch, and applies the rest', async () => {
    const taken = admin.row('products', { barcode: 'BAR-TAKEN' });
    await send([{ table: 'products', row: taken }]);
    const clashStored = admin.row('products', { barcode: 'BAR-TAKEN' });
    const first = admin.row('products', { sku: 'SKU-NEW', barcode: '779000' });
    const clashBatch = admin.row('products', { barcode: '779000' });
    const fine = admin.row('customers');
    const { body } = await send([
      { table: 'products', row: clashStored },
      { table: 'products', row: first },
      { table: 'products', row: clashBatch },
      { table: 'customers', row: fine },
    ]);
    expect(body.rejected.map((r: { id: string; code: string }) => [r.id, r.code])).toEqual([
      [clashStored.id, 'UNIQUE_VIOLATION'],
      [clashBatch.id, 'UNIQUE_VIOLATION'],
    ]);
    expect(body.applied.map((a: { id: string }) => a.id).sort()).toEqual([first.id, fine.id].sort());
    const pulled = await pullAll(server.url, station);
    expect(pulled.tables.get('products')?.has(clashStored.id)).toBe(false);
    expect(pulled.tables.get('products')?.has(clashBatch.id)).toBe(false);

    // A deleted product frees its barcode. (The same SKU would merge the products: unique-keys.test.ts.)
    await send([{ table: 'products', row: admin.edit(taken, { deletedAt: new Date().toISOString() }) }]);
    const reuse = await send([{ table: 'products', row: admin.row('products', { barcode: 'BAR-TAKEN' }) }]);
    expect(reuse.body.rejected).toEqual([]);
  });

  it('refuses only the offending rows when a unique index the registry does not declare refuses them', async () => {
    await db.query('CREATE UNIQUE INDEX test_customers_email ON customers (email)');
    try {
      const first = admin.row('customers', { email: 'same@example.com' });
      const clash = admin.row('customers', { email: 'same@example.com' });
      const fine = admin.row('customers');
      const { body } = await send([
        { table: 'customers', row: first },
        { table: 'customers', row: clash },
        { table: 'customers', row: fine },
      ]);
      expect(body.rejected.map((r) => [r.id, r.code])).toEqual([[clash.id, 'UNIQUE_VIOLATION']]);
      expect(body.applied.map((a) => a.id)).toEqual([first.id, fine.id]);
      const pulled = (await pullAll(server.url, station)).tables.get('customers');
      expect([first.id, clash.id, fine.id].map((id) => pulled?.has(id))).toEqual([true, false, true]);
    } finally {
      await db.query('DROP INDEX test_customers_email');
    }
  });

  it('refuses users rows from a cashier or a manager, and rows by unknown or inactive users', async () => {
    const cashier = await createUser('cashier');
    const manager = await createUser('manager');
    const inactive = await createUser('manager');
    await send([{ table: 'users', row: admin.edit(inactive, { active: false }) }]);
    const byCashier = new RowMaker(cashier.id);
    const changes = [
      { table: 'users', row: byCashier.row('users', { role: 'admin' }) },
      { table: 'users', row: byCashier.edit(cashier, { role: 'admin' }) },
      { table: 'users', row: new RowMaker(manager.id).row('users') },
      { table: 'products', row: new RowMaker(inactive.id).row('products') },
      { table: 'products', row: new RowMaker('00000000-0000-7000-8000-000000000000').row('products') },
      { table: 'products', row: byCashier.row('products') },
    ];
    const { body } = await send(changes);
    expect(body.rejected.map((r: { code: string }) => r.code)).toEqual(Array(changes.length).fill('FORBIDDEN'));
    expect(body.applied).toEqual([]);
    const pulled = await pullAll(server.url, station);
    expect(pulled.tables.get('users')?.get(cashier.id)?.role).toBe('cashier');

    // A cashier may sell and move stock.
    const sale = await send([
      { table: 'sales', row: byCashier.row('sales') },
      { table: 'stock_movements', row: byCashier.row('stock_movements', { productId: known.productId }) },
    ]);
    expect(sale.body.applied).toHaveLength(2);
  });

  it('lets a user created by an earlier group of the same push act for the groups after it', async () => {
    const { row: manager, key } = await userWithKey(admin, { role: 'manager' });
    keys.set(manager.id, key);
    // Written after the user exists, on the same station's clock: the user is known as of it.
    const product = new RowMaker(manager.id, admin.clock).row('products');
    const { body } = await send([
      { table: 'users', row: manager },
      { table: 'products', row: product },
    ]);
    expect(body.rejected).toEqual([]);
    expect(body.applied).toHaveLength(2);
  });

  it('refuses a version stamped too far ahead of the server clock with CLOCK_AHEAD', async () => {
    const ahead = new RowMaker(adminId);
    ahead.clock.setOffset(5 * 60_000);
    const future = ahead.row('customers');
    const slightly = new RowMaker(adminId);
    slightly.clock.setOffset(20_000);
    const fine = slightly.row('customers');
    const { body } = await send([
      { table: 'customers', row: future },
      { table: 'customers', row: fine },
    ]);
    expect(body.rejected).toEqual([
      { table: 'customers', id: future.id, code: 'CLOCK_AHEAD', message: expect.stringContaining('ahead') },
    ]);
    expect(body.applied).toEqual([{ table: 'customers', id: fine.id }]);
  });

  it('keeps insert-only rows as written', async () => {
    const movement = admin.row('stock_movements', { productId: known.productId });
    await send([{ table: 'stock_movements', row: movement }]);
    const again = await send([{ table: 'stock_movements', row: movement }]);
    expect(again.body.applied).toHaveLength(1);
    const item = admin.row('sale_items', known);
    await send([{ table: 'sale_items', row: item }]);
    const { body } = await send([
      { table: 'stock_movements', row: admin.edit(movement, { quantity: -200 }), baseVersion: movement.version },
      {
        table: 'sale_items',
        row: admin.edit(item, { deletedAt: new Date().toISOString() }),
        baseVersion: item.version,
      },
    ]);
    expect(body.rejected.map((r: { code: string }) => r.code)).toEqual(['IMMUTABLE', 'IMMUTABLE']);
    const pulled = await pullAll(server.url, station);
    expect(pulled.tables.get('stock_movements')?.get(movement.id)?.quantity).toBe(-2);
    expect(pulled.tables.get('sale_items')?.get(item.id)?.deletedAt).toBeNull();
  });

  it('answers an insert-only row created twice with the stored one, and logs the other', async () => {
    const atA = new RowMaker(adminId).row('stock_movements', { reason: 'return at A', productId: known.productId });
    const atB = { ...new RowMaker(adminId).edit(atA, { reason: 'return at B' }) };
    await send([{ table: 'stock_movements', row: atA }]);
    const before = (await conflicts()).length;
    const { body } = await send([{ table: 'stock_movements', row: atB }]);
    expect(body.rejected).toEqual([]);
    expect(body.superseded).toEqual([
      { table: 'stock_movements', id: atA.id, row: expect.objectContaining({ reason: 'return at A' }) },
    ]);
    expect((await conflicts()).slice(before)).toMatchObject([
      { lost: { reason: 'return at B' }, won: { reason: 'return at A' } },
    ]);
  });

  it('lets only a manager or admin void a completed sale, and nothing else change it', async () => {
    const cashier = await createUser('cashier');
    const manager = await createUser('manager');
    const byCashier = new RowMaker(cashier.id);
    const byManager = new RowMaker(manager.id);
    const sale = byCashier.row('sales');
    await send([{ table: 'sales', row: sale }]);

    const refused = await send([
      { table: 'sales', row: byCashier.edit(sale, { status: 'voided', voidReason: 'mistake' }) },
    ]);
    expect(refused.body.rejected[0].code).toBe('FORBIDDEN');
    const edited = await send([{ table: 'sales', row: byManager.edit(sale, { total: 1 }) }]);
    expect(edited.body.rejected[0].code).toBe('IMMUTABLE');
    const voidAndEdit = byManager.edit(sale, { status: 'voided', voidReason: 'x', total: 1 });
    expect((await send([{ table: 'sales', row: voidAndEdit }])).body.rejected[0].code).toBe('IMMUTABLE');

    const voided = byManager.edit(sale, { status: 'voided', voidReason: 'customer returned it' });
    expect((await send([{ table: 'sales', row: voided }])).body.applied).toHaveLength(1);
    // Voided again elsewhere (two stations voiding offline): last writer wins on the void's fields.
    const otherDesk = new RowMaker(manager.id);
    otherDesk.clock.receive(voided.version);
    const voidedElsewhere = otherDesk.edit(voided, { voidReason: 'voided at the other desk' });
    expect((await send([{ table: 'sales', row: voidedElsewhere }])).body.applied).toHaveLength(1);
    const reopen = byManager.edit(voidedElsewhere, { status: 'completed' });
    expect((await send([{ table: 'sales', row: reopen }])).body.rejected[0].code).toBe('IMMUTABLE');

    const stored = (await pullAll(server.url, station)).tables.get('sales')?.get(sale.id);
    expect(stored).toMatchObject({ status: 'voided', voidReason: 'voided at the other desk', total: 2500 });
  });

  it('refuses rows that break the schema or name an unknown table, one by one', async () => {
    const good = admin.row('customers');
    const { id: _id, ...noId } = admin.row('customers');
    const changes = [
      { table: 'customers', row: admin.row('customers', { name: 42 }) },
      { table: 'products', row: admin.row('products', { price: '12.50' }) },
      { table: 'products', row: (({ sku: _s, ...rest }) => rest)(admin.row('products')) },
      { table: 'customers', row: { ...noId, id: 'not-a-uuid' } },
      { table: 'sales', row: admin.row('sales', { status: 'open' }) },
      { table: 'secrets', row: admin.row('customers') },
      { table: 'customers', row: good },
    ];
    const { status, body } = await send(changes);
    expect(status).toBe(200);
    expect(body.rejected.map((r: { code: string }) => r.code)).toEqual([
      'VALIDATION',
      'VALIDATION',
      'VALIDATION',
      'VALIDATION',
      'VALIDATION',
      'UNKNOWN_TABLE',
    ]);
    expect(body.applied).toEqual([{ table: 'customers', id: good.id }]);
    for (const table of ['customers', 'products', 'sales']) {
      const { rows } = await db.query(`SELECT count(*)::int AS n FROM ${table} WHERE id = ANY($1::uuid[])`, [
        changes
          .slice(0, 6)
          .map((c) => c.row.id)
          .filter((id) => /^[0-9a-f-]{36}$/.test(String(id))),
      ]);
      expect(rows[0].n, table).toBe(0);
    }
  });
});
