import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  addStation,
  addUser,
  commitHead,
  Listener,
  type LiveApp,
  startLiveApp,
  upgradeStatus,
} from '../../../test/support/live.js';
import { createTestDatabase, type TestDatabase } from '../../../test/support/pg.js';

type StationsMessage = { type: 'stations'; stations: Array<Record<string, unknown>> };

describe('GET /admin/ws (live station list)', () => {
  let db: TestDatabase;
  let one: LiveApp;
  let two: LiveApp;
  let admin: { token: string };

  beforeAll(async () => {
    db = await createTestDatabase();
    one = await startLiveApp(db.url, { presence: { statusFlushMs: 10 } });
    two = await startLiveApp(db.url, { presence: { statusFlushMs: 10 } });
    admin = await addUser(db.url, 'admin');
  });
  afterAll(async () => {
    await one?.close();
    await two?.close();
    await db?.drop();
  });

  const find = (id: string, test: (s: Record<string, unknown>) => boolean) => (l: Listener) =>
    (l.messages as unknown as StationsMessage[]).some(
      (m) => m.type === 'stations' && m.stations.some((s) => s.id === id && test(s)),
    );

  it('pushes the station list when stations connect, report, lag and leave on any instance', async () => {
    const station = await addStation(db.url, 'Caja 1');
    const monitor = await Listener.open(`${one.ws}/admin/ws?token=${admin.token}`);
    await monitor.until(find(station.id, (s) => s.online === false));

    const client = await Listener.open(`${two.ws}/sync/ws`, station.token);
    await client.until((l) => l.lastOf('hello'));
    await monitor.until(find(station.id, (s) => s.online === true));

    client.socket.send(JSON.stringify({ type: 'status', cursor: 0, pending: 5, appVersion: '2.0.0' }));
    await monitor.until(find(station.id, (s) => s.pending === 5 && s.appVersion === '2.0.0'));

    await commitHead(db.url, 30);
    await monitor.until(find(station.id, (s) => s.lag === 30));

    client.close();
    await monitor.until(find(station.id, (s) => s.online === false && s.pending === 5));
    monitor.close();
  });

  it('refuses the monitor to non-admins', async () => {
    const cashier = await addUser(db.url, 'cashier');
    expect(await upgradeStatus(`${one.ws}/admin/ws`)).toBe(401);
    expect(await upgradeStatus(`${one.ws}/admin/ws?token=nope`)).toBe(401);
    expect(await upgradeStatus(`${one.ws}/admin/ws`, cashier.token)).toBe(403);
  });

  it('does not repeat an unchanged list', async () => {
    const monitor = await Listener.open(`${one.ws}/admin/ws`, admin.token);
    await monitor.until((l) => l.lastOf('stations'));
    const count = monitor.messages.length;
    // A presence notice that changes nothing visible.
    await commitHead(db.url, 30);
    await new Promise((r) => setTimeout(r, 400));
    expect(monitor.messages.length).toBe(count);
    monitor.close();
  });
});
