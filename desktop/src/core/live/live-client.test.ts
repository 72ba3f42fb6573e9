import { randomBytes } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../../../server/src/app.js';
import { createTestDatabase, type TestDatabase } from '../../../../test/support/pg.js';
import type { TestServer } from '../../../../test/support/server.js';
import { loginAdmin } from '../../../../test/support/server.js';
import { openTestStation } from '../../../../test/support/station.js';
import type { PulledEvent, PushedEvent, Station } from '../index.js';
import { reconnectDelay } from './backoff.js';
import { LiveClient } from './live-client.js';

const FAST_BACKOFF = { initialMs: 20, maxMs: 200 };

/** An API that can be stopped and started again on the same port and database. */
class RestartableServer {
  app: FastifyInstance | null = null;
  port = 0;
  readonly adminPassword = `admin-${randomBytes(4).toString('hex')}`;
  private readonly jwtSecret = randomBytes(16).toString('hex');

  constructor(readonly db: TestDatabase) {}

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  async start(): Promise<void> {
    const app = await buildApp({
      databaseUrl: this.db.url,
      jwtSecret: this.jwtSecret,
      adminPassword: this.adminPassword,
      loginRateLimit: { max: 1000, timeWindowMs: 60_000 },
    });
    await app.listen({ host: '127.0.0.1', port: this.port });
    const address = app.server.address();
    this.port = typeof address === 'object' && address ? address.port : 0;
    this.app = app;
  }

  async stop(): Promise<void> {
    await this.app?.close();
    this.app = null;
  }

  asTestServer(): TestServer {
    return { url: this.url, databaseUrl: this.db.url, adminPassword: this.adminPassword } as TestServer;
  }
}

function nextEvent<T>(
  emitter: { once(event: string, listener: (value: T) => void): unknown },
  event: string,
): Promise<T> {
  return new Promise((resolve) => emitter.once(event, resolve));
}

function pulledId(station: Station, id: string, ms = 5_000): Promise<PulledEvent> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`row ${id} never pulled`)), ms);
    const listener = (event: PulledEvent) => {
      if (!event.ids.includes(id)) return;
      clearTimeout(timer);
      station.sync.off('pulled', listener);
      resolve(event);
    };
    station.sync.on('pulled', listener);
  });
}

