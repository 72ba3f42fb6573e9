import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addStation, commitHead, Listener, type LiveApp, query, startLiveApp } from '../../../test/support/live.js';
import { adminDatabaseUrl, createTestDatabase, type TestDatabase } from '../../../test/support/pg.js';

/** The LISTEN session's backend, told apart from the pool's by what it listens to. */
async function listenerPids(client: pg.Client, name: string): Promise<number[]> {
  const { rows } = await client.query<{ pid: number }>(
    // The notifier's session is the one whose last statement was a LISTEN.
    `SELECT pid FROM pg_stat_activity WHERE datname = $1 AND application_name = 'mostrador-listen'`,
    [name],
  );
  return rows.map((r) => r.pid);
}

async function health(api: LiveApp): Promise<number> {
  return (await fetch(`${api.base}/health`)).status;
}

describe('notifier', () => {
  let db: TestDatabase;
  let api: LiveApp;

  beforeAll(async () => {
    db = await createTestDatabase();
    api = await startLiveApp(db.url);
  });
  afterAll(async () => {
    await api?.close();
    await db?.drop();
  });

  it('reports ready to /health once it listens', async () => {
    expect(api.app.live.notifier.ready).toBe(true);
    const response = await fetch(`${api.base}/health`);
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ status: 'ok', db: 'ok', listen: 'ok' });
  });

  it('comes back after its connection is killed, and announces what was committed meanwhile', async () => {
    const station = await addStation(db.url, 'Caja 1');
    const client = await Listener.open(`${api.ws}/sync/ws`, station.token);
    await client.until((l) => l.lastOf('hello'));
    await commitHead(db.url, 3);
    await client.until((l) => l.lastOf('changes'));

    // Keep the listener from reconnecting until a change has been committed unheard.
    const writer = new pg.Client({ connectionString: db.url });
    writer.on('error', () => {});
    await writer.connect();
    await query(adminDatabaseUrl(), `ALTER DATABASE ${db.name} ALLOW_CONNECTIONS false`);
    const lost = new Promise<void>((resolve) => api.app.live.notifier.once('lost', () => resolve()));
    const pids = await listenerPids(writer, db.name);
    expect(pids).toHaveLength(1);
    await writer.query('SELECT pg_terminate_backend($1)', [pids[0]]);
    await lost;
    expect(api.app.live.notifier.ready).toBe(false);
    expect(await health(api)).toBe(503);
    // Committed while nobody listens: its NOTIFY is lost; the reconnect must make up for it.
    await writer.query('UPDATE sync_state SET head = 5 WHERE id = 1');
    await writer.end();
    await query(adminDatabaseUrl(), `ALTER DATABASE ${db.name} ALLOW_CONNECTIONS true`);
    expect(
      await client.until((l) => l.messages.find((m) => m.type === 'changes' && m.cursor === 5), 10_000),
    ).toBeTruthy();
    expect(await health(api)).toBe(200);
    const [newPid] = (
      await query<{ pid: number }>(
        db.url,
        `SELECT pid FROM pg_stat_activity WHERE datname = $1 AND application_name = 'mostrador-listen'`,
        [db.name],
      )
    ).map((r) => r.pid);
    expect(newPid).not.toBe(pids[0]);

    await commitHead(db.url, 6);
    expect(await client.until((l) => l.messages.find((m) => m.type === 'changes' && m.cursor === 6))).toBeTruthy();
    client.close();
  });
});
