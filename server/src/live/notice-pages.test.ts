import type { Socket } from 'node:net';
import { newId } from '@mostrador/common';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  addStation,
  commitCustomers,
  commitHead,
  Listener,
  type LiveApp,
  startLiveApp,
} from '../../../test/support/live.js';
import { createTestDatabase, type TestDatabase } from '../../../test/support/pg.js';
import { readPullPage, readPullPageAtOnce } from '../sync/pull-page.js';

type Message = Listener['messages'][number];
interface Page {
  tables: Record<string, { columns: string[]; rows: unknown[][] }>;
  count: number;
}

const underlying = (listener: Listener) => (listener.socket as unknown as { _socket: Socket })._socket;
const notices = (listener: Listener) => listener.messages.filter((m) => m.type === 'changes');
const noticeOf = (listener: Listener, cursor: number) => notices(listener).find((m) => m.cursor === cursor);

function pageIds(message: Message): string[] {
  const page = message.page as Page;
  const customers = page.tables.customers;
  if (!customers) return [];
  const idAt = customers.columns.indexOf('id');
  return customers.rows.map((row) => row[idAt] as string);
}

/** Every notice with a page starts where the notice (or hello) before it, as received, ended. */
function expectChained(listener: Listener): void {
  let previous = listener.lastOf('hello')?.head;
  for (const notice of notices(listener)) {
    if (notice.page !== undefined) expect(notice.from).toBe(previous);
    previous = notice.cursor as number;
  }
}

