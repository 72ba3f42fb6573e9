/**
 * Reports over a year of a busy shop on one station: 300,000 sales and 1,000,000 sale items
 * (2,000 products in 20 categories, 4 stations, 6 cashiers, 1 sale in 50 voided), written
 * with SQL into a real station database so the report rollups' triggers run as they do for
 * pulled pages. Then each report over the whole year, timed (first run and median of 5).
 * Figures only; never fails on time.
 */
import { performance } from 'node:perf_hooks';
import { offlineStation } from '../test/support/station.js';
import { report } from './support.js';

const SALES = 300_000;
const ITEMS = 1_000_000;
const YEAR_START = Date.UTC(2025, 0, 1) / 1000;
const STEP_S = Math.floor((365 * 86_400) / SALES);

const station = await offlineStation();
const db = station.store.db;
let started = performance.now();
db.transaction(() => {
  db.exec(`
    WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < 1999)
    INSERT INTO products (id, createdAt, updatedAt, deletedAt, version, updatedBy, sku, barcode, name, category, price, cost, providerId, active)
    SELECT printf('00000000-0000-7000-8000-%012d', i), '2025-01-01T00:00:00.000Z', '2025-01-01T00:00:00.000Z', NULL, 'v', 'u',
      'SKU' || i, NULL, 'Producto ' || i, 'Categoría ' || (i % 20), 100 + i, CASE WHEN i % 3 = 0 THEN NULL ELSE 50 + i END, NULL, 1
    FROM n;
    WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < ${SALES - 1})
    INSERT INTO sales (id, createdAt, updatedAt, deletedAt, version, updatedBy, number, stationId, userId, customerId, status, total, paymentMethod, voidReason)
    SELECT printf('10000000-0000-7000-8000-%012d', i),
      strftime('%Y-%m-%dT%H:%M:%S.000Z', ${YEAR_START} + i * ${STEP_S}, 'unixepoch'),
      strftime('%Y-%m-%dT%H:%M:%S.000Z', ${YEAR_START} + i * ${STEP_S}, 'unixepoch'), NULL, 'v', 'u',
      'C' || (i % 4) || '-' || i, printf('20000000-0000-7000-8000-%012d', i % 4), printf('30000000-0000-7000-8000-%012d', i % 6), NULL,
      CASE WHEN i % 50 = 0 THEN 'voided' ELSE 'completed' END, 1000, CASE WHEN i % 2 = 0 THEN 'cash' ELSE 'card' END, NULL
    FROM n;
    WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < ${ITEMS - 1})
    INSERT INTO sale_items (id, createdAt, updatedAt, deletedAt, version, updatedBy, saleId, productId, quantity, unitPrice, discount, lineTotal)
    SELECT printf('40000000-0000-7000-8000-%012d', i),
      strftime('%Y-%m-%dT%H:%M:%S.000Z', ${YEAR_START} + (i * ${SALES} / ${ITEMS}) * ${STEP_S}, 'unixepoch'),
      strftime('%Y-%m-%dT%H:%M:%S.000Z', ${YEAR_START} + (i * ${SALES} / ${ITEMS}) * ${STEP_S}, 'unixepoch'), NULL, 'v', 'u',
      printf('10000000-0000-7000-8000-%012d', i * ${SALES} / ${ITEMS}), printf('00000000-0000-7000-8000-%012d', (i * 7919) % 2000),
      1 + i % 3, 300, 0, 300 * (1 + i % 3)
    FROM n;`);
})();
report('seed 300k sales + 1M items (triggers on)', (performance.now() - started) / 1000, 's');

const year = { from: '2025-01-01', to: '2025-12-31' };
function time(name: string, run: () => unknown) {
  const runs: number[] = [];
  for (let i = 0; i < 6; i++) {
    const t = performance.now();
    run();
    runs.push(performance.now() - t);
  }
  const [first, ...rest] = runs;
  rest.sort((a, b) => a - b);
  report(`${name}: first`, first ?? 0, 'ms');
  report(`${name}: median of 5`, rest[2] ?? 0, 'ms');
}

time('sales per day, one year', () => station.reports.salesByPeriod(year, 'day'));
time('top products (20), one year', () => station.reports.byProduct(year, { limit: 20 }));
time('sales per month, one year', () => station.reports.salesByPeriod(year, 'month'));
time('sales by hour, one year', () => station.reports.salesByHour(year));
time('by cashier, one year', () => station.reports.byCashier(year));
time('by category, one year', () => station.reports.byCategory(year));
time('taxes per rate, one month (reads the lines)', () =>
  station.reports.taxes({ from: '2025-03-01', to: '2025-03-31' }),
);
const check = station.reports.salesByPeriod(year, 'day');
report('days reported', check.length, 'days');
report(
  'sales counted',
  check.reduce((sum, row) => sum + row.sales + row.voided, 0),
  'sales',
);
started = performance.now();
station.reports.rebuildRollups();
report('rebuild rollups from scratch', performance.now() - started, 'ms');
station.close();
