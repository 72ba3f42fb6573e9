// Shared by `npm run backup` and `npm run restore`: finding PostgreSQL's client tools and
// checking they can handle the server, and counting what a database holds.
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import pg from 'pg';

/** `pg_dump` or `pg_restore`, from PG_BIN when set, otherwise from PATH. */
export function pgTool(name) {
  return process.env.PG_BIN ? join(process.env.PG_BIN, name) : name;
}

export function toolMajor(name) {
  const result = spawnSync(pgTool(name), ['--version'], { encoding: 'utf8' });
  if (result.error || result.status !== 0) {
    throw new Error(
      `${name} was not found. Install PostgreSQL's client tools (Debian: apt-get install postgresql-client) or set PG_BIN to the folder that holds ${name}.`,
    );
  }
  const match = /(\d+)(?:\.\d+)?/.exec(result.stdout);
  if (!match) throw new Error(`could not read the version of ${name}: ${result.stdout}`);
  return Number(match[1]);
}

export async function serverMajor(url) {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const { rows } = await client.query('SHOW server_version_num');
    return Math.floor(Number(rows[0].server_version_num) / 10000);
  } finally {
    await client.end();
  }
}

/** pg_dump refuses a newer server; say so before it does, with what to install. */
export async function assertToolFits(name, url) {
  const tool = toolMajor(name);
  const server = await serverMajor(url);
  if (tool < server) {
    throw new Error(
      `${name} is version ${tool} but the server is PostgreSQL ${server}: install postgresql-client-${server} (or newer) and set PG_BIN to its bin folder.`,
    );
  }
  return { tool, server };
}

/** Row counts of the tables in the public schema, except knex's own bookkeeping. */
export async function tableCounts(url) {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const { rows } = await client.query(
      "SELECT tablename FROM pg_tables WHERE schemaname = 'public' AND tablename NOT LIKE 'knex_%' ORDER BY tablename",
    );
    const counts = {};
    for (const { tablename } of rows) {
      const result = await client.query(`SELECT count(*)::int AS n FROM "${tablename}"`);
      counts[tablename] = result.rows[0].n;
    }
    return counts;
  } finally {
    await client.end();
  }
}

export function describeUrl(url) {
  const parsed = new URL(url);
  return `${parsed.hostname}:${parsed.port || 5432}${parsed.pathname}`;
}
