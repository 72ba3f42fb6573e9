/**
 * Two products created apart with the same SKU end as one: the server keeps the later one
 * deleted with `mergedInto` naming the live one, and writes every reference to it (sale
 * lines, stock movements) as a reference to the live one. The index finds merged products
 * among a push's references.
 */
export async function up(knex) {
  await knex.schema.alterTable('products', (t) => {
    t.uuid('mergedInto');
  });
  await knex.raw('CREATE INDEX products_merged ON products (id) WHERE "mergedInto" IS NOT NULL');
}

export async function down(knex) {
  await knex.raw('DROP INDEX IF EXISTS products_merged');
  await knex.schema.alterTable('products', (t) => t.dropColumn('mergedInto'));
}