describe('changes notices carrying their page', () => {
  let db: TestDatabase;
  let api: LiveApp;

  beforeAll(async () => {
    db = await createTestDatabase();
    // No budget to miss on a busy test machine: whether a page goes out must not depend on timing.
    api = await startLiveApp(db.url, { pageBudgetMs: 60_000 });
  });
  afterAll(async () => {
    await api?.close();
    await db?.drop();
  });

  it('carries the rows committed since the previous notice, from its head', async () => {
    const station = await addStation(db.url, 'Caja');
    const listener = await Listener.open(`${api.ws}/sync/ws`, station.token);
    await listener.until((l) => l.lastOf('hello'));
    const first = await commitCustomers(db.url, 1);
    await listener.until((l) => noticeOf(l, first.head));
    const second = await commitCustomers(db.url, 3);
    const notice = await listener.until((l) => noticeOf(l, second.head));
    expect(notice).toMatchObject({ type: 'changes', cursor: second.head, from: first.head, page: { count: 3 } });
    expect(pageIds(notice).sort()).toEqual([...second.ids].sort());
    listener.close();
  });

  it('never carries users rows (their verifiers depend on the station): those stations pull', async () => {
    const station = await addStation(db.url, 'Caja');
    const listener = await Listener.open(`${api.ws}/sync/ws`, station.token);
    await listener.until((l) => l.lastOf('hello'));
    const before = await commitCustomers(db.url, 1);
    await listener.until((l) => noticeOf(l, before.head));
    const client = new pg.Client({ connectionString: db.url });
    await client.connect();
    const now = new Date().toISOString();
    const id = newId();
    await client.query('BEGIN');
    const head = Number((await client.query('SELECT head FROM sync_state WHERE id = 1 FOR UPDATE')).rows[0].head);
    await client.query(
      `INSERT INTO users (id, "createdAt", "updatedAt", version, "updatedBy", seq, username, "displayName", role, "passwordHash", active)
       VALUES ($1, $2, $2, $3, $1, $4, $5, $5, 'admin', 'scrypt$secret', true)`,
      [id, now, `${now}-0000-0000000000000000`, head + 1, `boss-${id.slice(-6)}`],
    );
    await client.query('UPDATE sync_state SET head = $1 WHERE id = 1', [head + 1]);
    await client.query(`SELECT pg_notify('mostrador_changes', $1)`, [String(head + 1)]);
    await client.query('COMMIT');
    await client.end();
    const notice = await listener.until((l) => noticeOf(l, head + 1));
    expect(notice).toEqual({ type: 'changes', cursor: head + 1 });
    // The next notice without users rows carries its page again.
    const after = await commitCustomers(db.url, 2);
    expect(await listener.until((l) => noticeOf(l, after.head))).toMatchObject({ from: head + 1, page: { count: 2 } });
    listener.close();
  });

  it('reads the page of a notice in one round trip exactly as a pull reads it', async () => {
    const from = (await commitCustomers(db.url, 4)).head;
    const to = (await commitCustomers(db.url, 6)).head;
    await commitCustomers(db.url, 2);
    const atOnce = await readPullPageAtOnce(api.app.db, from, 501, to);
    expect(atOnce).toEqual(await readPullPage(api.app.db, from, 501, 'columns', 'admin', to));
    expect(atOnce).toMatchObject({ count: 6, cursor: to });
    // Cut at the limit like a pull; bounds it could not inline safely are refused.
    expect(await readPullPageAtOnce(api.app.db, from, 5, to)).toEqual(
      await readPullPage(api.app.db, from, 5, 'columns', 'admin', to),
    );
    await expect(readPullPageAtOnce(api.app.db, from, 501, Number.NaN)).rejects.toThrow();
  });

  it('sends the plain notice when the page would be large or has no rows', async () => {
    const station = await addStation(db.url, 'Caja grande');
    const listener = await Listener.open(`${api.ws}/sync/ws`, station.token);
    await listener.until((l) => l.lastOf('hello'));
    const large = await commitCustomers(db.url, 501);
    expect(await listener.until((l) => noticeOf(l, large.head))).toEqual({ type: 'changes', cursor: large.head });
    // A head moved with no rows behind it is out of the ordinary: stations had better pull.
    await commitHead(db.url, large.head + 1);
    expect(await listener.until((l) => noticeOf(l, large.head + 1))).toEqual({
      type: 'changes',
      cursor: large.head + 1,
    });
    listener.close();
  });

  it('sends the plain notice at once while the database cannot build the page', async () => {
    const slow = await startLiveApp(db.url, { pageBudgetMs: 50 });
    const station = await addStation(db.url, 'Caja paciente');
    const listener = await Listener.open(`${slow.ws}/sync/ws`, station.token);
    await listener.until((l) => l.lastOf('hello'));
    const first = await commitCustomers(db.url, 1);
    await listener.until((l) => noticeOf(l, first.head));
    // Every session of the API's pool taken: no page can be read until they are back.
    const held = await Promise.all(Array.from({ length: 4 }, () => slow.app.db.connect()));
    try {
      const stuck = await commitCustomers(db.url, 1);
      expect(await listener.until((l) => noticeOf(l, stuck.head))).toEqual({ type: 'changes', cursor: stuck.head });
      // The page still being read, the next notice does not wait for another one.
      const next = await commitCustomers(db.url, 1);
      expect(await listener.until((l) => noticeOf(l, next.head))).toEqual({ type: 'changes', cursor: next.head });
    } finally {
      for (const client of held) client.release();
    }
    // Once the database answers again, pages resume (a notice or two later).
    let paged: Message | undefined;
    for (let i = 0; i < 20 && !paged; i++) {
      const head = (await commitCustomers(db.url, 1)).head;
      paged = await listener.until((l) => noticeOf(l, head));
      if (paged.page === undefined) paged = undefined;
    }
    expect(paged).toMatchObject({ page: { count: 1 } });
    listener.close();
    await slow.close();
  });

  it('never sends a slow socket a page starting at a notice it skipped', async () => {
    const [stuckStation, healthyStation] = [await addStation(db.url, 'Lenta'), await addStation(db.url, 'Ágil')];
    const stuck = await Listener.open(`${api.ws}/sync/ws`, stuckStation.token);
    const healthy = await Listener.open(`${api.ws}/sync/ws`, healthyStation.token);
    await Promise.all([stuck.until((l) => l.lastOf('hello')), healthy.until((l) => l.lastOf('hello'))]);
    underlying(stuck).pause();

    // Pages of 500 rows until the kernel's buffers for the stuck socket are full and a frame
    // waits, then a few more: those replace each other while it waits.
    const backlog = () => api.app.live.hub.backlogOf(stuckStation.id)[0];
    let last = 0;
    for (let i = 0; i < 1_000 && backlog()?.stalled !== true; i++) {
      last = (await commitCustomers(db.url, 500)).head;
      await healthy.until((l) => noticeOf(l, last), 30_000);
    }
    expect(backlog()?.stalled).toBe(true);
    for (let i = 0; i < 3; i++) last = (await commitCustomers(db.url, 2)).head;
    await healthy.until((l) => noticeOf(l, last), 30_000);
    expect(backlog()?.held).toBe(1);

    underlying(stuck).resume();
    const final = await stuck.until((l) => noticeOf(l, last), 30_000);
    // The stuck socket skipped notices, so the newest came plain; every page it did get
    // started where its previous notice ended, as did every page the healthy one got.
    expect(final.page).toBeUndefined();
    expectChained(stuck);
    expectChained(healthy);
    expect(notices(healthy).filter((m) => m.page !== undefined).length).toBeGreaterThan(0);
    stuck.close();
    healthy.close();
  });
});
