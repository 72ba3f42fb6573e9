// @ts-check
/** Issue 13 (back office): a product's minimum stock level, for the low-stock list. */

/** @param {import('knex').Knex} knex */
export async function up(knex) {
  await knex.schema.alterTable('products', (t) => {
    t.integer('minStock');
  });
}

/** @param {import('knex').Knex} knex */
export async function down(knex) {
  await knex.schema.alterTable('products', (t) => {
    t.dropColumn('minStock');
  });
}
