import type { AnyRow, ColumnarPullResponse, PullResponse } from '@mostrador/common';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RowMaker } from '../../../test/support/rows.js';
import { adminSigner, enrollStation, startTestServer, type TestServer } from '../../../test/support/server.js';
import {
  pageChanges,
  pullAll,
  pullPage,
  pushAs,
  type Signer,
  type StationAuth,
} from '../../../test/support/sync-client.js';

describe('pull', () => {
  let server: TestServer;
  let station: string;
  let maker: RowMaker;
  let auth: StationAuth;
  let admin: Signer;
  let startCursor: number;
  const customers: AnyRow[] = [];

  beforeAll(async () => {
    server = await startTestServer();
    const enrolled = await enrollStation(server.url, 'Caja 1');
    station = enrolled.stationToken;
    auth = { url: server.url, token: station, stationId: enrolled.stationId };
    admin = await adminSigner(server);
    maker = new RowMaker(admin.userId);
    startCursor = (await pullAll(server.url, station)).cursor; // after the first admin
    for (let i = 0; i < 25; i++) customers.push(maker.row('customers', { name: `Customer ${i}` }));
    await pushAs(
      auth,
      admin,
      customers.map((row) => ({ table: 'customers', row })),
    );
  });
  afterAll(() => server?.close());

  it('pages through the changes in sequence order with cursor, head and hasMore', async () => {
    for (const format of ['rows', 'columns'] as const) {
      const pages: (PullResponse | ColumnarPullResponse)[] = [];
      let cursor = startCursor;
      do {
        const page = await pullPage(server.url, station, cursor, 10, format);
        pages.push(page);
        cursor = page.cursor;
      } while (pages.at(-1)?.hasMore);
      expect(pages.map((p) => pageChanges(p).length)).toEqual([10, 10, 5]);
      expect(pages.map((p) => p.hasMore)).toEqual([true, true, false]);
      expect(pages.map((p) => p.cursor)).toEqual([startCursor + 10, startCursor + 20, startCursor + 25]);
      expect(pages.every((p) => p.head === startCursor + 25)).toBe(true);
      expect(pages.flatMap((p) => pageChanges(p).map((c) => c.row.name))).toEqual(customers.map((c) => c.name));
    }
  });

  it('answers an empty page at the head', async () => {
    const head = (await pullAll(server.url, station)).cursor;
    const page = (await pullPage(server.url, station, head, 10)) as PullResponse;
    expect(page).toEqual({ changes: [], cursor: head, head, hasMore: false, epoch: expect.any(String) });
  });

  it('returns deleted rows too, as their latest change', async () => {
    const [first] = customers;
    if (!first) throw new Error('no customers pushed');
    const deleted = maker.edit(first, { deletedAt: new Date().toISOString() });
    const { body } = await pushAs(auth, admin, [{ table: 'customers', row: deleted }]);
    const page = (await pullPage(server.url, station, body.cursor - 1, 10)) as PullResponse;
    expect(page.changes).toEqual([{ table: 'customers', row: deleted }]);
    const all = await pullAll(server.url, station, { limit: 7 });
    expect(all.tables.get('customers')?.get(deleted.id)?.deletedAt).toBe(deleted.deletedAt);
    expect(all.tables.get('customers')?.size).toBe(25);
  });

  it('sends columnar pages with the registry columns once per table and typed values', async () => {
    const page = (await pullPage(server.url, station, 0, 1000, 'columns')) as ColumnarPullResponse;
    expect(Object.keys(page.tables).sort()).toEqual(['customers', 'users']);
    expect(page.tables.customers?.columns.slice(0, 6)).toEqual([
      'id',
      'createdAt',
      'updatedAt',
      'deletedAt',
      'version',
      'updatedBy',
    ]);
    expect(page.count).toBe(26);
    const users = page.tables.users;
    expect(users?.rows[0]?.[users.columns.indexOf('active')]).toBe(true);
  });

  it('refuses a bad cursor, limit or format with VALIDATION', async () => {
    for (const query of [
      'cursor=-1',
      'cursor=abc',
      'cursor=0&limit=0',
      'cursor=0&limit=50001',
      'cursor=0&format=xml',
    ]) {
      const response = await fetch(`${server.url}/sync/pull?${query}`, {
        headers: { authorization: `Bearer ${station}` },
      });
      expect(response.status, query).toBe(400);
      expect((await response.json()).error.code).toBe('VALIDATION');
    }
  });

  it('uses cursor 0 and the default limit when the query leaves them out', async () => {
    const response = await fetch(`${server.url}/sync/pull`, { headers: { authorization: `Bearer ${station}` } });
    const page = (await response.json()) as PullResponse;
    expect(page.changes).toHaveLength(26);
    expect(page.hasMore).toBe(false);
  });
});
