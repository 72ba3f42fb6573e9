/**
 * The chaos harness: real `station serve` processes reach the real API through a fault proxy
 * on loopback while a seeded random schedule writes (products, customers, sales, purchases,
 * NUL-bearing and oversized fields) and breaks things (connection cuts, partitions, hung
 * routes, delays, stations and the API SIGKILLed and restarted, the notifier's PostgreSQL
 * session terminated, a station's clock jumping 10 minutes ahead and back); one station's
 * clock runs 2 minutes behind. With `restore`, the
 * central database is dumped (pg_dump) a third of the way in and restored from that dump two
 * thirds of the way in, so every station must notice the new epoch and reconcile. Then the
 * route heals and the run checks what a shop would:
 * - every station holds exactly what the server holds, nothing pending;
 * - every write a station acknowledged is on the server (at that version or a later one);
 * - stock per product equals the sum of every movement acknowledged anywhere (a product
 *   created twice with one SKU, merged by the server, counts once);
 * - sale numbers are unique across the shop.
 * Same seed, same schedule (the timing of processes still varies).
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type AnyRow, TABLE_NAMES, type TableName, versionMillis } from '@mostrador/common';
import pg from 'pg';
import { Station } from '../../desktop/src/core/index.js';
import { migrateCentral } from '../../server/src/db/migrate.js';
import { FaultProxy } from '../../test/support/fault-proxy.js';
import { freePort } from '../../test/support/ports.js';
import { serverState, type TablesState } from '../../test/support/station.js';
import { ApiProcess, type Line, StationProcess, trace } from './processes.js';

export interface ChaosOptions {
  stations: number;
  ops: number;
  seed: number;
  /** A PostgreSQL URL with rights to create databases; the run makes its own and drops it. */
  adminDatabaseUrl: string;
  log?: (line: string) => void;
  /** Longest wait for convergence once the faults stop. */
  convergeTimeoutMs?: number;
  /** Dump the central database a third of the way in and restore it two thirds in. */
  restore?: boolean;
}

export interface ChaosReport {
  seed: number;
  stations: number;
  operations: Record<string, number>;
  faults: Record<string, number>;
  acknowledged: number;
  refusedAtTheDoor: number;
  /** Stations that reconciled with a new server epoch (after `restore`), and integrity repairs. */
  reconciled: number;
  repairs: number;
  convergeMs: number | null;
  problems: string[];
}

/** mulberry32: small, seedable, good enough to pick operations. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

interface Acked {
  table: TableName;
  id: string;
  version: string;
  /** When the station acknowledged it (real time). */
  at: number;
}

class Run {
  readonly rng: () => number;
  readonly report: ChaosReport;
  readonly acked: Acked[] = [];
  /** Stock each product should have: the sum of every acknowledged movement. */
  readonly stock = new Map<string, number>();
  readonly products: string[] = [];
  readonly customers: string[] = [];
  private skus = 0;

  constructor(
    readonly options: ChaosOptions,
    readonly api: ApiProcess,
    readonly proxy: FaultProxy,
    readonly stations: StationProcess[],
    readonly databaseUrl: string,
  ) {
    this.rng = random(options.seed);
    this.report = {
      seed: options.seed,
      stations: options.stations,
      operations: {},
      faults: {},
      acknowledged: 0,
      refusedAtTheDoor: 0,
      reconciled: 0,
      repairs: 0,
      convergeMs: null,
      problems: [],
    };
  }

  pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.rng() * items.length)] as T;
  }

  count(bucket: Record<string, number>, key: string): void {
    bucket[key] = (bucket[key] ?? 0) + 1;
  }

  log(line: string): void {
    trace('harness', line);
    this.options.log?.(line);
  }

  ack(line: Line, table: TableName): AnyRow | null {
    if (line.ok !== true) return null;
    const row = line.row as AnyRow;
    this.acked.push({ table, id: row.id, version: row.version, at: Date.now() });
    this.report.acknowledged += 1;
    return row;
  }

  /** One write on a running station; a station killed meanwhile simply does not acknowledge. */
  async write(): Promise<void> {
    const running = this.stations.filter((s) => s.running);
    if (running.length === 0) return;
    const station = this.pick(running);
    const roll = this.rng();
    const op =
      roll < 0.3
        ? 'sale'
        : roll < 0.4
          ? 'purchase'
          : roll < 0.55
            ? 'product-edit'
            : roll < 0.58
              ? 'product-new'
              : roll < 0.6
                ? 'product-twin'
                : roll < 0.75
                  ? 'customer-new'
                  : roll < 0.85
                    ? 'customer-edit'
                    : roll < 0.9
                      ? 'customer-delete'
                      : 'bad-field';
    this.count(this.report.operations, op);
    try {
      await this.perform(station, op);
    } catch (error) {
      this.log(`  ${op} on ${station.name} not acknowledged: ${(error as Error).message.slice(0, 120)}`);
    }
  }

  private async perform(station: StationProcess, op: string): Promise<void> {
    switch (op) {
      case 'sale': {
        const productId = this.pick(this.products);
        const quantity = 1 + Math.floor(this.rng() * 3);
        const reply = await station.command({ cmd: 'sale', items: [{ productId, quantity }], paymentMethod: 'cash' });
        if (reply.ok !== true) return;
        const sale = reply.sale as AnyRow;
        this.acked.push({ table: 'sales', id: sale.id, version: sale.version, at: Date.now() });
        for (const item of reply.items as AnyRow[])
          this.acked.push({ table: 'sale_items', id: item.id, version: item.version, at: Date.now() });
        this.report.acknowledged += 1;
        this.stock.set(productId, (this.stock.get(productId) ?? 0) - quantity);
        return;
      }
      case 'purchase': {
        const productId = this.pick(this.products);
        const quantity = 1 + Math.floor(this.rng() * 10);
        const row = { productId, quantity, kind: 'purchase', stationId: station.stationId };
        const acked = this.ack(await station.command({ cmd: 'put', table: 'stock_movements', row }), 'stock_movements');
        if (acked) this.stock.set(productId, (this.stock.get(productId) ?? 0) + quantity);
        return;
      }
      case 'product-edit': {
        const row = { id: this.pick(this.products), price: 100 + Math.floor(this.rng() * 10_000) };
        this.ack(await station.command({ cmd: 'put', table: 'products', row }), 'products');
        return;
      }
      case 'product-new': {
        const sku = `CH-${this.options.seed}-${++this.skus}`;
        const row = { sku, name: `Producto ${sku}`, price: 500, active: true };
        const acked = this.ack(await station.command({ cmd: 'put', table: 'products', row }), 'products');
        if (acked) this.products.push(acked.id);
        return;
      }
      case 'product-twin': {
        // The same new SKU created at two stations, apart: the server merges them into one,
        // and the sales and movements of both count against it (checkStock follows mergedInto).
        const sku = `TW-${this.options.seed}-${++this.skus}`;
        const others = this.stations.filter((s) => s.running && s !== station);
        for (const at of [station, ...others.slice(0, 1)]) {
          const row = { sku, name: `Gemelo ${sku}`, price: 700, active: true };
          const acked = this.ack(await at.command({ cmd: 'put', table: 'products', row }), 'products');
          if (acked) this.products.push(acked.id);
        }
        return;
      }
      case 'customer-new': {
        const row = { name: `Cliente ${Math.floor(this.rng() * 1e6)} ñ` };
        const acked = this.ack(await station.command({ cmd: 'put', table: 'customers', row }), 'customers');
        if (acked) this.customers.push(acked.id);
        return;
      }
      case 'customer-edit': {
        if (this.customers.length === 0) return;
        const row = { id: this.pick(this.customers), phone: `555-${Math.floor(this.rng() * 1e4)}` };
        this.ack(await station.command({ cmd: 'put', table: 'customers', row }), 'customers');
        return;
      }
      case 'customer-delete': {
        if (this.customers.length === 0) return;
        const reply = await station.command({ cmd: 'delete', table: 'customers', id: this.pick(this.customers) });
        if (reply.ok === true) this.report.acknowledged += 1;
        return;
      }
      case 'bad-field': {
        const name = this.rng() < 0.5 ? `Nul\u0000${this.rng()}` : 'x'.repeat(5_000);
        const reply = await station.command({ cmd: 'put', table: 'customers', row: { name } });
        if (reply.ok === true) this.report.problems.push(`a station accepted a bad field (${name.length} chars)`);
        else this.report.refusedAtTheDoor += 1;
      }
    }
  }

  /** One fault; each heals itself before the next operation or shortly after. */
  async fault(): Promise<void> {
    const roll = this.rng();
    const kind =
      roll < 0.2
        ? 'cut'
        : roll < 0.35
          ? 'partition'
          : roll < 0.45
            ? 'hang'
            : roll < 0.55
              ? 'delay'
              : roll < 0.68
                ? 'kill-station'
                : roll < 0.75
                  ? 'clock-jump'
                  : roll < 0.9
                    ? 'kill-api'
                    : 'kill-notifier';
    this.count(this.report.faults, kind);
    this.log(`fault: ${kind}`);
    switch (kind) {
      case 'cut':
        this.proxy.cut();
        return;
      case 'partition':
        this.proxy.setMode('reset');
        await sleep(200 + this.rng() * 1_000);
        this.proxy.setMode('forward');
        return;
      case 'hang':
        this.proxy.setMode('hang');
        await sleep(300 + this.rng() * 1_000);
        this.proxy.setMode('forward');
        return;
      case 'delay':
        this.proxy.delayMs = 20 + Math.floor(this.rng() * 80);
        await sleep(500);
        this.proxy.delayMs = 0;
        return;
      case 'kill-station': {
        const station = this.pick(this.stations);
        await station.kill();
        await sleep(this.rng() * 500);
        await station.start();
        return;
      }
      case 'clock-jump': {
        // A station's clock jumps 10 minutes ahead (or is put right again): it restarts with
        // the new time and writes before it hears from the server that it is off.
        const station = this.pick(this.stations);
        await station.kill();
        const jumped = station.clockOffsetMs !== station.baseClockOffsetMs;
        station.clockOffsetMs = station.baseClockOffsetMs + (jumped ? 0 : 600_000);
        await station.start();
        return;
      }
      case 'kill-api':
        await this.api.kill();
        await sleep(this.rng() * 500);
        await this.api.start();
        return;
      case 'kill-notifier': {
        const db = new pg.Client({ connectionString: this.databaseUrl });
        await db.connect();
        try {
          await db.query(
            `SELECT pg_terminate_backend(pid) FROM pg_stat_activity
             WHERE datname = current_database() AND pid <> pg_backend_pid() AND application_name = 'mostrador-listen'`,
          );
        } finally {
          await db.end();
        }
      }
    }
  }
}

