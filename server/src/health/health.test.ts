import pg from 'pg';
import { afterEach, describe, expect, it } from 'vitest';
import { adminDatabaseUrl } from '../../../test/support/pg.js';
import { enrollStation, startTestServer, type TestServer } from '../../../test/support/server.js';

describe('/health', () => {
  let server: TestServer | undefined;
  afterEach(async () => {
    await server?.close();
    server = undefined;
  });

  it('answers 200 when the database answers', async () => {
    server = await startTestServer();
    const response = await fetch(`${server.url}/health`);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ status: 'ok', db: 'ok', listen: 'ok' });
  });

  it('answers 503 while a registered part is not ready', async () => {
    server = await startTestServer();
    let listening = false;
    server.app.readiness.set('listen', () => listening);
    const starting = await fetch(`${server.url}/health`);
    expect(starting.status).toBe(503);
    expect(await starting.json()).toEqual({ status: 'unavailable', db: 'ok', listen: 'unavailable' });
    listening = true;
    expect((await fetch(`${server.url}/health`)).status).toBe(200);
  });

  it('answers 503 DB_UNAVAILABLE when the database is gone, and so do the sync routes', async () => {
    server = await startTestServer();
    const { stationToken } = await enrollStation(server.url, 'Caja 1');
    const admin = new pg.Client({ connectionString: adminDatabaseUrl() });
    await admin.connect();
    await admin.query(`DROP DATABASE ${new URL(server.databaseUrl).pathname.slice(1)} WITH (FORCE)`);
    await admin.end();

    const health = await fetch(`${server.url}/health`);
    expect(health.status).toBe(503);
    expect(await health.json()).toMatchObject({
      status: 'unavailable',
      db: 'unavailable',
      error: { code: 'DB_UNAVAILABLE' },
    });
    const pull = await fetch(`${server.url}/sync/pull?cursor=0`, {
      headers: { authorization: `Bearer ${stationToken}` },
    });
    expect(pull.status).toBe(503);
    expect((await pull.json()).error.code).toBe('DB_UNAVAILABLE');
  });
});
