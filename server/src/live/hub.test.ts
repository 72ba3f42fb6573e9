import type { Socket } from 'node:net';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addStation, addStations, Listener, type LiveApp, startLiveApp } from '../../../test/support/live.js';
import { createTestDatabase, type TestDatabase } from '../../../test/support/pg.js';

/** Many separate commits, each with its NOTIFY, as a stream of pushes would make them. */
async function notifyHeads(url: string, from: number, to: number): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const statements: Array<Promise<unknown>> = [];
    for (let head = from; head <= to; head++) {
      statements.push(client.query(`SELECT pg_notify('mostrador_changes', $1)`, [String(head)]));
    }
    await Promise.all(statements);
  } finally {
    await client.end();
  }
}

const underlying = (listener: Listener) => (listener.socket as unknown as { _socket: Socket })._socket;

describe('station hub fan-out', () => {
  let db: TestDatabase;
  let api: LiveApp;

  beforeAll(async () => {
    db = await createTestDatabase();
    // These are about fanning out plain notices and holding them back for a slow socket, one
    // frame per NOTIFY; notices carrying pages (and coalesced around their builds) are
    // tested in notice-pages.test.ts.
    api = await startLiveApp(db.url, { pageRows: 0 });
  });
  afterAll(async () => {
    await api?.close();
    await db?.drop();
  });

  it('delivers one notice to each of 200 connected stations', async () => {
    const stations = await addStations(
      db.url,
      Array.from({ length: 200 }, (_, i) => `Caja ${i}`),
    );
    const clients = await Promise.all(stations.map((s) => Listener.open(`${api.ws}/sync/ws`, s.token)));
    await Promise.all(clients.map((c) => c.until((l) => l.lastOf('hello'))));
    expect(api.app.live.hub.size).toBe(200);
    await notifyHeads(db.url, 1, 1);
    const notices = await Promise.all(clients.map((c) => c.until((l) => l.lastOf('changes'))));
    expect(notices.every((n) => n.cursor === 1)).toBe(true);
    for (const client of clients) client.close();
  });

  it('keeps serving the others when one station stops reading, holding at most one notice for it', async () => {
    const [stuckStation, healthyStation] = [await addStation(db.url, 'Atascada'), await addStation(db.url, 'Sana')];
    const stuck = await Listener.open(`${api.ws}/sync/ws`, stuckStation.token);
    const healthy = await Listener.open(`${api.ws}/sync/ws`, healthyStation.token);
    await Promise.all([stuck.until((l) => l.lastOf('hello')), healthy.until((l) => l.lastOf('hello'))]);
    underlying(stuck).pause();

    // Notices until the kernel's buffers for the stuck socket are full and a frame waits;
    // then many more. A queue per socket would now grow with every notice.
    const stalled = () => api.app.live.hub.backlogOf(stuckStation.id)[0]?.stalled === true;
    let last = 1;
    let worstBacklog = 0;
    const watch = setInterval(() => {
      for (const b of api.app.live.hub.backlogOf(stuckStation.id))
        worstBacklog = Math.max(worstBacklog, b.bufferedBytes);
    }, 5);
    while (!stalled() && last < 400_000) {
      await notifyHeads(db.url, last + 1, last + 5_000);
      last += 5_000;
      await healthy.until((l) => l.messages.find((m) => m.type === 'changes' && m.cursor === last), 30_000);
    }
    expect(stalled()).toBe(true);
    await notifyHeads(db.url, last + 1, last + 5_000);
    last += 5_000;
    await healthy.until((l) => l.messages.find((m) => m.type === 'changes' && m.cursor === last), 30_000);
    clearInterval(watch);

    const [backlog] = api.app.live.hub.backlogOf(stuckStation.id);
    expect(backlog?.stalled).toBe(true);
    expect(backlog?.held).toBe(1); // only the newest notice waits for it
    expect(worstBacklog).toBeLessThan(100); // never more than the one frame in flight
    expect(api.app.live.hub.heldNotices).toBe(1);

    underlying(stuck).resume();
    await stuck.until((l) => l.messages.find((m) => m.type === 'changes' && m.cursor === last), 30_000);
    // It got the newest notice without being sent every one it missed.
    expect(stuck.messages.filter((m) => m.type === 'changes').length).toBeLessThan(last - 1);
    stuck.close();
    healthy.close();
  });
});
