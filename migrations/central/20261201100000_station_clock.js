/**
 * Issue 9: a station reports how far its own clock is from the server's (its live status),
 * so the admins' monitor can say in words that a station's clock is off.
 */
export async function up(knex) {
  await knex.schema.alterTable('stations', (t) => t.bigInteger('clockOffsetMs'));
}

export async function down(knex) {
  await knex.schema.alterTable('stations', (t) => t.dropColumn('clockOffsetMs'));
}
