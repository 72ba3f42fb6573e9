// @ts-check
/**
 * Self-healing sync (issue 9):
 * - `sync_state.epoch`: a random identity of this database's history. A fresh database
 *   gets a new one; the public epoch also folds in the oid of `sync_state` (see
 *   server/src/sync/epoch.ts), which a restore from a pg_dump changes, so stations notice
 *   either and reconcile instead of trusting their cursors.
 * - `sync_state.purgedSeq` / `purgedBefore`: the tombstone horizon. Deleted rows whose
 *   `deletedAt` is before `purgedBefore` are gone; a station whose cursor is below
 *   `purgedSeq` may have missed such a delete and must bootstrap again.
 * - `stations`: when each station was last fully in sync, last reconciled after an epoch
 *   change, last compared checksums, and last repaired a range — for the admins' monitor.
 */

/** @param {import('knex').Knex} knex */
export async function up(knex) {
  await knex.schema.alterTable('sync_state', (t) => {
    t.uuid('epoch').notNullable().defaultTo(knex.raw('gen_random_uuid()'));
    t.bigInteger('purgedSeq').notNullable().defaultTo(0);
    t.specificType('purgedBefore', 'text COLLATE "C"');
  });
  await knex.schema.alterTable('stations', (t) => {
    t.timestamp('syncedAt', { useTz: true });
    t.timestamp('reconciledAt', { useTz: true });
    t.timestamp('checkedAt', { useTz: true });
    t.timestamp('repairedAt', { useTz: true });
  });
  // Purging walks deleted rows by age.
  for (const table of ['users', 'providers', 'customers', 'products', 'stock_movements', 'sales', 'sale_items']) {
    await knex.raw(`CREATE INDEX ${table}_deleted_at ON "${table}" ("deletedAt") WHERE "deletedAt" IS NOT NULL`);
  }
}

/** @param {import('knex').Knex} knex */
export async function down(knex) {
  for (const table of ['users', 'providers', 'customers', 'products', 'stock_movements', 'sales', 'sale_items']) {
    await knex.raw(`DROP INDEX IF EXISTS ${table}_deleted_at`);
  }
  await knex.schema.alterTable('stations', (t) => {
    t.dropColumns('syncedAt', 'reconciledAt', 'checkedAt', 'repairedAt');
  });
  await knex.schema.alterTable('sync_state', (t) => {
    t.dropColumns('epoch', 'purgedSeq', 'purgedBefore');
  });
}
