import { writeFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import pg from 'pg';
import { columnsBodyBytes } from '../server/src/sync/pull-body.js';
import { readPullPage } from '../server/src/sync/pull-page.js';
import { benchServer } from './support.js';

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
try {
  const head = await seed(server.databaseUrl);
  console.log('seeded', head);
  const db = server.app.db;
  const cursors = [0, Math.floor(head * 0.3), Math.floor(head * 0.55), Math.floor(head * 0.9)];
  const reps = Number(process.env.REPS ?? 5);
  for (const cursor of cursors) {
    let cpu = 0,
      wall = 0,
      bytes = 0,
      bodyCpu = 0;
    let body = '';
    for (let i = 0; i < reps; i++) {
      const c0 = process.cpuUsage();
      const t0 = performance.now();
      const page = await readPullPage(db, cursor, 10000, 'columns', 'admin');
      const c1 = process.cpuUsage();
      const bytes0 = columnsBodyBytes(page);
      body = bytes0.toString();
      const buf = bytes0;
      const c2 = process.cpuUsage(c0);
      const cb = process.cpuUsage(c1);
      wall += performance.now() - t0;
      cpu += (c2.user + c2.system) / 1000;
      bodyCpu += (cb.user + cb.system) / 1000;
      bytes = buf.length;
    }
    console.log(
      JSON.stringify({
        cursor,
        nodeCpuMsPerPage: +(cpu / reps).toFixed(2),
        bodyCpuMs: +(bodyCpu / reps).toFixed(2),
        wallMsPerPage: +(wall / reps).toFixed(2),
        bytes,
      }),
    );
    if (process.env.DUMP) writeFileSync(`${process.env.DUMP}-${cursors.indexOf(cursor)}.json`, body);
  }
  if (process.env.EXPLAIN) {
    const client = new pg.Client({ connectionString: server.databaseUrl });
    await client.connect();
    const { PAGE_SQL } = (await import('../server/src/sync/pull-page.js')) as any;
    const sql = PAGE_SQL?.columns?.admin;
    if (sql) {
      await client.query(
        'BEGIN; SET LOCAL enable_sort = off; SET LOCAL enable_bitmapscan = off; SET LOCAL enable_seqscan = off; SET LOCAL jit = off',
      );
      const r = await client.query(`EXPLAIN (ANALYZE, BUFFERS, TIMING) ${sql}`, [cursors[2], head, 10000]);
      console.log(r.rows.map((x: any) => x['QUERY PLAN']).join('\n'));
      await client.query('ROLLBACK');
    }
    await client.end();
  }
} finally {
  if (process.env.KEEP) {
    console.log('kept', server.databaseUrl);
    await server.app.close();
    process.exit(0);
  }
  await server.close();
}
