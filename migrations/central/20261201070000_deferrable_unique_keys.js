/**
 * Unique keys among live rows (a username, a product's SKU and barcode) become deferrable
 * exclusion constraints instead of unique indexes: a push checks them once its rows are all
 * written (SET CONSTRAINTS at the end of each pass), so a swap of two values through a
 * temporary one, coalesced into one write, applies. Outside a push they still check at the
 * end of each statement (INITIALLY IMMEDIATE). A clash reports SQLSTATE 23P01.
 */
const KEYS = [
  ['users', 'username', 'users_username_live'],
  ['products', 'sku', 'products_sku_live'],
  ['products', 'barcode', 'products_barcode_live'],
];

export async function up(knex) {
  for (const [table, column, name] of KEYS) {
    await knex.raw(`DROP INDEX IF EXISTS ${name}`);
    await knex.raw(
      `ALTER TABLE ${table} ADD CONSTRAINT ${name} EXCLUDE USING btree ("${column}" WITH =)
       WHERE ("deletedAt" IS NULL) DEFERRABLE INITIALLY IMMEDIATE`,
    );
  }
}

export async function down(knex) {
  for (const [table, column, name] of KEYS) {
    await knex.raw(`ALTER TABLE ${table} DROP CONSTRAINT ${name}`);
    await knex.raw(`CREATE UNIQUE INDEX ${name} ON ${table} ("${column}") WHERE "deletedAt" IS NULL`);
  }
}
