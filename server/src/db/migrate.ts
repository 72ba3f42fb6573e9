import { fileURLToPath } from 'node:url';
import knexFactory, { type Knex } from 'knex';

/** The central schema's knex migrations (repository root `migrations/central`). */
export const CENTRAL_MIGRATIONS_DIR = fileURLToPath(new URL('../../../migrations/central', import.meta.url));

export function createKnex(databaseUrl: string, pool: { min: number; max: number } = { min: 0, max: 10 }): Knex {
  return knexFactory({ client: 'pg', connection: databaseUrl, pool });
}

/** Bring the central database to the latest schema. Safe to run on every start. */
export async function migrateCentral(databaseUrl: string): Promise<string[]> {
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
