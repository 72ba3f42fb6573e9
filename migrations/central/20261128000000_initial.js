// @ts-check
/**
 * The central schema. Column names are the wire's camelCase field names, so rows move
 * between PostgreSQL, the wire and SQLite without renaming. Versions and timestamps are
 * ISO/HLC strings compared byte-wise: they use the "C" collation, because a linguistic
 * collation would ignore the punctuation that orders them.
 *
 * Every synced table carries `seq`, the server sequence number of its last applied
 * change; pull reads `seq > cursor` in order.
 */

/** @param {import('knex').Knex.CreateTableBuilder} t */
function syncedColumns(t) {
  t.uuid('id').primary();
  t.specificType('createdAt', 'text COLLATE "C"').notNullable();
  t.specificType('updatedAt', 'text COLLATE "C"').notNullable();
  t.specificType('deletedAt', 'text COLLATE "C"');
  t.specificType('version', 'text COLLATE "C"').notNullable();
  t.uuid('updatedBy').notNullable();
  t.bigInteger('seq').notNullable().unique();
}

/** @param {import('knex').Knex} knex */
export async function up(knex) {
  await knex.schema.createTable('users', (t) => {
    syncedColumns(t);
    t.text('username').notNullable();
    t.text('displayName').notNullable();
    t.text('role').notNullable();
    t.text('passwordHash').notNullable();
    t.boolean('active').notNullable();
  });
  await knex.schema.createTable('providers', (t) => {
    syncedColumns(t);
    t.text('name').notNullable();
    t.text('taxId');
    t.text('phone');
    t.text('email');
    t.text('address');
    t.text('notes');
  });
  await knex.schema.createTable('customers', (t) => {
    syncedColumns(t);
    t.text('name').notNullable();
    t.text('taxId');
    t.text('phone');
    t.text('email');
  });
  await knex.schema.createTable('products', (t) => {
    syncedColumns(t);
    t.text('sku').notNullable();
    t.text('barcode');
    t.text('name').notNullable();
    t.text('category');
    t.integer('price').notNullable();
    t.integer('cost');
    t.uuid('providerId');
    t.boolean('active').notNullable();
  });
  await knex.schema.createTable('stock_movements', (t) => {
    syncedColumns(t);
    t.uuid('productId').notNullable().index();
    t.integer('quantity').notNullable();
    t.text('kind').notNullable();
    t.text('reason');
    t.uuid('refId');
    t.uuid('stationId').notNullable();
  });
  await knex.schema.createTable('sales', (t) => {
    syncedColumns(t);
    t.text('number').notNullable();
    t.uuid('stationId').notNullable();
    t.uuid('userId').notNullable();
    t.uuid('customerId');
    t.text('status').notNullable();
    t.integer('total').notNullable();
    t.text('paymentMethod').notNullable();
    t.text('voidReason');
  });
  await knex.schema.createTable('sale_items', (t) => {
    syncedColumns(t);
    t.uuid('saleId').notNullable().index();
    t.uuid('productId').notNullable();
    t.integer('quantity').notNullable();
    t.integer('unitPrice').notNullable();
    t.integer('discount').notNullable();
    t.integer('lineTotal').notNullable();
  });

  // Unique keys hold among live rows: a deleted product frees its SKU.
  await knex.raw('CREATE UNIQUE INDEX users_username_live ON users (username) WHERE "deletedAt" IS NULL');
  await knex.raw('CREATE UNIQUE INDEX products_sku_live ON products (sku) WHERE "deletedAt" IS NULL');
  await knex.raw('CREATE UNIQUE INDEX products_barcode_live ON products (barcode) WHERE "deletedAt" IS NULL');

  // The head of the server sequence. Every push locks this one row while it allocates
  // sequence numbers and holds the lock until commit, so sequence numbers become visible
  // in commit order: a reader that has seen N never later meets a commit below N.
  await knex.schema.createTable('sync_state', (t) => {
    t.integer('id').primary();
    t.bigInteger('head').notNullable();
  });
  await knex.raw('ALTER TABLE sync_state ADD CONSTRAINT sync_state_single_row CHECK (id = 1)');
  await knex('sync_state').insert({ id: 1, head: 0 });

  await knex.schema.createTable('stations', (t) => {
    t.uuid('id').primary();
    t.text('name').notNullable();
    t.text('tokenHash').notNullable().unique();
    t.uuid('enrolledBy').notNullable();
    t.timestamp('createdAt', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('revokedAt', { useTz: true });
    t.timestamp('lastSeenAt', { useTz: true });
    t.text('appVersion');
    t.bigInteger('cursor').notNullable().defaultTo(0);
    t.integer('pending').notNullable().defaultTo(0);
    t.text('lastError');
  });

  // Every acknowledged version that a concurrent write overwrote: nothing is lost silently.
  await knex.schema.createTable('conflicts', (t) => {
    t.bigIncrements('id');
    t.text('tableName').notNullable();
    t.uuid('rowId').notNullable();
    t.jsonb('lost').notNullable();
    t.jsonb('won').notNullable();
    t.uuid('stationId');
    t.timestamp('at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.index(['tableName', 'rowId']);
  });
}

/** @param {import('knex').Knex} knex */
export async function down(knex) {
  for (const table of [
    'conflicts',
    'stations',
    'sync_state',
    'sale_items',
    'sales',
    'stock_movements',
    'products',
    'customers',
    'providers',
    'users',
  ]) {
    await knex.schema.dropTableIfExists(table);
  }
}
