// @ts-check
/**
 * Presence lives in PostgreSQL so that any API instance can say which stations are online,
 * whichever instance holds their socket. Each instance heartbeats its own row; a station
 * counts as online while one of its connection rows names an instance whose heartbeat is
 * fresh. A crashed instance cannot delete its rows, but its heartbeat goes stale, so its
 * stations stop counting as online within the freshness window.
 */

/** @param {import('knex').Knex} knex */
export async function up(knex) {
  await knex.schema.createTable('api_instances', (t) => {
    t.uuid('id').primary();
    t.timestamp('startedAt', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('heartbeatAt', { useTz: true }).notNullable().defaultTo(knex.fn.now());
  });
  await knex.schema.createTable('station_connections', (t) => {
    t.uuid('id').primary();
    t.uuid('stationId').notNullable().references('id').inTable('stations').onDelete('CASCADE').index();
    // No foreign key to api_instances: a stale instance's rows are swept by whoever notices.
    t.uuid('instanceId').notNullable().index();
    t.timestamp('connectedAt', { useTz: true }).notNullable().defaultTo(knex.fn.now());
  });
}

/** @param {import('knex').Knex} knex */
export async function down(knex) {
  await knex.schema.dropTableIfExists('station_connections');
  await knex.schema.dropTableIfExists('api_instances');
}
