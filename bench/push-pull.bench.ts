/**
 * Push and pull throughput against a real PostgreSQL, end to end over HTTP on this
 * machine, with signed write groups verified by the server (issue 8): one push of 1,000
 * sales (each a group of a sale, 3 items and 3 stock movements: 7,000 rows), one push of a
 * 10,000-product group, then a pull of 100,000 rows from cursor 0 in pages, with the
 * client parsing every page. Figures only; never fails on time.
 *
 * Also measured apart, to say where the time goes: JSON.parse of the push body, signature
 * verification, planning and writing (the apply step alone, one transaction, no HTTP),
 * Ed25519 against HMAC-SHA256 per group, the pull SQL alone, the client's JSON.parse.
 */
import { createHmac, type KeyObject, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import {
  type AnyRow,
  type ColumnarPullResponse,
  groupSigningBytes,
  HybridLogicalClock,
  newId,
  newNodeId,
  type PushResponse,
  signGroup,
  unsealUserKey,
  verifyGroup,
  type WriteGroup,
} from '@mostrador/common';
import pg from 'pg';
import { applyGroups, type PushTimings } from '../server/src/sync/apply.js';
import { readPullPage } from '../server/src/sync/pull-page.js';
import { verifyAll } from '../server/src/sync/verify.js';
import { benchServer, report } from './support.js';

const SALES = 1_000;
/** Products the sales sell, pushed before them. */
const CATALOGUE = 500;

/** Pushes of the sale groups; the CPU figure is their median (9: the machine is shared). */
const SALE_ROUNDS = 9;

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

/**
 * A sale as the counter writes it: the sale, 3 items and 3 stock movements, by one user, of
 * products of the catalogue (the server holds lines naming unknown products, issue 12).
 */
function saleChanges(
  updatedBy: string,
  stationId: string,
  clock: HybridLogicalClock,
  catalogue: readonly string[],
): { table: string; row: AnyRow }[] {
  const now = new Date().toISOString();
  const base = () => ({
    id: newId(),
    createdAt: now,
    updatedAt: now,
    deletedAt: null,
    version: clock.tick(),
    updatedBy,
  });
  const sale = {
    ...base(),
    number: `B-${randomBytes(4).toString('hex')}`,
    stationId,
    userId: updatedBy,
    customerId: null,
    status: 'completed',
    total: 7500,
    paymentMethod: 'cash',
    voidReason: null,
  };
  const pick = () => catalogue[Math.floor(Math.random() * catalogue.length)] as string;
  const lines = [1, 2, 3].map(() => ({ productId: pick(), quantity: 1 }));
  return [
    { table: 'sales', row: sale },
    ...lines.map((line) => ({
      table: 'sale_items',
      row: { ...base(), saleId: sale.id, ...line, unitPrice: 2500, discount: 0, lineTotal: 2500 },
    })),
    ...lines.map((line) => ({
      table: 'stock_movements',
      row: { ...base(), ...line, quantity: -1, kind: 'sale', reason: null, refId: sale.id, stationId },
    })),
  ];
}

function sign(
  key: KeyObject,
  userId: string,
  stationId: string,
  changes: { table: string; row: AnyRow }[],
): WriteGroup {
  const body = { id: newId(), userId, version: changes[0]?.row.version as string, changes };
  return { ...body, signature: signGroup(key, groupSigningBytes(body, stationId)) };
}

/** CPU time of this process's main thread so far, in ms (Linux; NaN elsewhere). */
function mainThreadMs(): number {
  try {
    return Number(readFileSync('/proc/thread-self/schedstat', 'utf8').split(' ')[0]) / 1e6;
  } catch {
    return Number.NaN;
  }
}

function reportMainThread(mainMs: number, cpuMs: number): void {
  if (Number.isNaN(mainMs)) return;
  report('    of which the main thread', mainMs, 'ms');
  report('    of which other threads (signatures, GC)', cpuMs - mainMs, 'ms');
}

/** Mean time of `work` over enough runs to take ~200 ms, in microseconds. */
function micro(work: () => unknown): number {
  let runs = 0;
  const started = performance.now();
  while (performance.now() - started < 200) {
    work();
    runs += 1;
  }
  return ((performance.now() - started) / runs) * 1000;
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
  const server = await benchServer();
  const { app, url: base, adminPassword } = server;
  try {
    const session = await post<{ token: string; user: { id: string } }>(
      `${base}/auth/login`,
      JSON.stringify({ username: 'admin', password: adminPassword }),
    );
    const { stationToken, stationId } = await post<{ stationToken: string; stationId: string }>(
      `${base}/stations/enroll`,
      JSON.stringify({ name: 'bench' }),
      session.token,
    );
    const direct = new pg.Client({ connectionString: server.databaseUrl });
    await direct.connect();
    const stored = (
      await direct.query<{ publicKey: string; sealedKey: string }>(
        'SELECT "publicKey", "sealedKey" FROM users WHERE id = $1',
        [session.user.id],
      )
    ).rows[0];
    if (!stored) throw new Error('no admin user');
    const key = await unsealUserKey(stored.sealedKey, stored.publicKey, adminPassword);
    const userId = session.user.id;
    const clock = new HybridLogicalClock(newNodeId());
    const catalogue = products(CATALOGUE, userId, clock);
    const catalogueIds = catalogue.map((change) => change.row.id);
    const saleGroups = () =>
      Array.from({ length: SALES }, () =>
        sign(key, userId, stationId, saleChanges(userId, stationId, clock, catalogueIds)),
      );
    const productGroup = () => [sign(key, userId, stationId, products(PUSH_ROWS, userId, clock))];
    const bodyOf = (groups: WriteGroup[]) => JSON.stringify({ batchId: newId(), groups });
    // CPU time of this process (server and client: the API runs in it) per push, beside the
    // wall time: on a shared machine the wall time mostly measures the neighbours.
    // The main thread's share apart (the HTTP client, the route, planning and writing), so the
    // rest shows: the signature checks on the thread pool and the garbage collector's helpers.
    const cpuTimes = new Map<string, number[]>();
    const mainTimes = new Map<string, number[]>();
    const pushOnce = async (body: string, rows: number, label = '') => {
      const cpu = process.cpuUsage();
      const main = mainThreadMs();
      const [result, ms] = await timed(() => post<PushResponse>(`${base}/sync/push`, body, stationToken));
      const used = process.cpuUsage(cpu);
      cpuTimes.set(label, [...(cpuTimes.get(label) ?? []), (used.user + used.system) / 1000]);
      mainTimes.set(label, [...(mainTimes.get(label) ?? []), mainThreadMs() - main]);
      if (result.applied.length !== rows || result.groups.some((g) => g.status !== 'applied')) {
        throw new Error('push did not apply every group');
      }
      return ms;
    };
    const median = (times: number[]) => times.sort((a, b) => a - b)[Math.floor(times.length / 2)] ?? Number.NaN;

    await pushOnce(bodyOf([sign(key, userId, stationId, catalogue)]), CATALOGUE, 'catalogue');
    // 1,000 sale groups of 7 rows, several times (the first on empty sales tables).
    const saleRows = SALES * 7;
    const saleTimes: number[] = [];
    for (let round = 0; round < SALE_ROUNDS; round++) {
      saleTimes.push(await pushOnce(bodyOf(saleGroups()), saleRows, 'sales'));
    }
    report(
      `push ${SALES} sale groups = ${saleRows} rows (HTTP, first)`,
      (saleRows / (saleTimes[0] ?? 1)) * 1000,
      'rows/s',
    );
    report(
      `push ${SALES} sale groups (HTTP, median of ${SALE_ROUNDS})`,
      (saleRows / median([...saleTimes])) * 1000,
      'rows/s',
    );
    const saleCpu = median([...(cpuTimes.get('sales') ?? [])]);
    report(
      `  CPU per push (median), rows per CPU-second`,
      (saleRows / saleCpu) * 1000,
      `rows/s (${saleCpu.toFixed(0)} ms)`,
    );
    reportMainThread(median([...(mainTimes.get('sales') ?? [])]), saleCpu);

    // One group of 10,000 products, then more up to PULL_ROWS rows in all.
    const productTimes: number[] = [];
    let loaded = saleRows * SALE_ROUNDS;
    while (loaded < PULL_ROWS) {
      productTimes.push(await pushOnce(bodyOf(productGroup()), PUSH_ROWS, 'products'));
      loaded += PUSH_ROWS;
    }
    report(
      `push 1 group of ${PUSH_ROWS} products (HTTP, first)`,
      (PUSH_ROWS / (productTimes[0] ?? 1)) * 1000,
      'rows/s',
    );
    report(
      `push 1 group of ${PUSH_ROWS} products (median of ${productTimes.length})`,
      (PUSH_ROWS / median([...productTimes])) * 1000,
      'rows/s',
    );
    const productCpu = median([...(cpuTimes.get('products') ?? [])]);
    report(
      `  CPU per push (median), rows per CPU-second`,
      (PUSH_ROWS / productCpu) * 1000,
      `rows/s (${productCpu.toFixed(0)} ms)`,
    );
    reportMainThread(median([...(mainTimes.get('products') ?? [])]), productCpu);

    // Where push time goes: parse, verify, plan and write, on the same database, no HTTP.
    for (const [label, groups] of [
      [`${SALES} sale groups`, saleGroups()],
      [`1 group of ${PUSH_ROWS} products`, productGroup()],
    ] as const) {
      const body = bodyOf(groups);
      // Each step's median over 5 rolled-back runs: one slow run on a shared machine does not decide.
      const runs: ({ parseMs: number; applyMs: number } & PushTimings)[] = [];
      for (let run = 0; run < 5; run++) {
        const [parsed, parseMs] = await timed(async () => JSON.parse(body) as { groups: WriteGroup[] });
        await direct.query('BEGIN');
        const [result, applyMs] = await timed(() =>
          applyGroups(
            direct,
            parsed.groups,
            { stationId, ceiling: 'admin' },
            { nowMs: Date.now(), clockAheadMs: 60_000 },
          ),
        );
        await direct.query('ROLLBACK');
        runs.push({ parseMs, applyMs, ...result.timings });
      }
      const mid = (pick: (run: (typeof runs)[number]) => number) => median(runs.map(pick));
      const parseMs = mid((r) => r.parseMs);
      const applyMs = mid((r) => r.applyMs);
      const verifyMs = mid((r) => r.verifyMs);
      const loadMs = mid((r) => r.loadMs);
      const planMs = mid((r) => r.planMs);
      const writeMs = mid((r) => r.writeMs);
      report(`  ${label}: JSON.parse (${(body.length / 1e6).toFixed(1)} MB)`, parseMs, 'ms');
      report(`  ${label}: verify signatures`, verifyMs, 'ms');
      report(`  ${label}: load (stored rows, references, merges, series)`, loadMs, 'ms');
      report(`  ${label}: plan (decide)`, planMs, 'ms');
      report(`  ${label}: write (statements, history, conflicts)`, writeMs, 'ms');
      report(`  ${label}: apply in all (transaction only)`, applyMs, 'ms');
    }

    // Ed25519 (what the server does) against HMAC-SHA256 (a key the server would also hold), per sale group.
    const one = saleGroups()[0] as WriteGroup;
    const bytes = groupSigningBytes(one, stationId);
    const hmacKey = randomBytes(32);
    report(
      '  per sale group: canonical bytes',
      micro(() => groupSigningBytes(one, stationId)),
      'µs',
    );
    const sortedRows = {
      ...one,
      changes: one.changes.map((c) => ({ ...c, row: Object.fromEntries(Object.entries(c.row).sort()) as AnyRow })),
    };
    report(
      '  per sale group: canonical bytes, keys sent sorted',
      micro(() => groupSigningBytes(sortedRows, stationId)),
      'µs',
    );
    report(
      '  per sale group: Ed25519 verify',
      micro(() => verifyGroup(stored.publicKey, bytes, one.signature)),
      'µs',
    );
    report(
      '  per sale group: HMAC-SHA256',
      micro(() => createHmac('sha256', hmacKey).update(bytes).digest()),
      'µs',
    );
    report(
      '  per sale group: verifyAll (bytes + Ed25519)',
      micro(() => verifyAll([{ publicKey: stored.publicKey, group: one, stationId }])),
      'µs',
    );
    await direct.end();

    // Pull: from cursor 0 in pages, parsing every page as the station does.
    // As a station on this machine asks (no compression), and as one across a network does.
    const runs = [
      { format: 'columns', limit: PAGE, encoding: 'identity' },
      { format: 'rows', limit: PAGE, encoding: 'identity' },
      { format: 'columns', limit: BIG_PAGE, encoding: 'identity' },
      { format: 'columns', limit: PAGE, encoding: 'gzip' },
    ] as const;
    for (const { format, limit, encoding } of runs) {
      let cursor = 0;
      let rows = 0;
      let bytes = 0;
      let parseTotal = 0;
      let wireBytes = 0;
      const [, pullMs] = await timed(async () => {
        for (;;) {
          const response = await fetch(`${base}/sync/pull?cursor=${cursor}&limit=${limit}&format=${format}`, {
            headers: { authorization: `Bearer ${stationToken}`, 'accept-encoding': encoding },
          });
          wireBytes += Number(response.headers.get('content-length') ?? 0);
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
      const how = encoding === 'gzip' ? ', gzipped' : '';
      report(`pull ${rows} rows, pages of ${limit}, format=${format}${how}`, (rows / pullMs) * 1000, 'rows/s');
      if (encoding === 'gzip') report(`  bytes sent (JSON ${(bytes / 1e6).toFixed(1)} MB)`, wireBytes / 1e6, 'MB');
      report(`  of which client JSON.parse (${(bytes / 1e6).toFixed(1)} MB)`, parseTotal, 'ms');
      report(`  total`, pullMs, 'ms');
    }
    let cursor = 0;
    const [, sqlMs] = await timed(async () => {
      for (;;) {
        const page = await readPullPage(app.db, cursor, PAGE, 'columns', 'admin');
        cursor = page.cursor;
        if (!page.hasMore) break;
      }
    });
    report(`  pull SQL alone (all pages, columns)`, sqlMs, 'ms');
  } finally {
    await server.close();
  }
}

await main();