describe('station live client', () => {
  let db: TestDatabase;
  let server: RestartableServer;
  const open: Array<{ station: Station; live: LiveClient }> = [];

  async function onlineStation(name: string, wallClock?: () => number) {
    const station = await openTestStation(server.asTestServer(), name, wallClock ? { wallClock } : {});
    const live = new LiveClient(station, { appVersion: '9.9.9', backoff: FAST_BACKOFF, wallClock });
    open.push({ station, live });
    const online = nextEvent(live, 'online');
    live.start();
    await online;
    return { station, live };
  }

  beforeAll(async () => {
    db = await createTestDatabase();
    server = new RestartableServer(db);
    await server.start();
  });
  afterEach(() => {
    for (const { station, live } of open.splice(0)) {
      live.stop();
      station.close();
    }
  });
  afterAll(async () => {
    await server?.stop();
    await db?.drop();
  });

  it('shows a put at station A at station B without any sync call from B', async () => {
    const a = await onlineStation('A');
    const b = await onlineStation('B');
    const row = a.station.put('customers', { name: 'Ana' });
    const pulled = await pulledId(b.station, row.id);
    expect(pulled.count).toBeGreaterThanOrEqual(1);
    expect(b.station.get('customers', row.id)).toMatchObject({ name: 'Ana', version: row.version });
  });

  it('pushes a burst of writes in few requests, gathering writes made during a push', async () => {
    const a = await onlineStation('A');
    const pushes: PushedEvent[] = [];
    a.station.sync.on('pushed', (event) => pushes.push(event));
    const ids: string[] = [];
    for (let i = 0; i < 40; i++) ids.push(a.station.put('customers', { name: `C${i}` }).id);
    await new Promise((r) => setTimeout(r, 20));
    for (let i = 0; i < 40; i++) ids.push(a.station.put('customers', { name: `D${i}` }).id);
    while (a.station.sync.pending > 0) await new Promise((r) => setTimeout(r, 10));
    expect(pushes.reduce((sum, p) => sum + p.count, 0)).toBe(80);
    expect(pushes.length).toBeLessThanOrEqual(4);
  });

  it('reconnects after the API restarts and catches up on what changed meanwhile', async () => {
    const a = await onlineStation('A');
    const b = await onlineStation('B');
    const offline = Promise.all([nextEvent(a.live, 'offline'), nextEvent(b.live, 'offline')]);
    await server.stop();
    await offline;
    expect(a.live.connected).toBe(false);
    // Its last request may have been answered by the server shutting down: it finds out by itself.
    for (let i = 0; i < 200 && a.station.sync.status().reachable !== false; i++)
      await new Promise((r) => setTimeout(r, 25));
    expect(a.station.sync.status().reachable).toBe(false);
    const row = a.station.put('customers', { name: 'Escrita sin servidor' });
    expect(a.station.sync.pending).toBe(1);

    const online = Promise.all([nextEvent(a.live, 'online'), nextEvent(b.live, 'online')]);
    const arrived = pulledId(b.station, row.id, 10_000);
    await server.start();
    await online;
    await arrived;
    expect(b.station.get('customers', row.id)).toMatchObject({ name: 'Escrita sin servidor' });
    expect(a.station.sync.pending).toBe(0);
  });

  it('reports its status to the server and corrects its clock by the hello', async () => {
    const hourBehind = () => Date.now() - 3_600_000;
    const a = await onlineStation('Reloj atrasado', hourBehind);
    expect(Math.abs(a.station.store.clock.offset - 3_600_000)).toBeLessThan(5_000);
    a.station.put('customers', { name: 'Con hora corregida' });
    const token = await loginAdmin(server.url, server.adminPassword);
    let view: Record<string, unknown> | undefined;
    for (let i = 0; i < 100; i++) {
      const response = await fetch(`${server.url}/admin/stations`, { headers: { authorization: `Bearer ${token}` } });
      const { stations } = (await response.json()) as { stations: Array<Record<string, unknown>> };
      view = stations.find((s) => s.id === a.station.id);
      if (view?.appVersion === '9.9.9' && view.cursor === a.station.sync.cursor && view.pending === 0) break;
      await new Promise((r) => setTimeout(r, 25));
    }
    expect(view).toMatchObject({ online: true, appVersion: '9.9.9', pending: 0, cursor: a.station.sync.cursor });
  });

  it('stops for good when its station is revoked, and says so', async () => {
    const a = await onlineStation('Revocada');
    const token = await loginAdmin(server.url, server.adminPassword);
    const failed = nextEvent<{ code: string }>(a.live, 'error');
    const offline = nextEvent(a.live, 'offline');
    await fetch(`${server.url}/admin/stations/${a.station.id}/revoke`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}` },
    });
    expect((await failed).code).toBe('STATION_REVOKED');
    await offline;
    await new Promise((r) => setTimeout(r, 300));
    expect(a.live.connected).toBe(false);
  });
});

describe('reconnect delay', () => {
  it('grows exponentially with jitter and stays under the cap', () => {
    const options = { initialMs: 250, maxMs: 10_000 };
    expect(reconnectDelay(0, options, () => 0)).toBe(125);
    expect(reconnectDelay(0, options, () => 1)).toBe(250);
    expect(reconnectDelay(3, options, () => 0.5)).toBe(1500);
    for (let attempt = 0; attempt < 50; attempt++) {
      const delay = reconnectDelay(attempt, options);
      expect(delay).toBeGreaterThanOrEqual(Math.min(10_000, 250 * 2 ** attempt) / 2);
      expect(delay).toBeLessThanOrEqual(10_000);
    }
  });
});
