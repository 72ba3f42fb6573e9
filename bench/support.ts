/**
 * What the benchmarks share: a real PostgreSQL database (DATABASE_URL's server when set,
 * otherwise an embedded one in a temporary folder), and figures printed one per line.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { startEmbeddedPostgres } from '../server/src/db/embedded.js';
import { migrateCentral } from '../server/src/db/migrate.js';
import { freePort } from '../test/support/ports.js';

export { freePort };

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

/** Print one figure: `name: value unit`, aligned, so runs compare by eye and by grep. */
export function report(name: string, value: number, unit: string): void {
  console.log(`${name.padEnd(48)} ${value.toFixed(value >= 100 ? 0 : 2).padStart(10)} ${unit}`);
}
