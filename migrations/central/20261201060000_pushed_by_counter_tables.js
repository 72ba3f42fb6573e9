/**
 * The counter's tables (sale_payments, cash sessions, movements, closings, shop settings)
 * were made alongside signed write groups: like every synced table they record the station
 * that pushed each row in `pushedBy` (server-only, never pulled).
 */
const TABLES = ['sale_payments', 'cash_sessions', 'cash_movements', 'cash_closings', 'shop_settings'];

export async function up(knex) {
  for (const table of TABLES) {
    if (!(await knex.schema.hasColumn(table, 'pushedBy'))) {
      await knex.schema.alterTable(table, (t) => t.uuid('pushedBy'));
    }
  }
}

export async function down(knex) {
  for (const table of TABLES) await knex.schema.alterTable(table, (t) => t.dropColumn('pushedBy'));
}
