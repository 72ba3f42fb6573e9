import { type AnyRow, type Change, columnsOf, newId } from '@mostrador/common';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RowMaker } from '../../../test/support/rows.js';
import { adminSigner, enrollStation, startTestServer, type TestServer } from '../../../test/support/server.js';
import { pageChanges, pullPage, pushAs, type Signer, type StationAuth } from '../../../test/support/sync-client.js';
import { applyAsServer } from './apply.js';

/**
 * The late-commit test: writers push concurrently while some transactions stay open
 * long after taking their sequence numbers, and readers pull in a loop the whole time.
 * If a commit could become visible below a cursor a reader had already passed, that
 * reader would miss it and its replay would differ from the final state.
 */
describe('sequence numbers in commit order', () => {
  let server: TestServer;
  let station: string;
  let adminId: string;
  let auth: StationAuth;
  let admin: Signer;

  beforeAll(async () => {
    // Many writers share one station token here; a real station pushes one page at a time.
    server = await startTestServer({ poolSize: 12, pushLimits: { perStation: 64 } });
    const enrolled = await enrollStation(server.url, 'Caja 1');
    station = enrolled.stationToken;
    auth = { url: server.url, token: station, stationId: enrolled.stationId };
    admin = await adminSigner(server);
    adminId = admin.userId;
  });
  afterAll(() => server?.close());

  /** Pushes through HTTP: new customers plus edits of products every writer shares. */
  async function httpWriter(shared: AnyRow[], rounds: number): Promise<void> {
    const maker = new RowMaker(adminId);
    for (let round = 0; round < rounds; round++) {
      const changes: Change[] = Array.from({ length: 4 }, () => ({ table: 'customers', row: maker.row('customers') }));
      for (const product of shared)
        changes.push({ table: 'products', row: maker.edit(product, { price: round * 10 + 1 }) });
      const { status, body } = await pushAs(auth, admin, changes, 'one');
      expect(status).toBe(200);
      expect(body.rejected).toEqual([]);
    }
  }

  /** The same apply path in a transaction held open well after the sequence was taken. */
  async function slowWriter(rounds: number): Promise<void> {
    const maker = new RowMaker(adminId);
    const client = new pg.Client({ connectionString: server.databaseUrl });
    await client.connect();
    try {
      for (let round = 0; round < rounds; round++) {
        await client.query('BEGIN');
        const changes: Change[] = Array.from({ length: 3 }, () => ({
          table: 'customers',
          row: maker.row('customers'),
        }));
        const group = { id: newId(), userId: adminId, version: maker.clock.tick(), changes, signature: '' };
        await applyAsServer(client, group, null, { nowMs: Date.now(), clockAheadMs: 60_000 });
        await client.query('SELECT pg_sleep(0.15)');
        await client.query('COMMIT');
      }
    } finally {
      await client.end();
    }
  }

  async function reader(done: () => boolean): Promise<{ rows: Map<string, AnyRow>; pages: number }> {
    const rows = new Map<string, AnyRow>();
    let cursor = 0;
    let head = 0;
    let pages = 0;
    for (;;) {
      const finished = done();
      const page = await pullPage(server.url, station, cursor, 5, pages % 2 ? 'columns' : 'rows');
      pages += 1;
      expect(page.cursor).toBeGreaterThanOrEqual(cursor);
      expect(page.head).toBeGreaterThanOrEqual(head);
      for (const { table, row } of pageChanges(page)) rows.set(`${table}:${row.id}`, row);
      cursor = page.cursor;
      head = page.head;
      if (finished && !page.hasMore) return { rows, pages };
    }
  }

  async function finalState(): Promise<Map<string, AnyRow>> {
    const client = new pg.Client({ connectionString: server.databaseUrl });
    await client.connect();
    const state = new Map<string, AnyRow>();
    for (const table of ['users', 'customers', 'products'] as const) {
      const columns = columnsOf(table)
        .map((c) => `"${c}"`)
        .join(', ');
      const { rows } = await client.query<AnyRow>(`SELECT ${columns} FROM ${table}`);
      for (const row of rows) state.set(`${table}:${row.id}`, row);
    }
    await client.end();
    return state;
  }

  it('keeps pulls served while pushes queue behind a transaction that holds the sequence', async () => {
    const small = await startTestServer({ poolSize: 3, pushLimits: { perStation: 64 } });
    const holder = new pg.Client({ connectionString: small.databaseUrl });
    await holder.connect();
    try {
      const enrolled = await enrollStation(small.url, 'Caja 2');
      const token = enrolled.stationToken;
      const smallAuth = { url: small.url, token, stationId: enrolled.stationId };
      const smallAdmin = await adminSigner(small);
      const maker = new RowMaker(smallAdmin.userId);
      await holder.query('BEGIN');
      await holder.query('SELECT head FROM sync_state WHERE id = 1 FOR UPDATE');
      const pushes = Array.from({ length: 6 }, () =>
        pushAs(smallAuth, smallAdmin, [{ table: 'customers', row: maker.row('customers') }]),
      );
      await new Promise((resolve) => setTimeout(resolve, 200)); // let the pushes reach the lock
      const pulled = await fetch(`${small.url}/sync/pull?cursor=0`, { headers: { authorization: `Bearer ${token}` } });
      expect(pulled.status).toBe(200);
      await holder.query('COMMIT');
      expect((await Promise.all(pushes)).map((p) => p.body.applied.length)).toEqual([1, 1, 1, 1, 1, 1]);
    } finally {
      await holder.end();
      await small.close();
    }
  });

  it('lets every reader replay exactly the final state while commits land late', async () => {
    const seed = new RowMaker(adminId);
    const shared = [seed.row('products'), seed.row('products')];
    await pushAs(
      auth,
      admin,
      shared.map((row) => ({ table: 'products', row })),
    );

    let writing = true;
    const readers = Array.from({ length: 3 }, () => reader(() => !writing));
    await Promise.all([
      httpWriter(shared, 12),
      httpWriter(shared, 12),
      httpWriter(shared, 12),
      slowWriter(6),
      slowWriter(4),
    ]);
    writing = false;
    const replays = await Promise.all(readers);

    const final = await finalState();
    expect(final.size).toBe(1 + 2 + 3 * 12 * 4 + 10 * 3);
    for (const replay of replays) {
      expect(replay.pages).toBeGreaterThan(10);
      expect(replay.rows).toEqual(final);
    }
  });
});
