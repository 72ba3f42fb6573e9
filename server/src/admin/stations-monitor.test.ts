import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  addStation,
  addUser,
  commitHead,
  Listener,
  type LiveApp,
  query,
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
    const monitor = await Listener.open(`${one.ws}/admin/ws`, admin.token);
    await monitor.until(find(station.id, (s) => s.online === false));

    const client = await Listener.open(`${two.ws}/sync/ws`, station.token);
    await client.until((l) => l.lastOf('hello'));
    await monitor.until(find(station.id, (s) => s.online === true));

    client.socket.send(
      JSON.stringify({ type: 'status', cursor: 0, pending: 5, appVersion: '2.0.0', clockOffsetMs: 600_000 }),
    );
    await monitor.until(
      find(station.id, (s) => s.pending === 5 && s.appVersion === '2.0.0' && s.clockOffsetMs === 600_000),
    );

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

  it('takes the token only from the Authorization header, never from the URL', async () => {
    expect(await upgradeStatus(`${one.ws}/admin/ws?token=${admin.token}`)).toBe(401);
  });

  it('closes a monitor as soon as its admin is deactivated, demoted or changes password, on any instance', async () => {
    for (const change of ['active = false', `role = 'manager'`, `"passwordHash" = 'changed'`]) {
      const other = await addUser(db.url, 'admin');
      const monitor = await Listener.open(`${one.ws}/admin/ws`, other.token);
      await monitor.until((l) => l.lastOf('stations'));
      const closed = new Promise<number>((resolve) => monitor.socket.once('close', (code) => resolve(code)));
      // Written on the database directly (as a push applied by the other instance would).
      await query(db.url, `UPDATE users SET ${change} WHERE id = $1`, [other.id]);
      // Closed by the NOTIFY of the change (nothing else would close it within the token's hour).
      expect(await closed).toBe(4401);
      // The same token no longer opens a monitor nor reads the station list.
      expect(await upgradeStatus(`${two.ws}/admin/ws`, other.token)).toBe(401);
      const list = await fetch(`${two.base}/admin/stations`, { headers: { authorization: `Bearer ${other.token}` } });
      expect(list.status).toBe(401);
    }
  });

  it('limits the monitor sockets one admin may hold open', async () => {
    const other = await addUser(db.url, 'admin');
    const open = await Promise.all([1, 2, 3, 4].map(() => Listener.open(`${one.ws}/admin/ws`, other.token)));
    expect(await upgradeStatus(`${one.ws}/admin/ws`, other.token)).toBe(429);
    open[0]?.close();
    await new Promise((r) => setTimeout(r, 200));
    const again = await Listener.open(`${one.ws}/admin/ws`, other.token);
    for (const monitor of [...open.slice(1), again]) monitor.close();
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
