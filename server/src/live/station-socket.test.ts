import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  addStation,
  commitHead,
  Listener,
  type LiveApp,
  query,
  startLiveApp,
  upgradeStatus,
} from '../../../test/support/live.js';
import { createTestDatabase, type TestDatabase } from '../../../test/support/pg.js';

describe('GET /sync/ws', () => {
  let db: TestDatabase;
  let api: LiveApp;
  let station: { id: string; token: string };

  beforeAll(async () => {
    db = await createTestDatabase();
    api = await startLiveApp(db.url);
    station = await addStation(db.url, 'Caja 1');
  });
  afterAll(async () => {
    await api?.close();
    await db?.drop();
  });

  it('greets a station with the head and the server time, then forwards committed changes', async () => {
    await commitHead(db.url, 7);
    const client = await Listener.open(`${api.ws}/sync/ws`, station.token);
    const hello = await client.until((l) => l.lastOf('hello'));
    expect(hello.head).toBe(7);
    expect(Math.abs(Date.parse(String(hello.serverTime)) - Date.now())).toBeLessThan(60_000);
    await commitHead(db.url, 9);
    expect(await client.until((l) => l.lastOf('changes'))).toEqual({ type: 'changes', cursor: 9 });
    client.close();
  });

  it('sends nothing for a push that rolled back', async () => {
    const client = await Listener.open(`${api.ws}/sync/ws`, station.token);
    await client.until((l) => l.lastOf('hello'));
    await commitHead(db.url, 50, false);
    await commitHead(db.url, 10);
    await client.until((l) => l.lastOf('changes'));
    expect(client.messages.filter((m) => m.type === 'changes').map((m) => m.cursor)).toEqual([10]);
    client.close();
  });

  it('accepts the token as ?token= too (browsers cannot set headers)', async () => {
    const client = await Listener.open(`${api.ws}/sync/ws?token=${station.token}`);
    expect((await client.until((l) => l.lastOf('hello'))).type).toBe('hello');
    client.close();
  });

  it('refuses the upgrade with 401 for a missing, unknown or revoked token', async () => {
    expect(await upgradeStatus(`${api.ws}/sync/ws`)).toBe(401);
    expect(await upgradeStatus(`${api.ws}/sync/ws`, 'not-a-token')).toBe(401);
    const revoked = await addStation(db.url, 'Caja vieja');
    await query(db.url, 'UPDATE stations SET "revokedAt" = now() WHERE id = $1', [revoked.id]);
    expect(await upgradeStatus(`${api.ws}/sync/ws`, revoked.token)).toBe(401);
  });

  it('records status reports on the station row', async () => {
    const client = await Listener.open(`${api.ws}/sync/ws`, station.token);
    await client.until((l) => l.lastOf('hello'));
    client.socket.send(
      JSON.stringify({ type: 'status', cursor: 9, pending: 3, appVersion: '1.2.3', lastError: 'disk full' }),
    );
    const deadline = Date.now() + 5_000;
    let row: Record<string, unknown> | undefined;
    while (Date.now() < deadline) {
      [row] = await query(db.url, 'SELECT cursor, pending, "appVersion", "lastError" FROM stations WHERE id = $1', [
        station.id,
      ]);
      if (row?.appVersion === '1.2.3') break;
      await new Promise((r) => setTimeout(r, 50));
    }
    expect(row).toEqual({ cursor: '9', pending: 3, appVersion: '1.2.3', lastError: 'disk full' });
    client.close();
  });

  it('answers a malformed frame with an error message, keeps the socket, and changes nothing', async () => {
    const client = await Listener.open(`${api.ws}/sync/ws`, station.token);
    await client.until((l) => l.lastOf('hello'));
    const [before] = await query(db.url, 'SELECT cursor, pending, "appVersion" FROM stations WHERE id = $1', [
      station.id,
    ]);
    client.socket.send('{not json');
    client.socket.send(JSON.stringify({ type: 'status', cursor: -1, pending: 0, appVersion: 'x' }));
    const errors = await client.until((l) => {
      const found = l.messages.filter((m) => m.type === 'error');
      return found.length === 2 ? found : undefined;
    });
    expect(errors.map((e) => (e.error as { code: string }).code)).toEqual(['VALIDATION', 'VALIDATION']);
    await new Promise((r) => setTimeout(r, 300));
    const [after] = await query(db.url, 'SELECT cursor, pending, "appVersion" FROM stations WHERE id = $1', [
      station.id,
    ]);
    expect(after).toEqual(before);
    await commitHead(db.url, 11);
    expect((await client.until((l) => l.lastOf('changes'))).cursor).toBe(11);
    client.close();
  });
});
