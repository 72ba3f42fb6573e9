import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../../test/support/pg.js';

/** `node server/dist/main.js` as deployed: the build must exist (`npm test` builds first). */
const MAIN = fileURLToPath(new URL('../dist/main.js', import.meta.url));

function run(env: Record<string, string>): {
  child: ChildProcess;
  output: () => string;
  exited: Promise<number | null>;
} {
  const child = spawn(process.execPath, [MAIN], {
    env: { PATH: process.env.PATH ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.on('data', (chunk) => (output += chunk));
  child.stderr?.on('data', (chunk) => (output += chunk));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, output: () => output, exited };
}

async function waitFor<T>(probe: () => T | undefined, what: string, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe('server main', () => {
  let dataDir: string;
  let database: TestDatabase;
  beforeAll(async () => {
    expect(existsSync(MAIN), 'build the server first (npx tsc -b)').toBe(true);
    dataDir = await mkdtemp(join(tmpdir(), 'mostrador-main-'));
    database = await createTestDatabase({ migrate: false });
  });
  afterAll(async () => {
    await database?.drop();
    await rm(dataDir, { recursive: true, force: true });
  });

  it('refuses to start in production without JWT_SECRET', async () => {
    const server = run({ NODE_ENV: 'production', DATABASE_URL: database.url, DATA_DIR: dataDir, PORT: '0' });
    expect(await server.exited).toBe(1);
    expect(server.output()).toMatch(/JWT_SECRET must be set/);
  });

  it('refuses a JWT_SECRET shorter than 32 bytes in production, and TRUST_PROXY=true anywhere', async () => {
    const short = run({
      NODE_ENV: 'production',
      DATABASE_URL: database.url,
      DATA_DIR: dataDir,
      PORT: '0',
      JWT_SECRET: 'x'.repeat(31),
    });
    expect(await short.exited).toBe(1);
    expect(short.output()).toMatch(/JWT_SECRET has 31 bytes; at least 32/);
    const anyProxy = run({
      DATABASE_URL: database.url,
      DATA_DIR: dataDir,
      PORT: '0',
      JWT_SECRET: 'x'.repeat(32),
      TRUST_PROXY: 'true',
    });
    expect(await anyProxy.exited).toBe(1);
    expect(anyProxy.output()).toMatch(/TRUST_PROXY=true would believe any client/);
  });

  it('migrates, prints the generated admin password once, names the admin as told, serves, and stops cleanly on SIGTERM', async () => {
    const server = run({
      DATABASE_URL: database.url,
      DATA_DIR: dataDir,
      PORT: '0',
      HOST: '127.0.0.1',
      JWT_SECRET: 'dev-secret-of-20-bytes',
      ADMIN_DISPLAY_NAME: 'Dueña',
    });
    const password = await waitFor(() => server.output().match(/password: (\S+)/)?.[1], 'the admin password');
    const url = await waitFor(
      () => server.output().match(/listening at (http:\/\/127\.0\.0\.1:\d+)/)?.[1],
      'listening',
    );
    expect((await fetch(`${url}/health`)).status).toBe(200);
    const login = await fetch(`${url}/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'admin', password }),
    });
    expect(login.status).toBe(200);
    expect(((await login.json()) as { user: { displayName: string } }).user.displayName).toBe('Dueña');
    server.child.kill('SIGTERM');
    expect(await server.exited).toBe(0);

    // A second start keeps the admin and prints no password.
    const again = run({
      DATABASE_URL: database.url,
      DATA_DIR: dataDir,
      PORT: '0',
      HOST: '127.0.0.1',
      JWT_SECRET: 'dev-secret-of-20-bytes',
    });
    await waitFor(() => again.output().match(/listening at/)?.[0], 'listening again');
    expect(again.output()).not.toMatch(/password:/);
    again.child.kill('SIGTERM');
    expect(await again.exited).toBe(0);
  });
});
