import { type AnyRow, newId, type PushResponse, type ReviewResponse, type WriteGroup } from '@mostrador/common';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RowMaker, signedGroup } from '../../../test/support/rows.js';
import {
  adminSigner,
  enrollStation,
  loginAdmin,
  startTestServer,
  type TestServer,
} from '../../../test/support/server.js';
import { pullAll, pushBody, pushGroups, type Signer, type StationAuth } from '../../../test/support/sync-client.js';
import { ARRIVED_NOTE } from './review.js';

type Changes = { table: string; row: AnyRow }[];

/**
 * Issue 12: a sale line, payment or stock movement must name a sale and a product that
 * exist (in its own push or on the server, deleted or not). Real HTTP, real PostgreSQL.
 */
describe('references of sale lines, payments and stock movements', () => {
  let server: TestServer;
  let db: pg.Client;
  let station: StationAuth;
  let admin: Signer;
  let maker: RowMaker;
  let adminToken: string;

  const group = (changes: Changes): WriteGroup => signedGroup(admin.key, admin.userId, station.stationId, changes);
  const push = async (...groups: WriteGroup[]): Promise<PushResponse> => {
    const { status, body } = await pushGroups(station, groups);
    expect(status).toBe(200);
    return body as PushResponse;
  };
  const stored = async (table: string, id: unknown) =>
    (await db.query(`SELECT count(*)::int AS n FROM ${table} WHERE id = $1`, [id])).rows[0].n as number;

  /** A sale of one unit of `productId`: the sale, its line, its payment and its stock movement. */
  function sale(productId: string): Changes {
    const saleRow = maker.row('sales', { userId: admin.userId, stationId: station.stationId, total: 1000 });
    return [
      { table: 'sales', row: saleRow },
      {
        table: 'sale_items',
        row: maker.row('sale_items', { saleId: saleRow.id, productId, quantity: 1, unitPrice: 1000, lineTotal: 1000 }),
      },
      { table: 'sale_payments', row: maker.row('sale_payments', { saleId: saleRow.id, method: 'cash', amount: 1000 }) },
      {
        table: 'stock_movements',
        row: maker.row('stock_movements', {
          productId,
          quantity: -1,
          kind: 'sale',
          refId: saleRow.id,
          stationId: station.stationId,
        }),
      },
    ];
  }

  beforeAll(async () => {
    server = await startTestServer();
    db = new pg.Client({ connectionString: server.databaseUrl });
    await db.connect();
    admin = await adminSigner(server);
    maker = new RowMaker(admin.userId);
    adminToken = await loginAdmin(server.url);
    const enrolled = await enrollStation(server.url, 'Till');
    station = { url: server.url, token: enrolled.stationToken, stationId: enrolled.stationId };
  });
  afterAll(async () => {
    await db?.end();
    await server?.close();
  });

  it('holds a sale whose line names a product that exists nowhere, whole, and writes nothing of it', async () => {
    const orphan = group(sale(maker.row('products').id));
    const body = await push(orphan);
    expect(body.groups[0]).toMatchObject({
      status: 'held',
      code: 'MISSING_REFERENCE',
      message: expect.stringMatching(/productId .* names no products row/),
    });
    for (const { table, row } of orphan.changes) expect(await stored(table, row.id)).toBe(0);
    const review = await fetch(`${server.url}/admin/review?status=pending`, {
      headers: { authorization: `Bearer ${adminToken}` },
    });
    expect(((await review.json()) as ReviewResponse).groups.map((g) => g.id)).toContain(orphan.id);
  });

  it('holds a line, a payment and a movement naming a sale or product neither pushed nor stored', async () => {
    const product = maker.row('products');
    expect((await push(group([{ table: 'products', row: product }]))).groups[0]?.status).toBe('applied');
    const [, line, payment, movement] = sale(product.id);
    const lonely = [
      group([line as Changes[number]]),
      group([payment as Changes[number]]),
      group([{ table: 'stock_movements', row: { ...movement?.row, productId: maker.row('products').id } as AnyRow }]),
    ];
    const body = await push(...lonely);
    expect(body.groups.map((g) => [g.status, g.code])).toEqual([
      ['held', 'MISSING_REFERENCE'],
      ['held', 'MISSING_REFERENCE'],
      ['held', 'MISSING_REFERENCE'],
    ]);
    expect(body.groups[0]?.message).toMatch(/saleId .* names no sales row/);
    expect(body.groups[1]?.message).toMatch(/saleId .* names no sales row/);
    expect(body.groups[2]?.message).toMatch(/productId .* names no products row/);
    for (const g of lonely) expect(await stored(g.changes[0]?.table as string, g.changes[0]?.row.id)).toBe(0);
  });

  it('applies sales of products created earlier in the same push, in an earlier push, or since deleted', async () => {
    const samePush = maker.row('products');
    const first = await push(group([{ table: 'products', row: samePush }]), group(sale(samePush.id)));
    expect(first.groups.map((g) => g.status)).toEqual(['applied', 'applied']);

    // Created in an earlier push, then deleted: a sale made before the delete reached the
    // station still names a product that exists (a tombstone).
    const earlier = maker.row('products');
    await push(group([{ table: 'products', row: earlier }]));
    const offlineSale = sale(earlier.id);
    await push(group([{ table: 'products', row: maker.edit(earlier, { deletedAt: new Date().toISOString() }) }]));
    const late = await push(group(offlineSale));
    expect(late.groups[0]?.status).toBe('applied');
    const pulled = await pullAll(server.url, station.token);
    for (const { table, row } of offlineSale) expect(pulled.tables.get(table)?.has(row.id)).toBe(true);
  });

  it('refuses an orphan line inside a good sale: the whole group waits, the other groups apply', async () => {
    const product = maker.row('products');
    const good = sale(product.id);
    const bad = sale(product.id);
    bad.push({
      table: 'sale_items',
      row: maker.row('sale_items', { saleId: maker.row('sales').id, productId: product.id }),
    });
    const body = await push(group([{ table: 'products', row: product }]), group(good), group(bad));
    expect(body.groups.map((g) => g.status)).toEqual(['applied', 'applied', 'held']);
    expect(await stored('sales', good[0]?.row.id)).toBe(1);
    expect(await stored('sales', bad[0]?.row.id)).toBe(0);
  });

  it('answers a protocol-3 station, whose app knows no MISSING_REFERENCE, with VALIDATION', async () => {
    const orphan = group(sale(maker.row('products').id));
    const { status, body } = await pushBody(server.url, station.token, { batchId: newId(), groups: [orphan] });
    expect(status).toBe(200);
    expect(body.groups[0]).toMatchObject({ status: 'held', code: 'VALIDATION' });
    expect(new Set(body.rejected.map((r) => r.code))).toEqual(new Set(['VALIDATION']));
  });

  it('applies a sale pushed before the product it sells in the same push, after the product', async () => {
    const product = maker.row('products');
    const early = group(sale(product.id));
    const body = await push(early, group([{ table: 'products', row: product }]));
    expect(body.groups.map((g) => g.status)).toEqual(['applied', 'applied']);
    const { rows } = await db.query<{ table: string; seq: string }>(
      `SELECT 'products' AS table, seq::text AS seq FROM products WHERE id = $1
       UNION ALL SELECT 'sale_items', seq::text FROM sale_items WHERE "saleId" = $2`,
      [product.id, early.changes[0]?.row.id],
    );
    // Written after the product it waited for, so a station pulling in order never meets a dangling line.
    const seqOf = new Map(rows.map((r) => [r.table, Number(r.seq)]));
    expect(seqOf.get('sale_items')).toBeGreaterThan(seqOf.get('products') ?? Number.POSITIVE_INFINITY);
  });

  it('applies a held sale sent again once its product is on the server, and closes it in the review list', async () => {
    const product = maker.row('products');
    const waiting = group(sale(product.id));
    expect((await push(waiting)).groups[0]).toMatchObject({ status: 'held', code: 'MISSING_REFERENCE' });

    // Another station sending the same group does not get it tried: it is not its group.
    const other = await enrollStation(server.url, 'Other till');
    const otherAuth = { url: server.url, token: other.stationToken, stationId: other.stationId };
    const fromOther = await pushGroups(otherAuth, [waiting]);
    expect((fromOther.body as PushResponse).groups[0]).toMatchObject({ status: 'held', code: 'MISSING_REFERENCE' });

    // Still missing: sent again, it stays held and writes nothing.
    expect((await push(waiting)).groups[0]?.status).toBe('held');
    expect(await stored('sales', waiting.changes[0]?.row.id)).toBe(0);

    expect((await push(group([{ table: 'products', row: product }]))).groups[0]?.status).toBe('applied');
    const again = await push(waiting);
    expect(again.groups[0]?.status).toBe('applied');
    for (const { table, row } of waiting.changes) expect(await stored(table, row.id)).toBe(1);
    const review = await fetch(`${server.url}/admin/review?status=accepted`, {
      headers: { authorization: `Bearer ${adminToken}` },
    });
    const entry = ((await review.json()) as ReviewResponse).groups.find((g) => g.id === waiting.id);
    expect(entry).toMatchObject({ status: 'accepted', decidedBy: null, decisionNote: ARRIVED_NOTE });
    // Applied once: sent yet again, it is answered applied and written no second time.
    const head = (await db.query('SELECT head::int AS head FROM sync_state')).rows[0].head as number;
    expect((await push(waiting)).groups[0]?.status).toBe('applied');
    expect((await db.query('SELECT head::int AS head FROM sync_state')).rows[0].head).toBe(head);
  });
});
