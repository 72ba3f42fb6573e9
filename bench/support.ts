/**
 * What the benchmarks share: a real PostgreSQL database (DATABASE_URL's server when set,
 * otherwise an embedded one in a temporary folder), the API on it (built in this process,
 * or the built `server/dist/main.js` as a child process), and figures printed one per line.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { buildApp } from '../server/src/app.js';
import { startEmbeddedPostgres } from '../server/src/db/embedded.js';
import { migrateCentral } from '../server/src/db/migrate.js';
import { freePort } from '../test/support/ports.js';

export { freePort };

const SERVER_MAIN = new URL('../server/dist/main.js', import.meta.url).pathname;

export interface BenchDatabase {
  url: string;
  close(): Promise<void>;
}

/** A fresh, migrated database for one benchmark; `close` drops it (and stops an embedded server). */
export async function benchDatabase(): Promise<BenchDatabase> {
  let adminUrl = process.env.DATABASE_URL;
  let stopEmbedded = async () => {};
  if (!adminUrl) {
    const dir = await mkdtemp(join(tmpdir(), 'mostrador-bench-pg-'));
    const embedded = await startEmbeddedPostgres(dir, await freePort());
    adminUrl = embedded.url;
    stopEmbedded = async () => {
      await embedded.stop();
      await rm(dir, { recursive: true, force: true });
    };
  }
  const name = `mostrador_b_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  await migrateCentral(url.toString());
  return {
    url: url.toString(),
    async close() {
      await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await admin.end();
      await stopEmbedded();
    },
  };
}

export interface BenchServer {
  /** The app itself, for what a benchmark reads beside HTTP (its pool: `app.db`). */
  app: Awaited<ReturnType<typeof buildApp>>;
  url: string;
  adminPassword: string;
  /** The benchmark's own database, for seeding it with SQL. */
  databaseUrl: string;
  /** Closes the API, then drops the database. */
  close(): Promise<void>;
}

/** A fresh database and the API built in this process on it, listening on a free loopback port. */
export async function benchServer(): Promise<BenchServer> {
  const database = await benchDatabase();
  const adminPassword = randomBytes(8).toString('hex');
  const app = await buildApp({
    databaseUrl: database.url,
    jwtSecret: randomBytes(32).toString('hex'),
    adminPassword,
    logger: false,
  });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const address = app.server.address();
  return {
    app,
    url: `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`,
    adminPassword,
    databaseUrl: database.url,
    async close() {
      await app.close();
      await database.close();
    },
  };
}

export interface ApiProcessOptions {
  /** Environment for the API on top of the defaults (LOG_LEVEL=warn among them). */
  env?: Record<string, string>;
  /** Flags for the API's node, e.g. `--cpu-prof`. */
  nodeArgs?: string[];
  /** Where the API's standard output goes; its standard error is always shown. */
  stdout?: 'inherit' | 'ignore';
}

/**
 * The built API (`server/dist/main.js`, so `npm run build` first) as a child process on a
 * free loopback port, once its /health answers 200; the caller stops the child.
 */
export async function startApiProcess(
  databaseUrl: string,
  adminPassword: string,
  options: ApiProcessOptions = {},
): Promise<{ url: string; port: number; child: ChildProcess }> {
  const port = await freePort();
  const child = spawn(process.execPath, [...(options.nodeArgs ?? []), SERVER_MAIN], {
    env: {
      ...process.env,
      DATABASE_URL: databaseUrl,
      PORT: String(port),
      HOST: '127.0.0.1',
      JWT_SECRET: randomBytes(32).toString('hex'),
      ADMIN_PASSWORD: adminPassword,
      LOG_LEVEL: 'warn',
      ...options.env,
    },
    stdio: ['ignore', options.stdout ?? 'inherit', 'inherit'],
  });
  const url = `http://127.0.0.1:${port}`;
  for (let waited = 0; waited < 60_000; waited += 100) {
    if (child.exitCode !== null) throw new Error(`the API exited (${child.exitCode})`);
    const ok = await fetch(`${url}/health`).then(
      (r) => r.status === 200,
      () => false,
    );
    if (ok) return { url, port, child };
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  child.kill('SIGKILL');
  throw new Error('the API did not become healthy');
}

/** The value at percentile `p` (0 to 100) of `values`, which it leaves unsorted. */
export function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;
}

/** Print one figure: `name: value unit`, aligned, so runs compare by eye and by grep. */
export function report(name: string, value: number, unit: string): void {
  console.log(`${name.padEnd(48)} ${value.toFixed(value >= 100 ? 0 : 2).padStart(10)} ${unit}`);
}
