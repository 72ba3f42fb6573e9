/**
 * Bootstrap of a fresh station from a server holding ~140,000 rows: 10,000 providers,
 * 50,000 products, 40,000 sales with one item each (the central database is seeded with
 * SQL for speed). The station is a CHILD PROCESS running the built `station enroll`, so
 * the wall time includes its start, and its peak RSS is read inside it
 * (process.resourceUsage().maxRSS, printed with MOSTRADOR_REPORT_RESOURCES=1).
 *
 * Also measured, to say where the time goes: the same pages fetched and parsed without
 * applying them, a station process that starts and does nothing, and product search
 * latency on the 50,000-product catalogue. Figures only; never fails on time.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import pg from 'pg';
import { Station } from '../desktop/src/core/index.js';
import { maxRssMb, pageTimes, runChild } from './station-child.js';
import { benchServer, percentile, report } from './support.js';

const COUNTS = { providers: 10_000, products: 50_000, sales: 40_000, sale_items: 40_000 };

/**
 * Ids shaped like the UUIDv7s stations create (time-ordered prefix, random tail), so the
 * seeded catalogue's key order is what a real one's is; `tableIndex` keeps tables apart.
 */
const uuidOf = (tableIndex: number, n: string) =>
  `(lpad(to_hex(1764000000000 + ${tableIndex} * 1000000 + ${n}), 12, '0') || '7' || substr(md5('${tableIndex}' || ${n}), 1, 3)
    || '8' || substr(md5('${tableIndex}' || ${n}), 4, 15))::uuid`;
const TABLE_INDEX = { providers: 1, products: 2, sales: 3, sale_items: 4 } as const;

const BASE = (table: keyof typeof TABLE_INDEX, offset: number, n: string) => `
  ${uuidOf(TABLE_INDEX[table], n)}, '2026-11-27T12:00:00.000Z', '2026-11-27T12:00:00.000Z', NULL,
  '2026-11-27T12:00:00.000Z-' || lpad(to_hex(${n} % 65536), 4, '0') || '-00000000000000b0', $1::uuid,
  $2::bigint + ${offset} + ${n}`;
const COLS = '"id", "createdAt", "updatedAt", "deletedAt", "version", "updatedBy", "seq"';

async function seed(databaseUrl: string): Promise<number> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    await client.query('BEGIN');
    const { rows } = await client.query('SELECT head FROM sync_state WHERE id = 1 FOR UPDATE');
    const head = Number(rows[0].head);
    const admin = (await client.query("SELECT id FROM users WHERE username = 'admin'")).rows[0].id as string;
    const args = [admin, head];
    let offset = 0;
    await client.query(
      `INSERT INTO providers (${COLS}, name, "taxId", phone, email, address, notes)
       SELECT ${BASE('providers', offset, 'n')}, 'Provider ' || n, '30-' || n, '555-' || n, 'p' || n || '@example.com', 'Street ' || n, NULL
       FROM generate_series(1, ${COUNTS.providers}) AS n`,
      args,
    );
    offset += COUNTS.providers;
    await client.query(
      `INSERT INTO products (${COLS}, sku, barcode, name, category, price, cost, "providerId", active)
       SELECT ${BASE('products', offset, 'n')}, 'SKU-' || n, '779' || lpad(n::text, 10, '0'),
         (ARRAY['Yerba', 'Galletitas', 'Coca-Cola', 'Alfajor', 'Fideos'])[n % 5 + 1] || ' ' || n || ' x 500g',
         'groceries', 100 + n % 5000, 60 + n % 3000, ${uuidOf(TABLE_INDEX.providers, `(n % ${COUNTS.providers} + 1)`)}, true
       FROM generate_series(1, ${COUNTS.products}) AS n`,
      args,
    );
    offset += COUNTS.products;
    await client.query(
      `INSERT INTO sales (${COLS}, number, "stationId", "userId", "customerId", status, total, "paymentMethod", "voidReason")
       SELECT ${BASE('sales', offset, 'n')}, 'SEED-' || n, md5('station')::uuid, $1::uuid, NULL, 'completed', 100 + n % 5000, 'cash', NULL
       FROM generate_series(1, ${COUNTS.sales}) AS n`,
      args,
    );
    offset += COUNTS.sales;
    await client.query(
      `INSERT INTO sale_items (${COLS}, "saleId", "productId", quantity, "unitPrice", discount, "lineTotal")
       SELECT ${BASE('sale_items', offset, 'n')}, ${uuidOf(TABLE_INDEX.sales, 'n')}, ${uuidOf(TABLE_INDEX.products, `(n % ${COUNTS.products} + 1)`)},
         1, 100 + n % 5000, 0, 100 + n % 5000
       FROM generate_series(1, ${COUNTS.sale_items}) AS n`,
      args,
    );
    offset += COUNTS.sale_items;
    await client.query('UPDATE sync_state SET head = $1 WHERE id = 1', [head + offset]);
    await client.query('COMMIT');
    await client.query('ANALYZE');
    return head + offset;
  } finally {
    await client.end();
  }
}

