// @ts-check
/**
 * Issue 8, trusted writes: signed write groups applied whole, verified actors, station
 * ceilings, roles at write time, and the review list of held groups.
 *
 * - users carry `publicKey` and `sealedKey` (synced; see common/src/signing.ts).
 * - every synced table records the station that pushed each row in `pushedBy`
 *   (server-only: not in the registry, never pulled). A table added later needs it too.
 * - `stations.ceiling`: the highest role whose groups a station may carry.
 * - `user_history`: each user's role, active state and key from each version of the user
 *   on; a group is authorized (and its signature checked) against the newest entry whose
 *   version is ≤ the group's version.
 * - `review_groups`: verified groups refused by authorization or a rule, kept whole until
 *   an admin accepts (applies) or rejects them.
 */

const SYNCED_TABLES = ['users', 'providers', 'customers', 'products', 'stock_movements', 'sales', 'sale_items'];

/** @param {import('knex').Knex} knex */
export async function up(knex) {
  await knex.schema.alterTable('users', (t) => {
    t.text('publicKey');
    t.text('sealedKey');
  });
  for (const table of SYNCED_TABLES) {
    await knex.schema.alterTable(table, (t) => {
      t.uuid('pushedBy');
    });
  }
  await knex.schema.alterTable('stations', (t) => {
    t.text('ceiling').notNullable().defaultTo('admin');
  });
  await knex.raw(
    `ALTER TABLE stations ADD CONSTRAINT stations_ceiling_role CHECK (ceiling IN ('cashier', 'manager', 'admin'))`,
  );

  await knex.schema.createTable('user_history', (t) => {
    t.bigIncrements('id');
    t.uuid('userId').notNullable();
    t.specificType('version', 'text COLLATE "C"').notNullable();
    t.text('role').notNullable();
    t.boolean('active').notNullable();
    t.text('publicKey');
    t.timestamp('at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.index(['userId', 'version']);
  });
  // Users stored before this migration: their current state, as of their current version.
  await knex.raw(
    `INSERT INTO user_history ("userId", version, role, active, "publicKey")
     SELECT id, version, role, active AND "deletedAt" IS NULL, "publicKey" FROM users`,
  );

  await knex.schema.createTable('review_groups', (t) => {
    t.uuid('id').primary();
    t.uuid('stationId').notNullable();
    t.uuid('userId').notNullable();
    t.specificType('version', 'text COLLATE "C"').notNullable();
    t.jsonb('changes').notNullable();
    t.text('signature').notNullable();
    t.text('code').notNullable();
    t.text('message').notNullable();
    t.text('status').notNullable().defaultTo('pending');
    t.timestamp('createdAt', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('decidedAt', { useTz: true });
    t.uuid('decidedBy');
    t.text('decisionNote');
    t.index(['status', 'createdAt']);
  });
  await knex.raw(
    `ALTER TABLE review_groups ADD CONSTRAINT review_groups_status CHECK (status IN ('pending', 'accepted', 'rejected'))`,
  );
  await knex.schema.alterTable('conflicts', (t) => {
    t.uuid('userId');
  });
}

/** @param {import('knex').Knex} knex */
export async function down(knex) {
  await knex.schema.alterTable('conflicts', (t) => t.dropColumn('userId'));
  await knex.schema.dropTableIfExists('review_groups');
  await knex.schema.dropTableIfExists('user_history');
  await knex.schema.alterTable('stations', (t) => t.dropColumn('ceiling'));
  for (const table of SYNCED_TABLES) await knex.schema.alterTable(table, (t) => t.dropColumn('pushedBy'));
  await knex.schema.alterTable('users', (t) => {
    t.dropColumn('publicKey');
    t.dropColumn('sealedKey');
  });
}
