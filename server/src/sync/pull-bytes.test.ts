import { type AnyRow, columnsOf, ROLES } from '@mostrador/common';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RowMaker } from '../../../test/support/rows.js';
import { adminSigner, enrollStation, startTestServer, type TestServer } from '../../../test/support/server.js';
import { pullAll, pushAs } from '../../../test/support/sync-client.js';
import { changesBodyBytes, columnsBodyBytes } from './pull-body.js';
import { type PullPage, readPullPage, readPullPageAtOnce } from './pull-page.js';

/** The bodies exactly as the server built them before they were written as bytes (kept here as the reference). */
function referenceTail(page: PullPage): string {
  return `"cursor":${page.cursor},"head":${page.head},"hasMore":${page.hasMore},"epoch":${JSON.stringify(page.epoch)}`;
}
function referenceColumnsBody(page: PullPage): string {
  const tables = page.parts.flatMap(({ table, json }) =>
    table === null ? [] : [`"${table}":{"columns":${JSON.stringify(columnsOf(table))},"rows":[${json}]}`],
  );
  return `{"tables":{${tables.join(',')}},"count":${page.count},${referenceTail(page)}}`;
}
function referenceChangesBody(page: PullPage): string {
  return `{"changes":[${page.parts.map((p) => p.json).join(',')}],${referenceTail(page)}}`;
}

describe('pull bodies as bytes', () => {
  let server: TestServer;
  let token: string;
  let start: number;

  beforeAll(async () => {
    server = await startTestServer();
    const enrolled = await enrollStation(server.url, 'Caja bytes');
    token = enrolled.stationToken;
    const auth = { url: server.url, token, stationId: enrolled.stationId };
    const admin = await adminSigner(server);
    const maker = new RowMaker(admin.userId);
    start = (await pullAll(server.url, token)).cursor;
    const awkward = ['quote " back \\ slash', 'line\nbreak\ttab \u0001 ctrl', 'Café ñandú 😀 \u2028 \u00a0', '', ' '];
    const rows: { table: string; row: AnyRow }[] = [];
    awkward.forEach((name, i) => {
      rows.push({
        table: 'customers',
        row: maker.row('customers', { name, email: i % 2 ? null : `c${i}@example.com` }),
      });
      rows.push({
        table: 'products',
        row: maker.row('products', { name, price: i * 1000 - 2000, cost: 0, active: i % 2 === 0 }),
      });
    });
    await pushAs(auth, admin, rows as never);
  });
  afterAll(() => server?.close());

  it('writes the same bytes as the joined string for every format and ceiling, at every page size', async () => {
    for (const ceiling of ROLES) {
      for (const limit of [1, 3, 7, 1000]) {
        for (const cursor of [0, start, start + 4]) {
          const columns = await readPullPage(server.app.db, cursor, limit, 'columns', ceiling);
          expect(columnsBodyBytes(columns)).toEqual(Buffer.from(referenceColumnsBody(columns)));
          const rows = await readPullPage(server.app.db, cursor, limit, 'rows', ceiling);
          expect(changesBodyBytes(rows)).toEqual(Buffer.from(referenceChangesBody(rows)));
        }
      }
    }
  });

  it('reads with the prepared generic plan exactly what the one-off statement reads', async () => {
    for (let round = 0; round < 8; round++) {
      for (const [cursor, limit] of [
        [0, 5],
        [start, 1000],
        [start + 3, 2],
      ] as const) {
        const prepared = await readPullPage(server.app.db, cursor, limit, 'columns', 'admin', 1e9);
        expect(prepared).toEqual(await readPullPageAtOnce(server.app.db, cursor, limit, 1e9));
      }
    }
  });

  it('answers /sync/pull with those bytes', async () => {
    for (const format of ['rows', 'columns'] as const) {
      const response = await fetch(`${server.url}/sync/pull?cursor=0&limit=1000&format=${format}`, {
        headers: { authorization: `Bearer ${token}` },
      });
      const body = Buffer.from(await response.arrayBuffer());
      const page = await readPullPage(server.app.db, 0, 1000, format, 'admin');
      const reference = format === 'columns' ? referenceColumnsBody(page) : referenceChangesBody(page);
      expect(body.toString('utf8')).toEqual(reference);
      expect(body.toString('utf8')).toContain('Café ñandú 😀');
    }
  });
});
