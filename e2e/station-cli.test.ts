/**
 * The `station` command as a user runs it: a real child process of the built CLI against a
 * real server, its answers read from stdout/stderr and exit codes.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loginAdmin, startTestServer, type TestServer } from '../test/support/server.js';
import { runStation, serverState, tempDataDir } from '../test/support/station.js';

let server: TestServer;

beforeAll(async () => {
  server = await startTestServer();
});
afterAll(async () => {
  await server?.close();
});

function enrollArgs(dataDir: string, overrides: Record<string, string> = {}): string[] {
  const flags = {
    server: server.url,
    name: 'cli',
    user: 'admin',
    password: server.adminPassword,
    data: dataDir,
    ...overrides,
  };
  return ['enroll', ...Object.entries(flags).flatMap(([k, v]) => [`--${k}`, v])];
}

describe('station enroll, sync and dump', () => {
  it('enrolls and bootstraps, syncs, and dumps exactly the server state', async () => {
    const dataDir = tempDataDir('cli');
    const enrolled = await runStation(enrollArgs(dataDir));
    expect(enrolled.error).toBeNull();
    expect(enrolled.code).toBe(0);
    expect(enrolled.json).toEqual({ stationId: expect.any(String), rows: 1, cursor: expect.any(Number) });
    const synced = await runStation(['sync', '--data', dataDir]);
    expect(synced.json).toEqual({ pushed: 0, pulled: 0, cursor: enrolled.json.cursor });
    const dumped = await runStation(['dump', '--data', dataDir]);
    expect(dumped.code).toBe(0);
    const token = new Database(join(dataDir, 'station.db'), { readonly: true });
    const stationToken = (token.prepare("SELECT value FROM meta WHERE key = 'stationToken'").get() as { value: string })
      .value;
    token.close();
    expect(dumped.json).toEqual({
      tables: await serverState(server.url, stationToken),
      cursor: enrolled.json.cursor,
      pending: 0,
    });
    expect(dumped.json.tables.users[0]).toMatchObject({ username: 'admin', active: true });
  });

  it('enrolls with the password from MOSTRADOR_PASSWORD when --password is left out', async () => {
    const withoutPassword = (dataDir: string) => {
      const args = enrollArgs(dataDir);
      args.splice(args.indexOf('--password'), 2);
      return args;
    };
    const enrolled = await runStation(withoutPassword(tempDataDir('envpw')), {
      MOSTRADOR_PASSWORD: server.adminPassword,
    });
    expect(enrolled.error).toBeNull();
    expect(enrolled.json).toMatchObject({ stationId: expect.any(String) });
    const missing = await runStation(withoutPassword(tempDataDir('nopw')), { MOSTRADOR_PASSWORD: '' });
    expect(missing.code).toBe(2);
    expect(missing.error).toMatchObject({
      code: 'BAD_COMMAND',
      message: expect.stringContaining('MOSTRADOR_PASSWORD'),
    });
  });

  it('refuses to enroll a folder twice', async () => {
    const dataDir = tempDataDir('twice');
    expect((await runStation(enrollArgs(dataDir))).code).toBe(0);
    const again = await runStation(enrollArgs(dataDir));
    expect(again.code).toBe(1);
    expect(again.error?.code).toBe('CONFLICT');
  });
});

describe('station command failures', () => {
  it('reports an unreachable server', async () => {
    const run = await runStation(enrollArgs(tempDataDir('unreach'), { server: 'http://127.0.0.1:9' }));
    expect(run.code).toBe(1);
    expect(run.error).toEqual({ code: 'SERVER_UNREACHABLE', message: expect.stringContaining('127.0.0.1:9') });
    expect(run.stdout).toBe('');
  });

  it('reports bad credentials', async () => {
    const run = await runStation(enrollArgs(tempDataDir('badpw'), { password: 'not-the-password' }));
    expect(run.code).toBe(1);
    expect(run.error?.code).toBe('INVALID_CREDENTIALS');
  });

  it('reports a revoked station on sync', async () => {
    const dataDir = tempDataDir('revoked');
    const enrolled = await runStation(enrollArgs(dataDir));
    const revoke = await fetch(`${server.url}/admin/stations/${enrolled.json.stationId}/revoke`, {
      method: 'POST',
      headers: { authorization: `Bearer ${await loginAdmin(server.url)}` },
    });
    expect(revoke.status).toBe(200);
    const run = await runStation(['sync', '--data', dataDir]);
    expect(run.code).toBe(1);
    expect(run.error?.code).toBe('STATION_REVOKED');
  });

  it('refuses a folder with no station, a corrupt database file, or a foreign SQLite file', async () => {
    const empty = await runStation(['dump', '--data', tempDataDir('empty')]);
    expect([empty.code, empty.error?.code]).toEqual([1, 'NOT_ENROLLED']);

    const corrupt = tempDataDir('corrupt');
    mkdirSync(corrupt, { recursive: true });
    writeFileSync(join(corrupt, 'station.db'), 'not a database at all\n'.repeat(200));
    for (const command of ['dump', 'sync']) {
      const run = await runStation([command, '--data', corrupt]);
      expect([run.code, run.error?.code]).toEqual([1, 'DATA_CORRUPT']);
    }
    const enrollCorrupt = await runStation(enrollArgs(corrupt));
    expect([enrollCorrupt.code, enrollCorrupt.error?.code]).toEqual([1, 'DATA_CORRUPT']);

    const foreign = tempDataDir('foreign');
    mkdirSync(foreign, { recursive: true });
    const db = new Database(join(foreign, 'station.db'));
    db.exec('CREATE TABLE invoices (id INTEGER PRIMARY KEY)');
    db.close();
    const run = await runStation(['dump', '--data', foreign]);
    expect([run.code, run.error?.code]).toEqual([1, 'DATA_CORRUPT']);
  });

  it('rejects a bad command line with exit code 2', async () => {
    const unknown = await runStation(['explode', '--data', tempDataDir('x')]);
    expect([unknown.code, unknown.error?.code]).toEqual([2, 'BAD_COMMAND']);
    const missing = await runStation(['enroll', '--data', tempDataDir('y')]);
    expect([missing.code, missing.error?.code]).toEqual([2, 'BAD_COMMAND']);
    expect(missing.error?.message).toMatch(/--server/);
    const unknownFlag = await runStation(['dump', '--data', tempDataDir('z'), '--colour', 'red']);
    expect(unknownFlag.code).toBe(2);
  });
});

describe('the enrolling password', () => {
  it('warns that --password shows in the process list, and takes --password-file or MOSTRADOR_PASSWORD quietly', async () => {
    const loud = await runStation(enrollArgs(tempDataDir('pw-flag')));
    expect(loud.code).toBe(0);
    expect(loud.stderr).toMatch(/--password shows in the process list/);

    const quiet = enrollArgs(tempDataDir('pw-file')).filter(
      (arg, i, all) => arg !== '--password' && all[i - 1] !== '--password',
    );
    const file = join(tempDataDir('pw-secret'), 'password.txt');
    mkdirSync(join(file, '..'), { recursive: true });
    writeFileSync(file, `${server.adminPassword}\n`, { mode: 0o600 });
    const fromFile = await runStation([...quiet, '--password-file', file]);
    expect(fromFile.code).toBe(0);
    expect(fromFile.stderr).toBe('');

    const fromEnv = await runStation(
      enrollArgs(tempDataDir('pw-env')).filter((arg, i, all) => arg !== '--password' && all[i - 1] !== '--password'),
      { MOSTRADOR_PASSWORD: server.adminPassword },
    );
    expect(fromEnv.code).toBe(0);
    expect(fromEnv.stderr).toBe('');

    const none = await runStation(
      quiet.map((arg) => (arg.includes('pw-file') ? tempDataDir('pw-none') : arg)),
      {
        MOSTRADOR_PASSWORD: '',
      },
    );
    expect(none.code).toBe(2);
    expect(none.error?.code).toBe('BAD_COMMAND');
  });
});
