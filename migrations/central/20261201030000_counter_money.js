// @ts-check
/**
 * Issue 10, the counter and the money: IVA rate and weighing on products; discounts,
 * change, returns, cash session and approvals on sales; ticket snapshots on sale items;
 * and the new synced tables for payments, cash sessions, cash movements, closings and the
 * shop's settings. Columns follow the registry (common/src/registry.ts).
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
  await knex.schema.alterTable('products', (t) => {
    t.text('taxRate');
    t.boolean('weighed');
  });
  await knex.schema.alterTable('sales', (t) => {
    t.text('kind');
    t.uuid('originalSaleId').index();
    t.uuid('sessionId').index();
    t.integer('subtotal');
    t.integer('discount');
    t.integer('change');
    t.uuid('approvedBy');
  });
  await knex.schema.alterTable('sale_items', (t) => {
    t.text('name');
    t.integer('taxRate');
    t.boolean('weighed');
    t.integer('ticketDiscount');
    t.uuid('originalItemId');
  });
  await knex.schema.createTable('sale_payments', (t) => {
    syncedColumns(t);
    t.uuid('saleId').notNullable().index();
    t.text('method').notNullable();
    t.integer('amount').notNullable();
    t.integer('tendered');
  });
  await knex.schema.createTable('cash_sessions', (t) => {
    syncedColumns(t);
    t.uuid('stationId').notNullable().index();
    t.uuid('userId').notNullable();
    t.integer('float').notNullable();
  });
  await knex.schema.createTable('cash_movements', (t) => {
    syncedColumns(t);
    t.uuid('sessionId').notNullable().index();
    t.text('kind').notNullable();
    t.integer('amount').notNullable();
    t.text('reason').notNullable();
  });
  await knex.schema.createTable('cash_closings', (t) => {
    syncedColumns(t);
    t.uuid('sessionId').notNullable().index();
    t.uuid('userId').notNullable();
    t.integer('expected').notNullable();
    t.integer('counted').notNullable();
    t.integer('difference').notNullable();
    t.text('counts').notNullable();
    t.text('report').notNullable();
  });
  await knex.schema.createTable('shop_settings', (t) => {
    syncedColumns(t);
    t.text('shopName');
    t.text('taxId');
    t.text('address');
    t.integer('rateGeneral');
    t.integer('rateReduced');
    t.integer('rateSuperReduced');
    t.integer('cashierDiscountLimit');
    t.text('stockPolicy');
    t.boolean('requireSession');
    t.text('receiptFooter');
  });
}

/** @param {import('knex').Knex} knex */
export async function down(knex) {
  for (const table of ['shop_settings', 'cash_closings', 'cash_movements', 'cash_sessions', 'sale_payments']) {
    await knex.schema.dropTableIfExists(table);
  }
  await knex.schema.alterTable('sale_items', (t) => {
    t.dropColumns('name', 'taxRate', 'weighed', 'ticketDiscount', 'originalItemId');
  });
  await knex.schema.alterTable('sales', (t) => {
    t.dropColumns('kind', 'originalSaleId', 'sessionId', 'subtotal', 'discount', 'change', 'approvedBy');
  });
  await knex.schema.alterTable('products', (t) => {
    t.dropColumns('taxRate', 'weighed');
  });
}
