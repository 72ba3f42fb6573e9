/**
 * A shop's year on a fresh station: bootstrap of ~1,000,000 rows (BENCH_MILLION_ROWS scales
 * it) — 50,000 products, 50,000 customers, 200,000 sales, 350,000 items and 350,000 stock
 * movements — with random-looking ids (md5-derived UUIDs, as uniformly spread as
 * `randomUUID()`), which is the hard case for the station's B-trees. The station is the
 * built `station enroll` in a child process; its peak RSS is read inside it.
 *
 * Then a steady-state sync on that station: 100 products changed on the server, one
 * `station sync` measured inside the process (the sync call itself, not the process start).
 * Figures only; never fails on time.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import pg from 'pg';
import { Station } from '../desktop/src/core/index.js';
import { cpuMs, maxRssMb, pageTimes, runChild } from './station-child.js';
import { benchServer, report } from './support.js';

const SCALE = Number(process.env.BENCH_MILLION_ROWS ?? 1_000_000) / 1_000_000;
const COUNTS = {
  products: Math.round(50_000 * SCALE),
  customers: Math.round(50_000 * SCALE),
  sales: Math.round(200_000 * SCALE),
  sale_items: Math.round(350_000 * SCALE),
  stock_movements: Math.round(350_000 * SCALE),
};

const id = (prefix: string, n: string) => `md5('${prefix}' || ${n})::uuid`;
const BASE = (prefix: string, n: string, seq: string) => `
  ${id(prefix, n)}, '2026-06-01T12:00:00.000Z', '2026-06-01T12:00:00.000Z', NULL,
  '2026-06-01T12:00:00.000Z-' || lpad(to_hex(${n} % 65536), 4, '0') || '-00000000000000b0', $1::uuid, ${seq}`;
const COLS = '"id", "createdAt", "updatedAt", "deletedAt", "version", "updatedBy", "seq"';

async function seed(databaseUrl: string): Promise<number> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    await client.query('BEGIN');
    const head = Number((await client.query('SELECT head FROM sync_state WHERE id = 1 FOR UPDATE')).rows[0].head);
    const admin = (await client.query("SELECT id FROM users WHERE username = 'admin'")).rows[0].id as string;
    let offset = head;
    const insert = async (table: keyof typeof COUNTS, columns: string, values: string) => {
      await client.query(
        `INSERT INTO ${table} (${COLS}, ${columns})
         SELECT ${values} FROM generate_series(1, ${COUNTS[table]}) AS n`,
        [admin],
      );
      offset += COUNTS[table];
    };
    const seq = () => `${offset} + n`;
    await insert(
      'products',
      'sku, barcode, name, category, price, cost, "providerId", active',
      `${BASE('p', 'n', seq())}, 'SKU-' || n, '779' || lpad(n::text, 10, '0'),
       (ARRAY['Yerba', 'Galletitas', 'Café', 'Alfajor', 'Fideos'])[n % 5 + 1] || ' ' || n, 'groceries',
       100 + n % 5000, 60 + n % 3000, NULL, true`,
    );
    await insert(
      'customers',
      'name, "taxId", phone, email',
      `${BASE('c', 'n', seq())}, 'Cliente ' || n, '20-' || n, '555-' || n, 'c' || n || '@example.com'`,
    );
    await insert(
      'sales',
      'number, "stationId", "userId", "customerId", status, total, "paymentMethod", "voidReason"',
      `${BASE('s', 'n', seq())}, 'C1-' || lpad(n::text, 6, '0'), md5('station')::uuid, $1::uuid, NULL,
       'completed', 300 + n % 5000, 'cash', NULL`,
    );
    await insert(
      'sale_items',
      '"saleId", "productId", quantity, "unitPrice", discount, "lineTotal"',
      `${BASE('i', 'n', seq())}, ${id('s', `(n % ${COUNTS.sales} + 1)`)}, ${id('p', `(n % ${COUNTS.products} + 1)`)},
       1, 100 + n % 5000, 0, 100 + n % 5000`,
    );
    await insert(
      'stock_movements',
      '"productId", quantity, kind, reason, "refId", "stationId"',
      `${BASE('m', 'n', seq())}, ${id('p', `(n % ${COUNTS.products} + 1)`)}, -1, 'sale', NULL,
       ${id('s', `(n % ${COUNTS.sales} + 1)`)}, md5('station')::uuid`,
    );
    await client.query('UPDATE sync_state SET head = $1 WHERE id = 1', [offset]);
    await client.query('COMMIT');
    await client.query('ANALYZE');
    return offset;
  } finally {
    await client.end();
  }
}

const server = await benchServer();
const { url, adminPassword } = server;
const folder = mkdtempSync(join(tmpdir(), 'mostrador-bench-million-'));
try {
  const seedStarted = performance.now();
  const head = await seed(server.databaseUrl);
  report('million: seeded central rows (SQL)', head, 'rows');
  report('million: seed time', performance.now() - seedStarted, 'ms');

  const dataDir = join(folder, 'data');
  // The API runs in this process: its CPU while the child enrolls is the server's side of the bootstrap.
  const serverCpu = process.cpuUsage();
  const spawnedAt = Date.now();
  const enroll = await runChild([
    'enroll',
    '--server',
    url,
    '--name',
    'bench',
    '--user',
    'admin',
    '--password',
    adminPassword,
    '--data',
    dataDir,
  ]);
  const serverCpuUsed = process.cpuUsage(serverCpu);
  if (enroll.code !== 0) throw new Error(`station enroll failed: ${enroll.stderr}`);
  const result = JSON.parse(enroll.stdout) as { rows: number };
  const times = pageTimes(enroll.stderr);
  report('million: bootstrap rows', result.rows, 'rows');
  report('million: bootstrap wall time (child process)', enroll.ms, 'ms');
  report('million: bootstrap rows per second', (result.rows / enroll.ms) * 1000, 'rows/s');
  report('million: station peak RSS', maxRssMb(enroll.stderr), 'MB');
  const cpu = cpuMs(enroll.stderr);
  report('million: station CPU time, user', cpu.user, 'ms');
  report('million: station CPU time, system', cpu.system, 'ms');
  report(
    'million: API process CPU time during bootstrap (user + system)',
    (serverCpuUsed.user + serverCpuUsed.system) / 1000,
    'ms',
  );
  report(`million: page applies (rows into their tables), sum of ${times.pages} pages`, times.apply, 'ms');
  report('million: waiting for pages (not hidden)', times.wait, 'ms');
  const traced = (event: string) => {
    const found = enroll.stderr.split('\n').find((l) => l.includes(`"trace":"${event}"`));
    return found ? (JSON.parse(found) as { ms?: number; at: number }) : null;
  };
  const enrolled = traced('traced');
  const finish = traced('bootstrap-finish');
  // The station's lines carry the machine's clock: the process start and enrollment before
  // the first page, and what follows the rebuild until the process has exited.
  if (enrolled)
    report('million: process start and enrollment (login), before the pages', enrolled.at - spawnedAt, 'ms');
  if (finish) {
    report('million: index and report rollup rebuild', finish.ms ?? Number.NaN, 'ms');
    report('million: after the rebuild until exit', spawnedAt + enroll.ms - finish.at, 'ms');
  }
  report('million: load average (1 min) after bootstrap', loadavg()[0] as number, '');

  const station = Station.open({ dataDir });
  try {
    await station.sync.sync();
    // Steady state: a running station (warmed by a sync with nothing new), 100 remote changes, one sync.
    const client = new pg.Client({ connectionString: server.databaseUrl });
    await client.connect();
    await client.query('BEGIN');
    const now = Number((await client.query('SELECT head FROM sync_state WHERE id = 1 FOR UPDATE')).rows[0].head);
    await client.query(
      `UPDATE products SET price = price + 1, seq = $1 + sub.k,
       version = '2026-11-30T12:00:00.000Z-' || lpad(to_hex(sub.k), 4, '0') || '-00000000000000b1'
     FROM (SELECT id, row_number() OVER (ORDER BY id) AS k FROM products ORDER BY id LIMIT 100) sub
     WHERE products.id = sub.id`,
      [now],
    );
    await client.query('UPDATE sync_state SET head = $1 WHERE id = 1', [now + 100]);
    await client.query('COMMIT');
    await client.end();
    const started = performance.now();
    const synced = await station.sync.sync();
    report(
      `million: steady sync after 100 remote changes (${synced.pulled} pulled)`,
      performance.now() - started,
      'ms',
    );
    const searches = [] as number[];
    for (let n = 1; n <= 200; n += 1) {
      const t = performance.now();
      station.shop.searchProducts(`Café ${n * 13}`, 20);
      searches.push(performance.now() - t);
    }
    searches.sort((a, b) => a - b);
    report('million: search name prefix median', searches[100] as number, 'ms');
  } finally {
    station.close();
  }
} finally {
  await server.close();
  rmSync(folder, { recursive: true, force: true });
}
