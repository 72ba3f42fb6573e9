/**
 * Sale numbers are unique across the shop: the push looks a pushed sale's number up (an
 * index on `number`) and gives a taken one the series' next free number, keeping the printed
 * one in `printedNumber`. Earlier duplicates, if any, stay as they were (no constraint).
 */
export async function up(knex) {
  await knex.schema.alterTable('sales', (t) => {
    t.text('printedNumber');
    t.index(['number'], 'sales_number');
  });
}

export async function down(knex) {
  await knex.schema.alterTable('sales', (t) => {
    t.dropIndex(['number'], 'sales_number');
    t.dropColumn('printedNumber');
  });
}
