/**
 * Live sync with real processes: stations are `station serve` child processes, the API runs
 * in-process (startTestServer / buildApp) or as `node server/dist/main.js` where a restart
 * matters, all on a real PostgreSQL.
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance } from 'fastify';
import pg from 'pg';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { buildApp } from '../server/src/app.js';
import { createTestDatabase } from '../test/support/pg.js';
import { ServeStation } from '../test/support/serve.js';
import { loginAdmin, startTestServer, type TestServer } from '../test/support/server.js';
import { freePort, ServerProcess } from './support/ui-stations.js';

const SERVER_MAIN = fileURLToPath(new URL('../server/dist/main.js', import.meta.url));
const running: ServeStation[] = [];

async function queryRows(url: string, sql: string): Promise<Array<Record<string, number>>> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query(sql)).rows;
  } finally {
    await client.end();
  }
}
const cleanups: Array<() => Promise<unknown>> = [];

async function serve(server: { url: string; adminPassword: string }, name: string): Promise<ServeStation> {
  const station = await ServeStation.enrolled(server, name);
  running.push(station);
  await station.start();
  await station.waitFor((line) => line.event === 'online');
  return station;
}

afterEach(async () => {
  await Promise.all(running.splice(0).map((s) => s.stop('SIGKILL')));
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

describe('live sync between station processes', () => {
  let server: TestServer;
  afterAll(async () => server?.close());

  it('shows a put at A at B without any sync call from B', async () => {
    server = await startTestServer();
    const [a, b] = await Promise.all([serve(server, 'A'), serve(server, 'B')]);
    const put = await a.command({ cmd: 'put', table: 'customers', row: { name: 'Ana' } });
    expect(put).toMatchObject({ ok: true, row: { name: 'Ana' } });
    const id = (put.row as { id: string }).id;
    await a.waitFor((line) => line.event === 'pushed');
    await b.pulledId(id);
    expect(await b.command({ cmd: 'get', table: 'customers', id })).toMatchObject({
      ok: true,
      row: { id, name: 'Ana' },
    });
    expect(b.lines.filter((line) => line.tag !== undefined)).toHaveLength(1); // B was only asked `get`
  });
});

describe('two API instances on one PostgreSQL', () => {
  it('carries a put at A (on one instance) to B (on the other)', async () => {
    const db = await createTestDatabase();
    cleanups.push(() => db.drop());
    const adminPassword = `admin-${randomBytes(4).toString('hex')}`;
    const instances: FastifyInstance[] = [];
    for (let i = 0; i < 2; i++) {
      const app = await buildApp({ databaseUrl: db.url, jwtSecret: 'two-instances', adminPassword });
      await app.listen({ host: '127.0.0.1', port: 0 });
      cleanups.push(() => app.close());
      instances.push(app);
    }
    const urls = instances.map((app) => {
      const address = app.server.address();
      return `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
    });
    const a = await serve({ url: urls[0] as string, adminPassword }, 'A');
    const b = await serve({ url: urls[1] as string, adminPassword }, 'B');
    expect(instances[0]?.live.hub.size).toBe(1);
    expect(instances[1]?.live.hub.size).toBe(1);
    const put = await a.command({
      cmd: 'put',
      table: 'products',
      row: { sku: 'X-1', name: 'Yerba', price: 350, active: true },
    });
    await b.pulledId((put.row as { id: string }).id);
    const back = await b.command({ cmd: 'put', table: 'customers', row: { name: 'Desde B' } });
    await a.pulledId((back.row as { id: string }).id);
  });
});

describe('outages', () => {
  it('survives an API restart: stations reconnect and catch up on what was written meanwhile', async () => {
    const db = await createTestDatabase();
    cleanups.push(() => db.drop());
    const api = new ServerProcess(
      db.url,
      await freePort(),
      `admin-${randomBytes(4).toString('hex')}`,
      'restart-secret',
    );
    cleanups.push(() => api.stop());
    await api.start();
    const [a, b] = await Promise.all([serve(api, 'A'), serve(api, 'B')]);

    const aOffline = a.nextEvent('offline');
    const bOffline = b.nextEvent('offline');
    await api.stop();
    await Promise.all([aOffline, bOffline]);
    const whileDown = await a.command({ cmd: 'put', table: 'customers', row: { name: 'Durante el corte' } });
    expect(await a.command({ cmd: 'status' })).toMatchObject({ ok: true, online: false, pending: 1 });

    const aOnline = a.nextEvent('online', 30_000);
    const bOnline = b.nextEvent('online', 30_000);
    await api.start();
    await Promise.all([aOnline, bOnline]);
    await b.pulledId((whileDown.row as { id: string }).id);
    expect(await a.command({ cmd: 'status' })).toMatchObject({ ok: true, online: true, pending: 0 });
  });

  it("recovers when the notifier's PostgreSQL session is killed, and changes still reach everyone", async () => {
    const server = await startTestServer();
    cleanups.push(() => server.close());
    const [a, b] = await Promise.all([serve(server, 'A'), serve(server, 'B')]);
    const client = new pg.Client({ connectionString: server.databaseUrl });
    client.on('error', () => {});
    await client.connect();
    cleanups.push(() => client.end());
    const listenPid = async () =>
      (
        await client.query<{ pid: number }>(
          `SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND application_name = 'mostrador-listen'`,
        )
      ).rows.map((r) => r.pid);
    const [before] = await listenPid();
    expect(before).toBeDefined();
    await client.query('SELECT pg_terminate_backend($1)', [before]);
    // Written right as the LISTEN session is gone: its NOTIFY may be lost; the catch-up is not.
    const put = await a.command({ cmd: 'put', table: 'customers', row: { name: 'Sin oyente' } });
    await b.pulledId((put.row as { id: string }).id);
    let after: number[] = [];
    for (let i = 0; i < 100 && (after.length === 0 || after[0] === before); i++) {
      await new Promise((r) => setTimeout(r, 50));
      after = await listenPid();
    }
    expect(after).toHaveLength(1);
    expect(after[0]).not.toBe(before);
    const later = await b.command({ cmd: 'put', table: 'customers', row: { name: 'Después' } });
    await a.pulledId((later.row as { id: string }).id);
  });

  it("stops counting a crashed instance's stations as online, as seen from another instance", async () => {
    const db = await createTestDatabase();
    cleanups.push(() => db.drop());
    const adminPassword = `admin-${randomBytes(4).toString('hex')}`;
    const timing = { heartbeatMs: 200, freshMs: 1_000 };
    const survivor = await buildApp({
      databaseUrl: db.url,
      jwtSecret: 'crash-secret',
      adminPassword,
      live: { presence: timing },
    });
    await survivor.listen({ host: '127.0.0.1', port: 0 });
    cleanups.push(() => survivor.close());
    const port = await freePort();
    const doomed = spawn(process.execPath, [SERVER_MAIN], {
      env: {
        ...process.env,
        DATABASE_URL: db.url,
        PORT: String(port),
        HOST: '127.0.0.1',
        JWT_SECRET: 'crash-secret',
        ADMIN_PASSWORD: adminPassword,
        LOG_LEVEL: 'warn',
        LIVE_HEARTBEAT_MS: '200',
        LIVE_FRESH_MS: '1000',
      },
      stdio: 'ignore',
    });
    cleanups.push(async () => doomed.kill('SIGKILL'));
    const doomedUrl = `http://127.0.0.1:${port}`;
    for (
      let i = 0;
      i < 300 &&
      (await fetch(`${doomedUrl}/health`).then(
        (r) => r.status,
        () => 0,
      )) !== 200;
      i++
    ) {
      await new Promise((r) => setTimeout(r, 100));
    }
    const station = await serve({ url: doomedUrl, adminPassword }, 'Caja del caído');
    const address = survivor.server.address();
    const survivorUrl = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
    const token = await loginAdmin(survivorUrl, adminPassword);
    const online = async () => {
      const response = await fetch(`${survivorUrl}/admin/stations`, { headers: { authorization: `Bearer ${token}` } });
      const { stations } = (await response.json()) as { stations: Array<{ id: string; online: boolean }> };
      return stations.find((s) => s.id === station.stationId)?.online;
    };
    let seen = await online();
    for (let i = 0; i < 100 && !seen; i++) seen = await online();
    expect(seen).toBe(true);

    doomed.kill('SIGKILL'); // no clean shutdown: its presence rows stay behind
    await new Promise((resolve) => doomed.once('exit', resolve));
    const [left] = await queryRows(db.url, 'SELECT count(*)::int AS n FROM station_connections');
    expect(left?.n).toBe(1);
    for (let i = 0; i < 200 && seen; i++) {
      await new Promise((r) => setTimeout(r, 50));
      seen = await online();
    }
    expect(seen).toBe(false);
  });

  it('cuts a revoked station off within a second, for good', async () => {
    const server = await startTestServer();
    cleanups.push(() => server.close());
    const a = await serve(server, 'Revocada');
    const token = await loginAdmin(server.url);
    const offline = a.nextEvent('offline', 1_000);
    const started = Date.now();
    const response = await fetch(`${server.url}/admin/stations/${a.stationId}/revoke`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}` },
    });
    expect(response.status).toBe(200);
    await offline;
    expect(Date.now() - started).toBeLessThan(1_000);
    await a.waitFor((line) => line.event === 'error' && (line.error as { code: string }).code === 'STATION_REVOKED');
    await new Promise((r) => setTimeout(r, 500));
    expect(await a.command({ cmd: 'status' })).toMatchObject({ online: false });
    expect(a.lines.filter((line) => line.event === 'online')).toHaveLength(1);
    expect(await a.command({ cmd: 'sync' })).toMatchObject({ ok: false, error: { code: 'STATION_REVOKED' } });
  });
});
