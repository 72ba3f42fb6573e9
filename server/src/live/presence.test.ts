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

async function stationView(api: LiveApp, token: string, id: string): Promise<Json | undefined> {
  const response = await fetch(`${api.base}/admin/stations`, { headers: { authorization: `Bearer ${token}` } });
  const body = (await response.json()) as { stations: Json[] };
  return body.stations.find((s) => s.id === id);
}

async function eventually<T>(read: () => Promise<T>, ok: (value: T) => boolean, ms = 5_000): Promise<T> {
  const deadline = Date.now() + ms;
  let value = await read();
  while (!ok(value) && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 25));
    value = await read();
  }
  return value;
}

describe('presence across API instances', () => {
  let db: TestDatabase;
  let one: LiveApp;
  let two: LiveApp;
  let admin: { token: string };

  beforeAll(async () => {
    db = await createTestDatabase();
    one = await startLiveApp(db.url);
    two = await startLiveApp(db.url);
    admin = await addUser(db.url, 'admin');
  });
  afterAll(async () => {
    await one?.close();
    await two?.close();
    await db?.drop();
  });

  it('sends a change committed through one instance to stations on both', async () => {
    const [a, b] = [await addStation(db.url, 'A'), await addStation(db.url, 'B')];
    const onOne = await Listener.open(`${one.ws}/sync/ws`, a.token);
    const onTwo = await Listener.open(`${two.ws}/sync/ws`, b.token);
    await Promise.all([onOne.until((l) => l.lastOf('hello')), onTwo.until((l) => l.lastOf('hello'))]);
    await commitHead(db.url, 21);
    expect((await onOne.until((l) => l.lastOf('changes'))).cursor).toBe(21);
    expect((await onTwo.until((l) => l.lastOf('changes'))).cursor).toBe(21);
    onOne.close();
    onTwo.close();
  });

  it('shows a station connected to one instance as online when asked through the other', async () => {
    const station = await addStation(db.url, 'Caja en dos');
    const client = await Listener.open(`${two.ws}/sync/ws`, station.token);
    await client.until((l) => l.lastOf('hello'));
    const view = await eventually(
      () => stationView(one, admin.token, station.id),
      (v) => v?.online === true,
    );
    expect(view?.online).toBe(true);
    client.close();
    const after = await eventually(
      () => stationView(one, admin.token, station.id),
      (v) => v?.online === false,
    );
    expect(after?.online).toBe(false);
  });

  it('closes a station revoked through one instance on the instance that holds its socket', async () => {
    const station = await addStation(db.url, 'Caja remota');
    const client = await Listener.open(`${two.ws}/sync/ws`, station.token);
    await client.until((l) => l.lastOf('hello'));
    const started = Date.now();
    const response = await fetch(`${one.base}/admin/stations/${station.id}/revoke`, {
      method: 'POST',
      headers: { authorization: `Bearer ${admin.token}` },
    });
    expect(response.status).toBe(200);
    await client.until((l) => l.closeCode !== null, 1_000);
    expect(client.closeCode).toBe(4401);
    expect(Date.now() - started).toBeLessThan(1_000);
    expect(await upgradeStatus(`${two.ws}/sync/ws`, station.token)).toBe(401);
    expect(await upgradeStatus(`${one.ws}/sync/ws`, station.token)).toBe(401);
  });

  it('refuses a revoked token at once on an instance that had it cached', async () => {
    const station = await addStation(db.url, 'Caja cacheada');
    const pull = (api: LiveApp) =>
      fetch(`${api.base}/sync/pull?cursor=0&limit=1`, { headers: { authorization: `Bearer ${station.token}` } });
    expect((await pull(two)).status).toBe(200);
    expect((await pull(two)).status).toBe(200);
    const revoked = await fetch(`${one.base}/admin/stations/${station.id}/revoke`, {
      method: 'POST',
      headers: { authorization: `Bearer ${admin.token}` },
    });
    expect(revoked.status).toBe(200);
    const refused = await pull(two);
    expect(refused.status).toBe(401);
    expect(await refused.json()).toMatchObject({ error: { code: 'STATION_REVOKED' } });
  });

  it("stops counting a dead instance's stations as online once its heartbeat is stale", async () => {
    const station = await addStation(db.url, 'Caja huérfana');
    const client = await Listener.open(`${two.ws}/sync/ws`, station.token);
    await client.until((l) => l.lastOf('hello'));
    expect(
      (
        await eventually(
          () => stationView(one, admin.token, station.id),
          (v) => v?.online === true,
        )
      )?.online,
    ).toBe(true);
    // What a crashed instance looks like to the others: its rows remain, its heartbeat ages.
    await query(db.url, `UPDATE api_instances SET "heartbeatAt" = now() - interval '1 minute' WHERE id = $1`, [
      two.app.live.presence.instanceId,
    ]);
    expect((await stationView(one, admin.token, station.id))?.online).toBe(false);
    client.close();
  });

  it('takes its stations offline at once when an instance shuts down cleanly', async () => {
    const three = await startLiveApp(db.url);
    const station = await addStation(db.url, 'Caja tres');
    const client = await Listener.open(`${three.ws}/sync/ws`, station.token);
    await client.until((l) => l.lastOf('hello'));
    expect(
      (
        await eventually(
          () => stationView(one, admin.token, station.id),
          (v) => v?.online === true,
        )
      )?.online,
    ).toBe(true);
    await three.close();
    expect((await stationView(one, admin.token, station.id))?.online).toBe(false);
    const instances = await query(db.url, 'SELECT 1 FROM api_instances WHERE id = $1', [
      three.app.live.presence.instanceId,
    ]);
    expect(instances).toHaveLength(0);
  });
});