async function dumpDatabase(run: Run, url: string, file: string): Promise<void> {
  run.count(run.report.faults, 'pg_dump');
  run.log('fault: pg_dump of the central database');
  execFileSync('pg_dump', ['-Fc', '-f', file, url]);
}

/** The API goes down, its database is replaced by the dump's, and it comes back: a new epoch. */
async function restoreDatabase(run: Run, adminUrl: string, url: string, file: string): Promise<void> {
  run.count(run.report.faults, 'restore');
  run.log('fault: the central database restored from the dump');
  await run.api.kill();
  const name = new URL(url).pathname.slice(1);
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  try {
    await admin.query(`DROP DATABASE ${name} WITH (FORCE)`);
    await admin.query(`CREATE DATABASE ${name}`);
  } finally {
    await admin.end();
  }
  execFileSync('pg_restore', ['--no-owner', '-d', url, file]);
  await run.api.start();
}

async function createDatabase(adminUrl: string): Promise<{ url: string; drop: () => Promise<void> }> {
  const name = `mostrador_chaos_${randomBytes(5).toString('hex')}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`).finally(() => admin.end());
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    async drop() {
      const client = new pg.Client({ connectionString: adminUrl });
      await client.connect();
      await client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`).finally(() => client.end());
    },
  };
}

/** Where a station's state differs from the server's, in words (null when it does not). */
function difference(station: TablesState, server: TablesState): string | null {
  for (const table of TABLE_NAMES) {
    if (JSON.stringify(station[table]) === JSON.stringify(server[table])) continue;
    const theirs = new Map(server[table].map((row) => [row.id, row]));
    const mine = new Map(station[table].map((row) => [row.id, row]));
    for (const [id, row] of mine) {
      const other = theirs.get(id);
      if (!other) return `${table}: ${id} only on the station`;
      if (JSON.stringify(row) !== JSON.stringify(other))
        return `${table}: ${id} station ${JSON.stringify(row)} server ${JSON.stringify(other)}`;
    }
    for (const id of theirs.keys()) if (!mine.has(id)) return `${table}: ${id} missing on the station`;
  }
  return null;
}

async function serverHead(url: string, token: string): Promise<number> {
  const response = await fetch(`${url}/sync/pull?cursor=0&limit=1&format=columns`, {
    headers: { authorization: `Bearer ${token}` },
  });
  return ((await response.json()) as { head: number }).head;
}

/** Every station synced, nothing pending, at the server's head (not its own idea of it). */
async function converge(run: Run, token: string, timeoutMs: number): Promise<number | null> {
  const started = Date.now();
  while (Date.now() - started < timeoutMs) {
    const statuses = await Promise.all(
      run.stations.map((s) => s.command({ cmd: 'sync' }, 20_000).then(() => s.command({ cmd: 'status' }))),
    ).catch(() => null);
    const head = await serverHead(run.api.url, token).catch(() => -1);
    if (statuses?.every((s) => s.ok === true && s.pending === 0 && Number(s.cursor) === head)) {
      return Date.now() - started;
    }
    await sleep(250);
  }
  return null;
}

export async function runChaos(options: ChaosOptions): Promise<ChaosReport> {
  const log = (line: string) => {
    trace('harness', line);
    options.log?.(line);
  };
  const database = await createDatabase(options.adminDatabaseUrl);
  const folder = mkdtempSync(join(tmpdir(), 'mostrador-chaos-'));
  const adminPassword = `chaos-${randomBytes(6).toString('hex')}`;
  const api = new ApiProcess(await freePort(), {
    DATABASE_URL: database.url,
    JWT_SECRET: randomBytes(32).toString('hex'),
    ADMIN_PASSWORD: adminPassword,
  });
  let proxy: FaultProxy | null = null;
  const stations: StationProcess[] = [];
  // The first station's token reads the server's state for the checks.
  let stationToken = '';
  try {
    await migrateCentral(database.url);
    await api.start();
    proxy = await FaultProxy.start(api.port);
    for (let i = 0; i < options.stations; i += 1) {
      const name = `caja-${i + 1}`;
      const dataDir = join(folder, name);
      const enrolled = await Station.enroll({
        dataDir,
        serverUrl: proxy.url,
        name,
        username: 'admin',
        password: adminPassword,
      });
      await enrolled.sync.pullChanges();
      stationToken ||= enrolled.store.meta.get('stationToken') ?? '';
      enrolled.close();
      stations.push(
        new StationProcess(name, dataDir, {
          // Writes are signed by the enrolling admin once serve logs in (PROTOCOL.md).
          MOSTRADOR_PASSWORD: adminPassword,
          MOSTRADOR_REQUEST_TIMEOUT_MS: '3000',
          ...(i === 1 ? { MOSTRADOR_CLOCK_OFFSET_MS: String(-120_000) } : {}),
        }),
      );
    }
    await Promise.all(stations.map((s) => s.start()));
    const run = new Run(options, api, proxy, stations, database.url);

    // A catalogue everyone sells from.
    const first = stations[0] as StationProcess;
    for (let i = 0; i < 5; i += 1) {
      const reply = await first.command({
        cmd: 'put',
        table: 'products',
        row: { sku: `BASE-${i}`, name: `Base ${i}`, price: 1000, active: true },
      });
      const row = run.ack(reply, 'products');
      if (row) run.products.push(row.id);
    }
    await first.command({ cmd: 'sync' });
    await Promise.all(stations.map((s) => s.command({ cmd: 'sync' })));

    const dumpFile = join(folder, 'central.dump');
    for (let op = 0; op < options.ops; op += 1) {
      if (options.restore && op === Math.floor(options.ops / 3)) await dumpDatabase(run, database.url, dumpFile);
      if (options.restore && op === Math.floor((2 * options.ops) / 3)) {
        await restoreDatabase(run, options.adminDatabaseUrl, database.url, dumpFile);
      }
      if (run.rng() < 0.1) await run.fault();
      else await run.write();
      await sleep(run.rng() * 20);
    }

    log('healing: every fault off, every process up');
    proxy.setMode('forward');
    proxy.delayMs = 0;
    await api.start().catch(() => {});
    for (const station of stations) if (!station.running) await station.start();
    run.report.convergeMs = await converge(run, stationToken, options.convergeTimeoutMs ?? 60_000);
    if (run.report.convergeMs === null) run.report.problems.push('the stations did not converge in time');

    await Promise.all(stations.map((s) => s.stop()));
    for (const station of stations) {
      const reconciled = station.eventCounts.get('reconciled') ?? 0;
      run.report.reconciled += reconciled;
      if (options.restore && reconciled === 0) run.report.problems.push(`${station.name} never reconciled`);
    }
    for (const station of stations) {
      for (const line of station.events('checked')) {
        if (line.status !== 'repaired') continue;
        run.report.repairs += 1;
        run.log(`${station.name} repaired ${JSON.stringify(line.repaired)}`);
      }
    }
    const server = await serverState(api.url, stationToken);
    for (const station of stations) {
      const opened = Station.open({ dataDir: station.dataDir });
      try {
        const dump = opened.dump();
        if (dump.pending !== 0) run.report.problems.push(`${station.name} still has ${dump.pending} rows pending`);
        const differs = difference(dump.tables, server);
        if (differs) run.report.problems.push(`${station.name} differs from the server: ${differs}`);
      } finally {
        opened.close();
      }
    }
    checkAcknowledged(run, server);
    checkStock(run, server);
    const numbers = server.sales.map((s) => s.number);
    if (new Set(numbers).size !== numbers.length) run.report.problems.push('a sale number repeats');
    const keepIn = process.env.CHAOS_TRACE;
    if (keepIn && run.report.problems.length > 0) {
      // The evidence of a failed run: every station's folder and the server's database.
      cpSync(folder, join(keepIn, 'stations'), { recursive: true });
      execFileSync('pg_dump', ['-Fc', '-f', join(keepIn, 'server.dump'), database.url]);
    }
    return run.report;
  } finally {
    await Promise.all(stations.map((s) => s.kill()));
    await proxy?.close();
    await api.stop();
    await database.drop().catch(() => {});
    rmSync(folder, { recursive: true, force: true });
  }
}

function checkAcknowledged(run: Run, server: TablesState): void {
  const held = new Map<string, string>();
  const merged = new Set<string>();
  for (const table of TABLE_NAMES) {
    for (const row of server[table]) {
      held.set(`${table}:${row.id}`, row.version);
      if (row.mergedInto) merged.add(`${table}:${row.id}`);
    }
  }
  for (const { table, id, version, at } of run.acked) {
    const stored = held.get(`${table}:${id}`);
    // A write stamped by a clock that had jumped ahead is re-stamped from real time before it
    // is sent: it must be there, at a version of its own time or later.
    // (Re-stamped when more than 30 s ahead of the corrected clock at push time: FUTURE_MARGIN_MS.)
    const fromTheFuture = versionMillis(version) > at + 25_000;
    if (stored === undefined) run.report.problems.push(`acknowledged ${table} ${id} is not on the server`);
    // A product merged into another takes no more edits: an edit made before its station
    // heard of the merge is answered with the merged row.
    else if (stored < version && !fromTheFuture && !merged.has(`${table}:${id}`)) {
      run.report.problems.push(
        `acknowledged ${table} ${id}@${version} (at ${new Date(at).toISOString()}) lost to an older one (${stored})`,
      );
    }
  }
}

function checkStock(run: Run, server: TablesState): void {
  const sums = new Map<string, number>();
  for (const movement of server.stock_movements) {
    const id = movement.productId as string;
    sums.set(id, (sums.get(id) ?? 0) + (movement.quantity as number));
  }
  // A product merged into another (the same SKU made twice) counts against the live one.
  const into = new Map(server.products.map((p) => [p.id, (p.mergedInto as string | null) ?? p.id]));
  const expectedOf = new Map<string, number>();
  for (const [productId, quantity] of run.stock) {
    const live = into.get(productId) ?? productId;
    expectedOf.set(live, (expectedOf.get(live) ?? 0) + quantity);
  }
  for (const [productId, expected] of expectedOf) {
    const actual = sums.get(productId) ?? 0;
    if (actual !== expected)
      run.report.problems.push(`stock of ${productId} is ${actual}, movements made say ${expected}`);
  }
  for (const [productId, merged] of into) {
    if (merged !== productId && (sums.get(productId) ?? 0) !== 0) {
      run.report.problems.push(`product ${productId}, merged into ${merged}, still has movements of its own`);
    }
  }
}
