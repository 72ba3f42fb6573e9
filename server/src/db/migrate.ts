import { readdir } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import pg from 'pg';

/** The central schema's knex migrations (repository root `migrations/central`). */
export const CENTRAL_MIGRATIONS_DIR = fileURLToPath(new URL('../../../migrations/central', import.meta.url));

/**
 * True when knex's migration log holds exactly the migrations in the folder: nothing to do.
 * Asked with `pg`, which the server loads anyway, because loading knex costs a start-up
 * a few hundred milliseconds of CPU for nothing on every start but the first after an upgrade.
 */
async function upToDate(databaseUrl: string): Promise<boolean> {
  const files = (await readdir(CENTRAL_MIGRATIONS_DIR)).filter((name) => name.endsWith('.js'));
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    const { rows } = await client.query<{ name: string }>('SELECT name FROM knex_migrations');
    const applied = new Set(rows.map((row) => row.name));
    return applied.size === files.length && files.every((name) => applied.has(name));
  } catch {
    return false; // No migration log yet (a fresh database): knex creates it.
  } finally {
    await client.end();
  }
}

/** Bring the central database to the latest schema. Safe to run on every start. */
export async function migrateCentral(databaseUrl: string): Promise<string[]> {
  if (await upToDate(databaseUrl)) return [];
  const { createKnex } = await import('./knex.js');
  const knex = createKnex(databaseUrl, { min: 0, max: 1 });
  try {
    const [, applied] = (await knex.migrate.latest({
      directory: CENTRAL_MIGRATIONS_DIR,
      loadExtensions: ['.js'],
    })) as [number, string[]];
    return applied;
  } finally {
    await knex.destroy();
  }
}
