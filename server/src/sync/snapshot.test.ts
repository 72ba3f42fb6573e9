import type { ColumnarPullResponse } from '@mostrador/common';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RowMaker } from '../../../test/support/rows.js';
import { adminSigner, enrollStation, startTestServer, type TestServer } from '../../../test/support/server.js';
import { pullPage, pushAs } from '../../../test/support/sync-client.js';

describe('the bootstrap snapshot', () => {
  let server: TestServer;
  let token: string;
  let counterToken: string;
  let ids: string[];

  async function snapshotPage(query: string, as = token): Promise<ColumnarPullResponse> {
    const response = await fetch(`${server.url}/sync/snapshot?${query}`, {
      headers: { authorization: `Bearer ${as}` },
    });
    if (response.status !== 200) throw new Error(`snapshot failed: ${response.status} ${await response.text()}`);
    return (await response.json()) as ColumnarPullResponse;
  }

  beforeAll(async () => {
    server = await startTestServer();
    const enrolled = await enrollStation(server.url, 'Caja 1');
    token = enrolled.stationToken;
    counterToken = (await enrollStation(server.url, 'Mostrador', enrolled.adminToken, 'cashier')).stationToken;
    const admin = await adminSigner(server);
    const maker = new RowMaker(admin.userId);
    const customers = Array.from({ length: 12 }, (_, i) => maker.row('customers', { name: `Customer ${i}` }));
    await pushAs({ url: server.url, token, stationId: enrolled.stationId }, admin, [
      ...customers.map((row) => ({ table: 'customers', row })),
    ]);
    ids = customers.map((c) => c.id).sort();
  });
  afterAll(() => server?.close());

  it('pages through one table in id order after an id, each page at the head of its snapshot', async () => {
    const { head, epoch } = await pullPage(server.url, token, 0, 1, 'columns');
    const pages: ColumnarPullResponse[] = [];
    let after = '';
    do {
      const page = await snapshotPage(`table=customers&limit=5${after ? `&after=${after}` : ''}`);
      pages.push(page);
      after = String(page.tables.customers?.rows.at(-1)?.[0] ?? '');
    } while (pages.at(-1)?.hasMore);
    expect(pages.map((p) => [p.count, p.hasMore])).toEqual([
      [5, true],
      [5, true],
      [2, false],
    ]);
    expect(pages.every((p) => p.cursor === head && p.head === head && p.epoch === epoch)).toBe(true);
    expect(pages.flatMap((p) => p.tables.customers?.rows.map((r) => r[0]))).toEqual(ids);
  });

  it('sends the rows exactly as the columnar pull sends them to the same station', async () => {
    for (const as of [token, counterToken]) {
      const pulled = (await pullPage(server.url, as, 0, 1000, 'columns')) as ColumnarPullResponse;
      for (const table of ['customers', 'users']) {
        const read = await snapshotPage(`table=${table}&limit=1000`, as);
        const byId = (rows: unknown[][] = []) => [...rows].sort((a, b) => String(a[0]).localeCompare(String(b[0])));
        expect(read.tables[table]?.columns).toEqual(pulled.tables[table]?.columns);
        expect(byId(read.tables[table]?.rows)).toEqual(byId(pulled.tables[table]?.rows));
      }
    }
  });

  it('answers an empty last page for a table with nothing after the id', async () => {
    const page = await snapshotPage(`table=customers&limit=5&after=${ids.at(-1)}`);
    expect(page).toMatchObject({ count: 0, hasMore: false, tables: { customers: { rows: [] } } });
  });

  it('refuses an unknown table, a bad id or limit', async () => {
    for (const [query, code] of [
      ['table=nope&limit=5', 'UNKNOWN_TABLE'],
      ['table=customers&after=zzz', 'VALIDATION'],
      ['table=customers&limit=0', 'VALIDATION'],
    ]) {
      const response = await fetch(`${server.url}/sync/snapshot?${query}`, {
        headers: { authorization: `Bearer ${token}` },
      });
      expect(response.status, query).toBe(400);
      expect((await response.json()).error.code, query).toBe(code);
    }
  });
});