async function bootstrapOnce(url: string, adminPassword: string, dataDir: string, pageRows: number): Promise<void> {
  const enroll = await runChild(
    ['enroll', '--server', url, '--name', 'bench', '--user', 'admin', '--password', adminPassword, '--data', dataDir],
    { MOSTRADOR_BOOTSTRAP_LIMIT: String(pageRows) },
  );
  if (enroll.code !== 0) throw new Error(`station enroll failed: ${enroll.stderr}`);
  const result = JSON.parse(enroll.stdout) as { rows: number; cursor: number };
  if (process.env.BENCH_VERBOSE === '1') console.log(enroll.stderr);
  const times = pageTimes(enroll.stderr);
  const label = `bootstrap, pages of ${pageRows}`;
  report(`${label}: rows`, result.rows, 'rows');
  report(`${label}: wall time (child process)`, enroll.ms, 'ms');
  report(`${label}: rows per second`, (result.rows / enroll.ms) * 1000, 'rows/s');
  report(`${label}: station peak RSS`, maxRssMb(enroll.stderr), 'MB');
  report(`${label}: SQLite apply, sum of ${times.pages} pages`, times.apply, 'ms');
  report(`${label}: waiting for pages (not hidden by overlap)`, times.wait, 'ms');
}

async function fetchOnly(url: string, token: string): Promise<{ ms: number; rows: number }> {
  const started = performance.now();
  let cursor = 0;
  let rows = 0;
  for (;;) {
    const response = await fetch(`${url}/sync/pull?cursor=${cursor}&limit=50000&format=columns`, {
      // A station on the same machine asks for no compression (client.ts).
      headers: { authorization: `Bearer ${token}`, 'accept-encoding': 'identity' },
    });
    const page = (await response.json()) as { count: number; cursor: number; hasMore: boolean };
    rows += page.count;
    cursor = page.cursor;
    if (!page.hasMore) return { ms: performance.now() - started, rows };
  }
}

function searchLatency(station: Station, label: string, queries: string[]): void {
  for (const q of queries.slice(0, 20)) station.shop.searchProducts(q); // warm the statements and pages
  const times: number[] = [];
  let found = 0;
  for (const q of queries) {
    const started = performance.now();
    found += station.shop.searchProducts(q, 20).length;
    times.push(performance.now() - started);
  }
  times.sort((a, b) => a - b);
  report(`search ${label}: median`, percentile(times, 50), 'ms');
  report(`search ${label}: p95 (${found} hits / ${queries.length})`, percentile(times, 95), 'ms');
}

const server = await benchServer();
const { url, adminPassword } = server;
const folder = mkdtempSync(join(tmpdir(), 'mostrador-bench-station-'));
try {
  const seedStarted = performance.now();
  const head = await seed(server.databaseUrl);
  report('seeded central rows (SQL)', head, 'rows');
  report('seed time', performance.now() - seedStarted, 'ms');

  const idle = await runChild(['dump', '--data', join(folder, 'none')]);
  report('station process start, no work', idle.ms, 'ms');
  report('station process start: peak RSS', maxRssMb(idle.stderr), 'MB');

  // BENCH_PAGES=5000,10000 compares page sizes; the last one's station is searched below.
  const pageSizes = (process.env.BENCH_PAGES ?? '10000,50000').split(',').map(Number);
  const dataDir = join(folder, 'data');
  for (const [i, rows] of pageSizes.entries()) {
    await bootstrapOnce(url, adminPassword, i === pageSizes.length - 1 ? dataDir : join(folder, `data-${rows}`), rows);
  }

  const station = Station.open({ dataDir });
  try {
    const token = station.store.meta.get('stationToken') as string;
    const download = await fetchOnly(url, token);
    report('pull pages fetched + parsed only (no apply)', download.ms, 'ms');

    const picks = Array.from({ length: 200 }, (_, i) => 1 + ((i * 7919) % COUNTS.products));
    searchLatency(
      station,
      'barcode',
      picks.map((n) => `779${String(n).padStart(10, '0')}`),
    );
    searchLatency(
      station,
      'SKU',
      picks.map((n) => `SKU-${n}`),
    );
    searchLatency(
      station,
      'name prefix',
      picks.map((n) => `Galletitas ${n}`),
    );
    searchLatency(
      station,
      'word inside name',
      picks.map((n) => `${n} x 500`),
    );
    searchLatency(
      station,
      'no match',
      picks.map((n) => `Zapallo ${n}`),
    );
  } finally {
    station.close();
  }
} finally {
  await server.close();
  rmSync(folder, { recursive: true, force: true });
}
