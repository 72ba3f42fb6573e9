import { generateKeyPairSync } from 'node:crypto';
import {
  type AnyRow,
  hashPassword,
  type PushResponse,
  type ReviewResponse,
  type StationsResponse,
  type WriteGroup,
} from '@mostrador/common';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RowMaker, signedGroup, userWithKey } from '../../../test/support/rows.js';
import {
  adminSigner,
  enrollStation,
  login,
  loginAdmin,
  startTestServer,
  type TestServer,
} from '../../../test/support/server.js';
import { pullAll, pushGroups, type Signer, type StationAuth } from '../../../test/support/sync-client.js';

type Changes = { table: string; row: AnyRow; baseVersion?: string | null }[];

/** Issue 8: trusted writes. Every push here goes through real HTTP to a real PostgreSQL. */
describe('write groups', () => {
  let server: TestServer;
  let db: pg.Client;
  let counter: StationAuth;
  let admin: Signer;
  let adminMaker: RowMaker;
  let adminToken: string;

  const group = (station: StationAuth, signer: Signer, changes: Changes): WriteGroup =>
    signedGroup(signer.key, signer.userId, station.stationId, changes);
  const pushOne = async (station: StationAuth, g: WriteGroup) => {
    const { status, body } = await pushGroups(station, [g]);
    expect(status).toBe(200);
    return body as PushResponse;
  };
  const count = async (table: string, ids: string[]) =>
    (await db.query(`SELECT count(*)::int AS n FROM ${table} WHERE id = ANY($1::uuid[])`, [ids])).rows[0].n as number;
  const head = async () => Number((await db.query('SELECT head FROM sync_state')).rows[0].head);
  const stock = async (productId: string) =>
    Number(
      (
        await db.query('SELECT coalesce(sum(quantity), 0)::int AS n FROM stock_movements WHERE "productId" = $1', [
          productId,
        ])
      ).rows[0].n,
    );
  const adminGet = async <T>(path: string): Promise<T> => {
    const response = await fetch(`${server.url}${path}`, { headers: { authorization: `Bearer ${adminToken}` } });
    expect(response.status).toBe(200);
    return (await response.json()) as T;
  };
  const adminPost = (path: string, body?: unknown) =>
    fetch(`${server.url}${path}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${adminToken}`, 'content-type': 'application/json' },
      body: JSON.stringify(body ?? {}),
    });

  async function enroll(name: string, ceiling?: 'cashier' | 'manager' | 'admin'): Promise<StationAuth> {
    const enrolled = await enrollStation(server.url, name, undefined, ceiling);
    return { url: server.url, token: enrolled.stationToken, stationId: enrolled.stationId };
  }

  /** A user created (with a signing key) by the admin through the back office. */
  async function createUser(role: 'admin' | 'manager' | 'cashier'): Promise<{ row: AnyRow; signer: Signer }> {
    const { row, key } = await userWithKey(adminMaker, { role });
    const body = await pushOne(counter, group(counter, admin, [{ table: 'users', row }]));
    expect(body.groups[0]?.status).toBe('applied');
    return { row, signer: { userId: row.id, key } };
  }

  /** A sale of `quantity` units: the sale, its item and its stock movement, all by `maker`. */
  function sale(maker: RowMaker, productId: string, quantity: number, stationId: string): Changes {
    const saleRow = maker.row('sales', { userId: maker.updatedBy, stationId, total: 1000 * quantity });
    return [
      { table: 'sales', row: saleRow },
      {
        table: 'sale_items',
        row: maker.row('sale_items', {
          saleId: saleRow.id,
          productId,
          quantity,
          unitPrice: 1000,
          lineTotal: 1000 * quantity,
        }),
      },
      {
        table: 'stock_movements',
        row: maker.row('stock_movements', {
          productId,
          quantity: -quantity,
          kind: 'sale',
          refId: saleRow.id,
          stationId,
        }),
      },
    ];
  }

  async function productWithStock(units: number): Promise<AnyRow> {
    const product = adminMaker.row('products');
    const purchase = adminMaker.row('stock_movements', {
      productId: product.id,
      quantity: units,
      kind: 'purchase',
      stationId: counter.stationId,
    });
    const body = await pushOne(
      counter,
      group(counter, admin, [
        { table: 'products', row: product },
        { table: 'stock_movements', row: purchase },
      ]),
    );
    expect(body.groups[0]?.status).toBe('applied');
    return product;
  }

  beforeAll(async () => {
    server = await startTestServer();
    db = new pg.Client({ connectionString: server.databaseUrl });
    await db.connect();
    admin = await adminSigner(server);
    adminMaker = new RowMaker(admin.userId);
    adminToken = await loginAdmin(server.url);
    counter = await enroll('Back office');
  });
  afterAll(async () => {
    await db?.end();
    await server?.close();
  });

  it('refuses a forged admin (a station token, the admin id as updatedBy, no valid signature) and writes nothing', async () => {
    const forged = adminMaker.row('users', { username: 'mallory', role: 'admin' });
    const before = {
      head: await head(),
      review: (await db.query('SELECT count(*)::int AS n FROM review_groups')).rows[0].n,
    };
    const unsigned = { ...group(counter, admin, [{ table: 'users', row: forged }]), signature: '' };
    const strangerKey = generateKeyPairSync('ed25519').privateKey;
    const otherKey = signedGroup(strangerKey, admin.userId, counter.stationId, [{ table: 'users', row: forged }]);
    // Signed by the admin, but at another station: replaying it here does not verify.
    const elsewhere = signedGroup(admin.key, admin.userId, (await enroll('Caja X')).stationId, [
      { table: 'users', row: forged },
    ]);
    for (const g of [unsigned, otherKey, elsewhere]) {
      const body = await pushOne(counter, g);
      expect(body.groups).toEqual([{ id: g.id, status: 'rejected', code: 'FORBIDDEN', message: expect.any(String) }]);
      expect(body.rejected).toEqual([
        { table: 'users', id: forged.id, code: 'FORBIDDEN', message: expect.any(String) },
      ]);
    }
    expect(await count('users', [forged.id])).toBe(0);
    expect(await head()).toBe(before.head);
    // Not a verified fact: nothing to review.
    expect((await db.query('SELECT count(*)::int AS n FROM review_groups')).rows[0].n).toBe(before.review);
    const login = await fetch(`${server.url}/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'mallory', password: 'x' }),
    });
    expect(login.status).toBe(401);
  });

  it('refuses a signed group with one byte changed, and applies it as signed', async () => {
    const customer = adminMaker.row('customers', { name: 'Ana Pérez' });
    const signed = group(counter, admin, [{ table: 'customers', row: customer }]);
    const tampered = structuredClone(signed);
    (tampered.changes[0]?.row as AnyRow).name = 'Ana Perez';
    expect((await pushOne(counter, tampered)).groups[0]).toMatchObject({ status: 'rejected', code: 'FORBIDDEN' });
    expect(await count('customers', [customer.id])).toBe(0);
    const differentVersion = { ...structuredClone(signed), version: adminMaker.clock.tick() };
    expect((await pushOne(counter, differentVersion)).groups[0]?.status).toBe('rejected');
    expect((await pushOne(counter, signed)).groups[0]?.status).toBe('applied');
    const stored = (await db.query('SELECT name, "pushedBy", "updatedBy" FROM customers WHERE id = $1', [customer.id]))
      .rows[0];
    expect(stored).toEqual({ name: 'Ana Pérez', pushedBy: counter.stationId, updatedBy: admin.userId });
  });

  it("accepts a cashier's sale written before the deactivation, whole, and holds one written after", async () => {
    const product = await productWithStock(12);
    const { row: cashierRow, signer: cashier } = await createUser('cashier');
    const offline = new RowMaker(cashier.userId, adminMaker.clock);
    const before = sale(offline, product.id, 2, counter.stationId);
    const beforeGroup = group(counter, cashier, before);
    // The admin deactivates the cashier meanwhile (the station was offline)...
    const deactivated = adminMaker.edit(cashierRow, { active: false });
    const body = await pushOne(
      counter,
      group(counter, admin, [{ table: 'users', row: deactivated, baseVersion: cashierRow.version }]),
    );
    expect(body.groups[0]?.status).toBe('applied');
    // ...then the station comes back with the sale made while the cashier was active.
    const late = await pushOne(counter, beforeGroup);
    expect(late.groups[0]?.status).toBe('applied');
    expect(late.applied).toHaveLength(3);
    expect(await stock(product.id)).toBe(10);

    const after = group(
      counter,
      cashier,
      sale(new RowMaker(cashier.userId, adminMaker.clock), product.id, 1, counter.stationId),
    );
    const refused = await pushOne(counter, after);
    expect(refused.groups[0]).toMatchObject({
      status: 'held',
      code: 'FORBIDDEN',
      message: expect.stringContaining('not active'),
    });
    expect(refused.rejected).toHaveLength(3);
    expect(await count('sales', [after.changes[0]?.row.id as string])).toBe(0);
    expect(await stock(product.id)).toBe(10);
  });

  it('holds a sale with one item breaking a rule whole; accept applies it whole, reject applies nothing', async () => {
    const product = await productWithStock(20);
    const { signer: cashier } = await createUser('cashier');
    const maker = new RowMaker(cashier.userId, adminMaker.clock);
    const broken = sale(maker, product.id, 1, counter.stationId);
    broken.push({
      table: 'sale_items',
      row: maker.row('sale_items', { saleId: broken[0]?.row.id, productId: product.id, quantity: 0 }),
    });
    const brokenGroup = group(counter, cashier, broken);
    const held = await pushOne(counter, brokenGroup);
    expect(held.groups[0]).toMatchObject({ status: 'held', code: 'VALIDATION' });
    expect(held.applied).toEqual([]);
    const pulled = await pullAll(server.url, counter.token);
    for (const { table, row } of broken) expect(pulled.tables.get(table)?.has(row.id) ?? false).toBe(false);
    expect(await stock(product.id)).toBe(20);

    const review = await adminGet<ReviewResponse>('/admin/review?status=pending');
    const listed = review.groups.find((g) => g.id === brokenGroup.id);
    expect(listed).toMatchObject({
      stationId: counter.stationId,
      stationName: 'Back office',
      userId: cashier.userId,
      version: brokenGroup.version,
      code: 'VALIDATION',
      status: 'pending',
    });
    expect(listed?.changes).toHaveLength(4);
    // Its rule still breaks: accept answers 409 with the reason, and it stays pending.
    const cannot = await adminPost(`/admin/review/${brokenGroup.id}/accept`);
    expect(cannot.status).toBe(409);
    expect((await cannot.json()).error.message).toMatch(/quantity/);
    expect(await stock(product.id)).toBe(20);

    // Re-pushed while pending: answered from the review row, still not applied.
    expect((await pushOne(counter, brokenGroup)).groups[0]).toMatchObject({ status: 'held', code: 'VALIDATION' });

    // Two sales by a cashier written after deactivation: held for their authorization.
    const { row: lateRow, signer: lateCashier } = await createUser('cashier');
    await pushOne(
      counter,
      group(counter, admin, [{ table: 'users', row: adminMaker.edit(lateRow, { active: false }) }]),
    );
    const lateMaker = new RowMaker(lateCashier.userId, adminMaker.clock);
    const toAccept = group(counter, lateCashier, sale(lateMaker, product.id, 3, counter.stationId));
    const toReject = group(counter, lateCashier, sale(lateMaker, product.id, 4, counter.stationId));
    const both = await pushGroups(counter, [toAccept, toReject]);
    expect(both.body.groups.map((g) => g.status)).toEqual(['held', 'held']);

    const accepted = await adminPost(`/admin/review/${toAccept.id}/accept`);
    expect(accepted.status).toBe(200);
    const afterAccept = await pullAll(server.url, counter.token);
    for (const { table, row } of toAccept.changes) {
      expect(afterAccept.tables.get(table)?.get(row.id)).toMatchObject({ id: row.id, updatedBy: lateCashier.userId });
    }
    expect(await stock(product.id)).toBe(17);
    expect(
      (await db.query('SELECT DISTINCT "pushedBy" FROM sales WHERE id = $1', [toAccept.changes[0]?.row.id])).rows,
    ).toEqual([{ pushedBy: counter.stationId }]);
    // The station's re-push learns it was applied.
    expect((await pushOne(counter, toAccept)).groups[0]?.status).toBe('applied');

    const rejected = await adminPost(`/admin/review/${toReject.id}/reject`, { note: 'not a real sale' });
    expect(rejected.status).toBe(200);
    expect(await stock(product.id)).toBe(17);
    expect(await count('sales', [toReject.changes[0]?.row.id as string])).toBe(0);
    const answer = await pushOne(counter, toReject);
    expect(answer.groups[0]).toMatchObject({
      status: 'rejected',
      message: expect.stringContaining('not a real sale'),
      rows: toReject.changes.map((c) => ({ table: c.table, id: c.row.id, row: null })),
    });
    // Decided groups cannot be decided again.
    expect((await adminPost(`/admin/review/${toReject.id}/accept`)).status).toBe(409);
    const decided = await adminGet<ReviewResponse>('/admin/review?status=rejected');
    expect(decided.groups.map((g) => [g.id, g.decisionNote])).toContainEqual([toReject.id, 'not a real sale']);
  });

  it('keeps for review a group signed with the key a password reset replaced, and applies one signed before', async () => {
    const { row: cashierRow, signer: oldKey } = await createUser('cashier');
    const maker = new RowMaker(oldKey.userId, adminMaker.clock);
    const before = group(counter, oldKey, [{ table: 'customers', row: maker.row('customers') }]);
    // The admin sets a new password: the user gets a new key pair.
    const { row: withNewKey, key: newKey } = await userWithKey(adminMaker, {});
    const reset = adminMaker.edit(cashierRow, { publicKey: withNewKey.publicKey, sealedKey: withNewKey.sealedKey });
    await pushOne(counter, group(counter, admin, [{ table: 'users', row: reset }]));
    // The station, offline meanwhile, went on signing with the old key.
    const after = group(counter, oldKey, [{ table: 'customers', row: maker.row('customers') }]);
    expect((await pushOne(counter, before)).groups[0]?.status).toBe('applied');
    const held = await pushOne(counter, after);
    expect(held.groups[0]).toMatchObject({
      status: 'held',
      code: 'FORBIDDEN',
      message: expect.stringContaining('replaced'),
    });
    const fresh = group(counter, { userId: oldKey.userId, key: newKey }, [
      { table: 'customers', row: maker.row('customers') },
    ]);
    expect((await pushOne(counter, fresh)).groups[0]?.status).toBe('applied');
    expect((await adminPost(`/admin/review/${after.id}/accept`)).status).toBe(200);
    expect(await count('customers', [after.changes[0]?.row.id as string])).toBe(1);
  });

  it('applies a void by a manager demoted meanwhile all or nothing, by the role when it was written', async () => {
    const product = await productWithStock(10);
    const { row: managerRow, signer: manager } = await createUser('manager');
    const maker = new RowMaker(manager.userId, adminMaker.clock);
    const sold = sale(maker, product.id, 3, counter.stationId);
    expect((await pushOne(counter, group(counter, manager, sold))).groups[0]?.status).toBe('applied');
    expect(await stock(product.id)).toBe(7);
    const saleRow = sold[0]?.row as AnyRow;
    const voidOf = (m: RowMaker): Changes => [
      {
        table: 'sales',
        row: m.edit(saleRow, { status: 'voided', voidReason: 'returned' }),
        baseVersion: saleRow.version,
      },
      {
        table: 'stock_movements',
        row: m.row('stock_movements', {
          productId: product.id,
          quantity: 3,
          kind: 'return',
          refId: saleRow.id,
          stationId: counter.stationId,
        }),
      },
    ];
    // The demotion is stamped first; the void is written after it at a station that had not heard.
    const demoted = adminMaker.edit(managerRow, { role: 'cashier' });
    const voidAfter = group(counter, manager, voidOf(maker));
    await pushOne(counter, group(counter, admin, [{ table: 'users', row: demoted }]));
    const held = await pushOne(counter, voidAfter);
    expect(held.groups[0]).toMatchObject({ status: 'held', code: 'FORBIDDEN' });
    expect(await stock(product.id)).toBe(7);
    expect((await db.query('SELECT status FROM sales WHERE id = $1', [saleRow.id])).rows[0].status).toBe('completed');

    // A void written while still a manager (before the demotion) applies whole when it arrives.
    const { row: otherRow, signer: other } = await createUser('manager');
    const otherMaker = new RowMaker(other.userId, adminMaker.clock);
    const otherSale = sale(otherMaker, product.id, 2, counter.stationId);
    await pushOne(counter, group(counter, other, otherSale));
    expect(await stock(product.id)).toBe(5);
    const earlyVoid = group(counter, other, [
      {
        table: 'sales',
        row: otherMaker.edit(otherSale[0]?.row as AnyRow, { status: 'voided', voidReason: 'returned' }),
        baseVersion: otherSale[0]?.row.version,
      },
      {
        table: 'stock_movements',
        row: otherMaker.row('stock_movements', {
          productId: product.id,
          quantity: 2,
          kind: 'return',
          stationId: counter.stationId,
        }),
      },
    ]);
    await pushOne(
      counter,
      group(counter, admin, [{ table: 'users', row: adminMaker.edit(otherRow, { role: 'cashier' }) }]),
    );
    expect((await pushOne(counter, earlyVoid)).groups[0]?.status).toBe('applied');
    expect(await stock(product.id)).toBe(7);
    expect((await db.query('SELECT status FROM sales WHERE id = $1', [otherSale[0]?.row.id])).rows[0].status).toBe(
      'voided',
    );
  });

  it("holds an admin's group at a counter station (manager ceiling) until the ceiling is raised", async () => {
    const till = await enroll('Caja mostrador', 'manager');
    const stations = await adminGet<StationsResponse>('/admin/stations');
    expect(stations.stations.find((s) => s.id === till.stationId)?.ceiling).toBe('manager');
    const price = adminMaker.row('products', { price: 1 });
    const g = group(till, admin, [{ table: 'products', row: price }]);
    const held = await pushOne(till, g);
    expect(held.groups[0]).toMatchObject({
      status: 'held',
      code: 'FORBIDDEN',
      message: expect.stringContaining('manager'),
    });
    expect(await count('products', [price.id])).toBe(0);

    // A manager's group is within the ceiling.
    const { signer: manager } = await createUser('manager');
    const byManager = new RowMaker(manager.userId, adminMaker.clock).row('products');
    expect((await pushOne(till, group(till, manager, [{ table: 'products', row: byManager }]))).groups[0]?.status).toBe(
      'applied',
    );

    const raised = await adminPost(`/admin/stations/${till.stationId}/ceiling`, { ceiling: 'admin' });
    expect(raised.status).toBe(200);
    const next = adminMaker.row('products');
    expect((await pushOne(till, group(till, admin, [{ table: 'products', row: next }]))).groups[0]?.status).toBe(
      'applied',
    );
    expect((await adminPost(`/admin/stations/${till.stationId}/ceiling`, { ceiling: 'owner' })).status).toBe(400);
  });

  it('holds a group whose rows name another user than the one who signed it', async () => {
    const { signer: cashier } = await createUser('cashier');
    const asAdmin = adminMaker.row('customers');
    const body = await pushOne(counter, group(counter, cashier, [{ table: 'customers', row: asAdmin }]));
    expect(body.groups[0]).toMatchObject({ status: 'held', code: 'FORBIDDEN' });
    expect(await count('customers', [asAdmin.id])).toBe(0);
  });

  it('logs every overwrite of another station or user, whatever baseVersion claims', async () => {
    const other = await enroll('Caja 2');
    const conflicts = async (id: string) =>
      (await db.query('SELECT lost, won, "stationId", "userId" FROM conflicts WHERE "rowId" = $1 ORDER BY id', [id]))
        .rows;
    const v1 = adminMaker.row('customers', { name: 'v1' });
    await pushOne(counter, group(counter, admin, [{ table: 'customers', row: v1 }]));
    // The same station and user editing its own row: a successor, not a conflict.
    const v2 = adminMaker.edit(v1, { name: 'v2' });
    await pushOne(counter, group(counter, admin, [{ table: 'customers', row: v2, baseVersion: v1.version }]));
    expect(await conflicts(v1.id)).toEqual([]);
    // Another station claims to build on v2 (baseVersion = the stored version): still logged.
    const v3 = new RowMaker(admin.userId, adminMaker.clock).edit(v2, { name: 'v3' });
    expect(
      (await pushOne(other, group(other, admin, [{ table: 'customers', row: v3, baseVersion: v2.version }]))).groups[0]
        ?.status,
    ).toBe('applied');
    expect(await conflicts(v1.id)).toEqual([
      {
        lost: expect.objectContaining({ name: 'v2' }),
        won: expect.objectContaining({ name: 'v3' }),
        stationId: other.stationId,
        userId: admin.userId,
      },
    ]);
    // Another user at that same station, claiming v3 as its base: logged too.
    const { signer: manager } = await createUser('manager');
    const v4 = new RowMaker(manager.userId, adminMaker.clock).edit(v3, { name: 'v4' });
    await pushOne(other, group(other, manager, [{ table: 'customers', row: v4, baseVersion: v3.version }]));
    expect((await conflicts(v1.id)).map((c) => [c.lost.name, c.won.name, c.userId])).toEqual([
      ['v2', 'v3', admin.userId],
      ['v3', 'v4', manager.userId],
    ]);
  });

  it('holds a group the database refuses (a value it will not store) without failing the push', async () => {
    await db.query(`ALTER TABLE customers ADD CONSTRAINT test_no_refused CHECK (name <> 'refused by the database')`);
    try {
      const good = adminMaker.row('customers');
      const refused = adminMaker.row('customers', { name: 'refused by the database' });
      const alsoGood = adminMaker.row('customers');
      const groups = [good, refused, alsoGood].map((row) => group(counter, admin, [{ table: 'customers', row }]));
      const { status, body } = await pushGroups(counter, groups);
      expect(status).toBe(200);
      expect(body.groups.map((g) => [g.status, g.code])).toEqual([
        ['applied', undefined],
        ['held', 'VALIDATION'],
        ['applied', undefined],
      ]);
      expect(body.groups[1]?.message).toMatch(/database refused/);
      expect(await count('customers', [good.id, refused.id, alsoGood.id])).toBe(2);
      const review = await adminGet<ReviewResponse>('/admin/review');
      expect(review.groups.map((g) => g.id)).toContain(groups[1]?.id);
    } finally {
      await db.query('ALTER TABLE customers DROP CONSTRAINT test_no_refused');
    }
  });

  it('holds groups carrying a NUL, and keeps lone surrogates for review, without a 5xx', async () => {
    const nul = adminMaker.row('customers', { name: 'A\u0000B' });
    // Held for its negative price; its lone surrogate must not keep it out of the review list.
    const surrogate = adminMaker.row('products', { name: 'half \ud800 a pair', price: -1 });
    const fine = adminMaker.row('customers');
    const groups = [
      group(counter, admin, [{ table: 'customers', row: nul }]),
      group(counter, admin, [{ table: 'products', row: surrogate }]),
      group(counter, admin, [{ table: 'customers', row: fine }]),
    ];
    const { status, body } = await pushGroups(counter, groups);
    expect(status).toBe(200);
    expect(body.groups.map((g) => g.status)).toEqual(['held', 'held', 'applied']);
    expect(await count('customers', [nul.id, fine.id])).toBe(1);
    expect(await count('products', [surrogate.id])).toBe(0);
    const review = await adminGet<ReviewResponse>('/admin/review?status=pending');
    const held = review.groups.filter((g) => g.id === groups[0]?.id || g.id === groups[1]?.id);
    expect(held.map((g) => g.changes[0]?.row.name).sort()).toEqual(['A\uFFFDB', 'half \uFFFD a pair']);
  });

  it('answers a group sent again after a lost answer with the rows the server rewrote', async () => {
    // A product made offline with a SKU the shop has (merged into the live one), its
    // purchase (re-pointed to the live product) and a sale numbered as another (renumbered).
    const live = await productWithStock(5);
    const twin = adminMaker.row('products', { sku: live.sku });
    const purchase = adminMaker.row('stock_movements', {
      productId: twin.id,
      quantity: 4,
      kind: 'purchase',
      stationId: counter.stationId,
    });
    const number = `R${Date.now() % 100000}-000007`;
    const first = adminMaker.row('sales', { userId: admin.userId, stationId: counter.stationId, total: 0, number });
    expect((await pushOne(counter, group(counter, admin, [{ table: 'sales', row: first }]))).groups[0]?.status).toBe(
      'applied',
    );
    const clash = adminMaker.row('sales', {
      userId: admin.userId,
      stationId: counter.stationId,
      total: 0,
      number,
    });
    const sent = group(counter, admin, [
      { table: 'products', row: twin },
      { table: 'stock_movements', row: purchase },
      { table: 'sales', row: clash },
    ]);
    const answered = await pushOne(counter, sent);
    expect(answered.groups[0]?.status).toBe('applied');
    const rewritten = (body: PushResponse) => Object.fromEntries(body.superseded.map(({ table, row }) => [table, row]));
    const once = rewritten(answered);
    expect(once.products).toMatchObject({ id: twin.id, mergedInto: live.id });
    expect(once.stock_movements).toMatchObject({ id: purchase.id, productId: live.id });
    expect(once.sales).toMatchObject({ id: clash.id, number: number.replace(/7$/, '8'), printedNumber: number });

    // The answer never reached the station: it sends the same group again, and hears the same.
    const headBefore = await head();
    const again = await pushOne(counter, sent);
    expect(again.groups[0]?.status).toBe('applied');
    const twice = rewritten(again);
    expect(twice.products).toMatchObject({ id: twin.id, mergedInto: live.id });
    expect(twice.stock_movements).toMatchObject({ id: purchase.id, productId: live.id });
    expect(twice.sales).toEqual(once.sales);
    expect(again.applied).toEqual([]);
    expect(await head()).toBe(headBefore);
    expect(await stock(live.id)).toBe(9);
  });

  it('lets only admins see the review list, decide on it and set ceilings', async () => {
    const { row } = await userWithKey(adminMaker, { role: 'manager', passwordHash: await hashPassword('gerente') });
    await pushOne(counter, group(counter, admin, [{ table: 'users', row }]));
    const managerToken = (await login(server.url, String(row.username), 'gerente')).token;
    for (const token of [managerToken, counter.token, null]) {
      const headers: Record<string, string> = token ? { authorization: `Bearer ${token}` } : {};
      const list = await fetch(`${server.url}/admin/review`, { headers });
      expect(list.status).toBe(token === managerToken ? 403 : 401);
      const ceiling = await fetch(`${server.url}/admin/stations/${counter.stationId}/ceiling`, {
        method: 'POST',
        headers: { ...headers, 'content-type': 'application/json' },
        body: JSON.stringify({ ceiling: 'cashier' }),
      });
      expect(ceiling.status).toBe(token === managerToken ? 403 : 401);
    }
    expect((await db.query('SELECT ceiling FROM stations WHERE id = $1', [counter.stationId])).rows[0].ceiling).toBe(
      'admin',
    );
  });
});
