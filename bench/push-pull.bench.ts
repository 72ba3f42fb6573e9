/**
 * Push and pull throughput against a real PostgreSQL, end to end over HTTP on this
 * machine: one push of 10,000 products, then a pull of 100,000 rows from cursor 0 in
 * pages, with the client parsing every page. Figures only; never fails on time.
 *
 * Also measured apart, to say where the time goes: the apply step alone (one
 * transaction, no HTTP), the pull SQL alone, and the client's JSON.parse of a page.
 */
import { randomBytes } from 'node:crypto';
import {
  type AnyRow,
  type ColumnarPullResponse,
  HybridLogicalClock,
  newId,
  newNodeId,
  type PushResponse,
} from '@mostrador/common';
import pg from 'pg';
import { buildApp } from '../server/src/app.js';
import { applyChanges } from '../server/src/sync/apply.js';
import { readPullPage } from '../server/src/sync/pull-page.js';
import { benchDatabase, report } from './support.js';

const PUSH_ROWS = 10_000;
const PULL_ROWS = 100_000;
const PAGE = 10_000;
const BIG_PAGE = 50_000;

function products(count: number, updatedBy: string, clock: HybridLogicalClock): { table: string; row: AnyRow }[] {
  const now = new Date().toISOString();
  const tag = randomBytes(3).toString('hex');
  return Array.from({ length: count }, (_, i) => ({
    table: 'products',
    row: {
      id: newId(),
      createdAt: now,
      updatedAt: now,
      deletedAt: null,
      version: clock.tick(),
      updatedBy,
      sku: `B-${tag}-${i}`,
      barcode: `779${tag}${i}`,
      name: `Bench product ${i} with a realistic name`,
      category: 'groceries',
      price: 1000 + (i % 5000),
      cost: 700 + (i % 3000),
      providerId: null,
      active: true,
    },
  }));
}

async function post<T>(url: string, body: string, token?: string): Promise<T> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body,
  });
  if (!response.ok) throw new Error(`${url}: ${response.status} ${await response.text()}`);
  return (await response.json()) as T;
}

async function timed<T>(work: () => Promise<T>): Promise<[T, number]> {
  const started = performance.now();
  const result = await work();
  return [result, performance.now() - started];
}

async function main(): Promise<void> {
  const database = await benchDatabase();
  const adminPassword = randomBytes(8).toString('hex');
  const app = await buildApp({
    databaseUrl: database.url,
    jwtSecret: randomBytes(16).toString('hex'),
    adminPassword,
    logger: false,
  });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const address = app.server.address();
  const base = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  try {
    const session = await post<{ token: string; user: { id: string } }>(
      `${base}/auth/login`,
      JSON.stringify({ username: 'admin', password: adminPassword }),
    );
    const { stationToken } = await post<{ stationToken: string }>(
      `${base}/stations/enroll`,
      JSON.stringify({ name: 'bench' }),
      session.token,
    );
    const clock = new HybridLogicalClock(newNodeId());
    const pushBody = () => JSON.stringify({ batchId: newId(), changes: products(PUSH_ROWS, session.user.id, clock) });

    // Push: the first batch on an empty table, then the rest up to PULL_ROWS.
    const first = pushBody();
    const [firstResult, firstMs] = await timed(() => post<PushResponse>(`${base}/sync/push`, first, stationToken));
    if (firstResult.applied.length !== PUSH_ROWS) throw new Error('push did not apply every row');
    report(`push ${PUSH_ROWS} products (HTTP, first)`, (PUSH_ROWS / firstMs) * 1000, 'rows/s');
    const pushTimes: number[] = [];
    for (let loaded = PUSH_ROWS; loaded < PULL_ROWS; loaded += PUSH_ROWS) {
      const body = pushBody();
      pushTimes.push((await timed(() => post<PushResponse>(`${base}/sync/push`, body, stationToken)))[1]);
    }
    const median = pushTimes.sort((a, b) => a - b)[Math.floor(pushTimes.length / 2)] ?? Number.NaN;
    report(`push ${PUSH_ROWS} products (HTTP, median of ${pushTimes.length})`, (PUSH_ROWS / median) * 1000, 'rows/s');

    // Where push time goes: the apply transaction alone, on the same database.
    const direct = new pg.Client({ connectionString: database.url });
    await direct.connect();
    const changes = products(PUSH_ROWS, session.user.id, clock);
    await direct.query('BEGIN');
    const [, applyMs] = await timed(() =>
      applyChanges(direct, changes, { nowMs: Date.now(), clockAheadMs: 60_000, stationId: null }),
    );
    await direct.query('ROLLBACK');
    report(`  apply ${PUSH_ROWS} rows (transaction only, no HTTP)`, applyMs, 'ms');
    const [, parseMs] = await timed(async () => JSON.parse(first));
    report(`  JSON.parse of the push body (${(first.length / 1e6).toFixed(1)} MB)`, parseMs, 'ms');
    await direct.end();

    // Pull: from cursor 0 in pages, parsing every page as the station does.
    const runs = [
      { format: 'columns', limit: PAGE },
      { format: 'rows', limit: PAGE },
      { format: 'columns', limit: BIG_PAGE },
    ] as const;
    for (const { format, limit } of runs) {
      let cursor = 0;
      let rows = 0;
      let bytes = 0;
      let parseTotal = 0;
      const [, pullMs] = await timed(async () => {
        for (;;) {
          const response = await fetch(`${base}/sync/pull?cursor=${cursor}&limit=${limit}&format=${format}`, {
            headers: { authorization: `Bearer ${stationToken}` },
          });
          const text = await response.text();
          const parseStart = performance.now();
          const page = JSON.parse(text) as ColumnarPullResponse & { changes?: unknown[] };
          parseTotal += performance.now() - parseStart;
          bytes += text.length;
          rows += format === 'columns' ? page.count : (page.changes?.length ?? 0);
          cursor = page.cursor;
          if (!page.hasMore) break;
        }
      });
      report(`pull ${rows} rows, pages of ${limit}, format=${format}`, (rows / pullMs) * 1000, 'rows/s');
      report(`  of which client JSON.parse (${(bytes / 1e6).toFixed(1)} MB)`, parseTotal, 'ms');
      report(`  total`, pullMs, 'ms');
    }
    let cursor = 0;
    const [, sqlMs] = await timed(async () => {
      for (;;) {
        const page = await readPullPage(app.db, cursor, PAGE, 'columns');
        cursor = page.cursor;
        if (!page.hasMore) break;
      }
    });
    report(`  pull SQL alone (all pages, columns)`, sqlMs, 'ms');
  } finally {
    await app.close();
    await database.close();
  }
}

await main();
