import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { enrollStation, login, startTestServer, type TestServer } from '../../../test/support/server.js';

/** `npm run admin -- reset-password <user>` as run on the server machine (needs the build). */
const SCRIPT = fileURLToPath(new URL('../../../scripts/admin.js', import.meta.url));
const run = promisify(execFile);

async function admin(databaseUrl: string, ...args: string[]): Promise<{ code: number; output: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [SCRIPT, ...args], {
      env: { PATH: process.env.PATH ?? '', DATABASE_URL: databaseUrl },
    });
    return { code: 0, output: stdout + stderr };
  } catch (error) {
    const failed = error as { code?: number; stdout?: string; stderr?: string };
    return { code: failed.code ?? -1, output: `${failed.stdout ?? ''}${failed.stderr ?? ''}` };
  }
}

describe('npm run admin -- reset-password', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(() => server?.close());

  it('prints a new password that works, ends the old sessions, and syncs the new hash to stations', async () => {
    const { stationToken } = await enrollStation(server.url, 'Caja 1');
    const before = await login(server.url, 'admin', server.adminPassword);
    const pull = async () =>
      (await (
        await fetch(`${server.url}/sync/pull?cursor=0`, { headers: { authorization: `Bearer ${stationToken}` } })
      ).json()) as { changes: Array<{ table: string; row: Record<string, unknown> }> };
    const hashBefore = (await pull()).changes.find((c) => c.table === 'users')?.row.passwordHash;

    const { code, output } = await admin(server.databaseUrl, 'reset-password', 'admin');
    expect(code).toBe(0);
    const password = output.match(/New password for "admin": (\S+)/)?.[1];
    expect(password).toBeTruthy();

    const stations = await fetch(`${server.url}/admin/stations`, {
      headers: { authorization: `Bearer ${before.token}` },
    });
    expect(stations.status).toBe(401);
    const old = await fetch(`${server.url}/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'admin', password: server.adminPassword }),
    });
    expect(old.status).toBe(401);
    expect((await login(server.url, 'admin', password as string)).user.role).toBe('admin');
    const hashAfter = (await pull()).changes.find((c) => c.table === 'users')?.row.passwordHash;
    expect(hashAfter).not.toBe(hashBefore);
  });

  it('says so, changing nothing, for an unknown user or a missing argument', async () => {
    const unknown = await admin(server.databaseUrl, 'reset-password', 'nobody');
    expect(unknown.code).toBe(1);
    expect(unknown.output).toMatch(/No user named nobody/);
    const usage = await admin(server.databaseUrl, 'reset-password');
    expect(usage.code).toBe(1);
    expect(usage.output).toMatch(/usage: npm run admin -- reset-password <username>/);
  });
});
