import knexFactory, { type Knex } from 'knex';

/** A knex instance on the central database: for migrations and the owner's read-only queries. */
export function createKnex(databaseUrl: string, pool: { min: number; max: number } = { min: 0, max: 10 }): Knex {
  return knexFactory({ client: 'pg', connection: databaseUrl, pool });
}
