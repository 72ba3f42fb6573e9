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

type Json = Record<string, unknown>;

describe('admin routes', () => {
  let db: TestDatabase;
  let api: LiveApp;
  let admin: { token: string };
  let cashier: { token: string };

  const get = async (path: string, token?: string) => {
    const response = await fetch(`${api.base}${path}`, { headers: token ? { authorization: `Bearer ${token}` } : {} });
    return { status: response.status, body: (await response.json()) as Json };
  };
  const post = async (path: string, token?: string) => {
    const response = await fetch(`${api.base}${path}`, {
      method: 'POST',
      headers: token ? { authorization: `Bearer ${token}` } : {},
    });
    return { status: response.status, body: (await response.json()) as Json };
  };
  const stationView = async (id: string) => {
    const { body } = await get('/admin/stations', admin.token);
    return (body.stations as Json[]).find((s) => s.id === id);
  };

  beforeAll(async () => {
    db = await createTestDatabase();
    api = await startLiveApp(db.url, { presence: { statusFlushMs: 10 } });
    admin = await addUser(db.url, 'admin');
    cashier = await addUser(db.url, 'cashier');
  });
  afterAll(async () => {
    await api?.close();
    await db?.drop();
  });

  it('lists stations with presence, status and lag behind the head', async () => {
    const station = await addStation(db.url, 'Caja 1');
    const [state] = await query<{ head: string }>(db.url, 'SELECT head FROM sync_state');
    expect(Number(state?.head)).toBeGreaterThan(0); // the first admin's row
    expect(await stationView(station.id)).toMatchObject({
      name: 'Caja 1',
      online: false,
      cursor: 0,
      lag: Number(state?.head),
      pending: 0,
    });

    const client = await Listener.open(`${api.ws}/sync/ws`, station.token);
    await client.until((l) => l.lastOf('hello'));
    await commitHead(db.url, 12);
    client.socket.send(JSON.stringify({ type: 'status', cursor: 4, pending: 2, appVersion: '0.3.0', lastError: null }));
    await client.until((l) => l.lastOf('changes'));
    let view: Json | undefined;
    for (let i = 0; i < 100 && view?.appVersion !== '0.3.0'; i++) {
      await new Promise((r) => setTimeout(r, 20));
      view = await stationView(station.id);
    }
    expect(view).toMatchObject({
      online: true,
      cursor: 4,
      lag: 8,
      pending: 2,
      appVersion: '0.3.0',
      lastError: null,
      revokedAt: null,
    });
    expect(Date.parse(String(view?.lastSeenAt))).toBeGreaterThan(Date.now() - 60_000);

    client.close();
    for (let i = 0; i < 100 && view?.online; i++) {
      await new Promise((r) => setTimeout(r, 20));
      view = await stationView(station.id);
    }
    expect(view?.online).toBe(false);
  });

  it('refuses the station list without an admin token', async () => {
    expect((await get('/admin/stations')).status).toBe(401);
    expect((await get('/admin/stations', 'garbage')).body).toMatchObject({ error: { code: 'UNAUTHORIZED' } });
    expect((await get('/admin/stations', cashier.token)).body).toMatchObject({ error: { code: 'FORBIDDEN' } });
  });

  it('revokes a station: its socket closes with 4401 within a second and it cannot come back', async () => {
    const station = await addStation(db.url, 'Caja robada');
    const client = await Listener.open(`${api.ws}/sync/ws`, station.token);
    await client.until((l) => l.lastOf('hello'));
    const started = Date.now();
    const response = await post(`/admin/stations/${station.id}/revoke`, admin.token);
    expect(response.status).toBe(200);
    await client.until((l) => l.closeCode !== null, 1_000);
    expect(client.closeCode).toBe(4401);
    expect(Date.now() - started).toBeLessThan(1_000);
    expect(await upgradeStatus(`${api.ws}/sync/ws`, station.token)).toBe(401);
    expect((await stationView(station.id))?.revokedAt).toEqual(expect.any(String));
  });

  it('refuses bad revocations and changes nothing', async () => {
    const station = await addStation(db.url, 'Caja 2');
    expect((await post(`/admin/stations/${station.id}/revoke`)).status).toBe(401);
    expect((await post(`/admin/stations/${station.id}/revoke`, cashier.token)).status).toBe(403);
    expect((await post('/admin/stations/not-a-uuid/revoke', admin.token)).body).toMatchObject({
      error: { code: 'VALIDATION' },
    });
    const unknown = await post('/admin/stations/01900000-0000-7000-8000-000000000000/revoke', admin.token);
    expect(unknown).toMatchObject({ status: 404, body: { error: { code: 'NOT_FOUND' } } });
    expect((await stationView(station.id))?.revokedAt).toBeNull();
    expect(await upgradeStatus(`${api.ws}/sync/ws`, station.token)).toBe(101);
  });

  it('lists conflicts newest first, limited', async () => {
    const row = (version: string) => ({ id: '01900000-0000-7000-8000-0000000000aa', version, name: 'x' });
    for (const [i, at] of ['2026-11-01T00:00:00Z', '2026-11-02T00:00:00Z', '2026-11-03T00:00:00Z'].entries()) {
      await query(
        db.url,
        `INSERT INTO conflicts ("tableName", "rowId", lost, won, at) VALUES ('customers', $1, $2, $3, $4)`,
        ['01900000-0000-7000-8000-0000000000aa', JSON.stringify(row(`v${i}a`)), JSON.stringify(row(`v${i}b`)), at],
      );
    }
    const { status, body } = await get('/admin/conflicts?limit=2', admin.token);
    expect(status).toBe(200);
    expect(body.conflicts).toEqual([
      {
        table: 'customers',
        id: '01900000-0000-7000-8000-0000000000aa',
        lost: row('v2a'),
        won: row('v2b'),
        at: '2026-11-03T00:00:00.000Z',
      },
      {
        table: 'customers',
        id: '01900000-0000-7000-8000-0000000000aa',
        lost: row('v1a'),
        won: row('v1b'),
        at: '2026-11-02T00:00:00.000Z',
      },
    ]);
    expect((await get('/admin/conflicts?limit=0', admin.token)).status).toBe(400);
    expect((await get('/admin/conflicts?limit=abc', admin.token)).status).toBe(400);
    expect((await get('/admin/conflicts', cashier.token)).status).toBe(403);
  });
});
