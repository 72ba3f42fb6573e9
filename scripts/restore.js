// `npm run restore -- file`: load a `npm run backup` archive into a FRESH database
// (DATABASE_URL; created when it does not exist), then run the central migrations so an
// older backup meets the current schema. A database that already holds tables is refused,
// untouched. Prints { database, tables } as JSON.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import pg from 'pg';
import { migrateCentral } from '../server/dist/db/migrate.js';
import { assertToolFits, describeUrl, pgTool, tableCounts } from './lib/pg-tools.js';

async function ensureEmptyDatabase(url) {
  const target = new URL(url);
  const name = decodeURIComponent(target.pathname.slice(1));
  if (!/^[A-Za-z0-9_-]+$/.test(name)) throw new Error(`"${name}" is not a database name this script creates.`);
  const maintenance = new URL(url);
  maintenance.pathname = '/postgres';
  const admin = new pg.Client({ connectionString: maintenance.toString() });
  await admin.connect();
  try {
    const { rowCount } = await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
    if (!rowCount) await admin.query(`CREATE DATABASE "${name}"`);
  } finally {
    await admin.end();
  }
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const { rows } = await client.query("SELECT count(*)::int AS n FROM pg_tables WHERE schemaname = 'public'");
    if (rows[0].n > 0) {
      throw new Error(
        `${describeUrl(url)} already holds ${rows[0].n} tables; restore only into a fresh, empty database (nothing was changed).`,
      );
    }
  } finally {
    await client.end();
  }
}

async function main() {
  const url = process.env.DATABASE_URL;
  const file = process.argv[2] && resolve(process.argv[2]);
  if (!url) throw new Error('DATABASE_URL is not set: say which fresh database to restore into.');
  if (!file) throw new Error('say which archive to restore: npm run restore -- backups/<file>.dump');
  if (!existsSync(file)) throw new Error(`${file} does not exist.`);
  await ensureEmptyDatabase(url);
  await assertToolFits('pg_restore', url);
  const result = spawnSync(
    pgTool('pg_restore'),
    ['--no-owner', '--no-privileges', '--exit-on-error', '--single-transaction', `--dbname=${url}`, file],
    { encoding: 'utf8' },
  );
  if (result.status !== 0) throw new Error(`pg_restore failed: ${result.stderr.trim()}`);
  const migrated = await migrateCentral(url);
  console.log(JSON.stringify({ database: describeUrl(url), migrated, tables: await tableCounts(url) }));
}

main().catch((error) => {
  console.error(`restore: ${error.message}`);
  process.exit(1);
});
