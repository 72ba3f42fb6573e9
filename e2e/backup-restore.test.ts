/**
 * `npm run backup` / `npm run restore` with the real pg_dump and pg_restore: a shop's
 * central database is archived, restored into a fresh database, and an API started on the
 * restored copy still knows the admin's password and the enrolled station. Restoring over a
 * database that holds data is refused and changes nothing.
 */
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../server/src/app.js';
import { adminDatabaseUrl } from '../test/support/pg.js';
import { enrollStation, login, startTestServer, type TestServer } from '../test/support/server.js';

const REPO = fileURLToPath(new URL('..', import.meta.url));

function runScript(script: string, args: string[], databaseUrl: string) {
  const result = spawnSync('node', [`scripts/${script}.js`, ...args], {
    cwd: REPO,
    env: { ...process.env, DATABASE_URL: databaseUrl },
    encoding: 'utf8',
  });
  return {
    status: result.status,
    stderr: result.stderr,
    report: result.status === 0 ? JSON.parse(result.stdout) : null,
  };
}

async function query<T extends pg.QueryResultRow>(url: string, sql: string): Promise<T[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<T>(sql)).rows;
  } finally {
    await client.end();
  }
}

function databaseUrl(name: string): string {
  const url = new URL(adminDatabaseUrl());
  url.pathname = `/${name}`;
  return url.toString();
}

describe('server backup and restore', () => {
  let server: TestServer;
  let folder: string;
  const restored = `mostrador_restored_${randomBytes(5).toString('hex')}`;
  let station: { stationId: string; stationToken: string };

  beforeAll(async () => {
    server = await startTestServer();
    station = await enrollStation(server.url, 'Caja 1');
    folder = mkdtempSync(join(tmpdir(), 'mostrador-backup-'));
  });

  afterAll(async () => {
    await query(adminDatabaseUrl(), `DROP DATABASE IF EXISTS ${restored} WITH (FORCE)`);
    await server.close();
    rmSync(folder, { recursive: true, force: true });
  });

  it('archives the database and restores it into a fresh one that an API can serve', async () => {
    const file = join(folder, 'shop.dump');
    const backup = runScript('backup', [file], server.databaseUrl);
    expect(backup.stderr).toBe('');
    expect(backup.report.file).toBe(file);
    expect(statSync(file).size).toBe(backup.report.bytes);
    expect(backup.report.tables.users).toBe(1);
    expect(backup.report.tables.stations).toBe(1);

    const restore = runScript('restore', [file], databaseUrl(restored));
    expect(restore.stderr).toBe('');
    expect(restore.report.tables).toEqual(backup.report.tables);
    const [original] = await query(server.databaseUrl, 'SELECT head FROM sync_state');
    const [copy] = await query(databaseUrl(restored), 'SELECT head FROM sync_state');
    expect(copy).toEqual(original);

    // The restored copy is a working shop: the admin logs in, the station still pulls with its token.
    const app = await buildApp({
      databaseUrl: databaseUrl(restored),
      jwtSecret: randomBytes(32).toString('hex'),
      logger: false,
    });
    try {
      await app.listen({ host: '127.0.0.1', port: 0 });
      const address = app.server.address();
      const url = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
      const { user } = await login(url, 'admin', server.adminPassword);
      expect(user.username).toBe('admin');
      const pulled = await fetch(`${url}/sync/pull?cursor=0&limit=100`, {
        headers: { authorization: `Bearer ${station.stationToken}` },
      });
      expect(pulled.status).toBe(200);
      const page = (await pulled.json()) as { changes: { table: string }[] };
      expect(page.changes.some((change) => change.table === 'users')).toBe(true);
    } finally {
      await app.close();
    }
  });

  it('refuses to restore over a database that holds data, and leaves it as it was', () => {
    const file = join(folder, 'again.dump');
    expect(runScript('backup', [file], server.databaseUrl).status).toBe(0);
    const before = runScript('backup', [join(folder, 'before.dump')], server.databaseUrl).report.tables;
    const refused = runScript('restore', [file], server.databaseUrl);
    expect(refused.status).toBe(1);
    expect(refused.stderr).toMatch(/already holds \d+ tables; restore only into a fresh, empty database/);
    const after = runScript('backup', [join(folder, 'after.dump')], server.databaseUrl).report.tables;
    expect(after).toEqual(before);
  });

  it('says what is missing when the archive does not exist', () => {
    const result = runScript('restore', [join(folder, 'missing.dump')], databaseUrl(`${restored}_x`));
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(/missing\.dump does not exist/);
  });
});
