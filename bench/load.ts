/**
 * Load: many stations at once against one API process on a real PostgreSQL — pushes, pulls
 * and live notices together.
 *
 *   npm run load -- --stations 200 --seconds 60 [--no-live] [--items 3] [--commit-pushes N] [--rate R]
 *
 * The API is the built server (`node server/dist/main.js`) in its own process, so its memory
 * is its own (VmRSS before and after the run). Each simulated station enrolls, opens its
 * live socket (/sync/ws: it keeps its cursor from notice pages and pulls over HTTP when a
 * notice does not start at its cursor), and pushes sales as fast as they are answered: a
 * sale, its items and their stock movements, one write group signed with the admin's key
 * (unsealed with the admin's password, as a logged-in station would). Prints throughput,
 * push latency percentiles, errors (zero expected) and the server's memory.
 * Figures only: nothing here fails on a time; a run with errors exits 1.
 *
 * As fast as answered, every station always has a push in flight, so by Little's law the
 * mean latency is stations / throughput (200 stations at 1,000 pushes/s: 200 ms). `--rate R`
 * paces the crowd to offer R pushes/s in all instead, which shows the latency at that load.
 */
import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import http from 'node:http';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import {
  type AnyRow,
  groupSigningBytes,
  HybridLogicalClock,
  newId,
  newNodeId,
  type PushResponse,
  signGroup,
  unsealUserKey,
  type WriteGroupBody,
} from '@mostrador/common';
import pg from 'pg';
import WebSocket from 'ws';
import { benchDatabase, report, startApiProcess } from './support.js';

export interface LoadOptions {
  stations: number;
  seconds: number;
  live: boolean;
  items: number;
  /** Pushes per second offered by the whole crowd (paced); absent: each station pushes as fast as answered. */
  rate?: number;
  /** Extra environment for the API process (e.g. GROUP_COMMIT_MAX_PUSHES=1: a commit per push). */
  serverEnv?: Record<string, string>;
}

export interface LoadResult {
  pushes: number;
  pushesPerSecond: number;
  rowsPerSecond: number;
  p50: number;
  p99: number;
  errors: number;
  /** 429 answers waited out and retried (not errors, but the crowd was over the server's limits). */
  throttled: number;
  notices: number;
  pulls: number;
  rssBeforeMb: number;
  rssAfterMb: number;
}

const PRODUCTS = 200;

function rssMb(child: ChildProcess): number {
  const status = readFileSync(`/proc/${child.pid}/status`, 'utf8');
  const kb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? Number.NaN);
  return kb / 1024;
}

async function json<T>(response: Response): Promise<T> {
  const body = (await response.json()) as T;
  if (!response.ok) throw new Error(`${response.status}: ${JSON.stringify(body)}`);
  return body;
}

/**
 * Pushes go through node:http on kept-alive connections rather than fetch: fetch's own
 * cost per request (streams, abort signals) would make the load tool, which shares the
 * machine, the bottleneck it is meant to measure.
 */
const agent = new http.Agent({ keepAlive: true, maxSockets: 1024 });

function post(
  url: string,
  token: string,
  body: string,
): Promise<{ status: number; body: string; retryAfter: string | undefined }> {
  return new Promise((resolve, reject) => {
    const request = http.request(
      url,
      {
        method: 'POST',
        agent,
        headers: {
          'content-type': 'application/json',
          'content-length': Buffer.byteLength(body),
          authorization: `Bearer ${token}`,
        },
      },
      (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () =>
          resolve({
            status: response.statusCode ?? 0,
            body: Buffer.concat(chunks).toString('utf8'),
            retryAfter: response.headers['retry-after'],
          }),
        );
        response.on('error', reject);
      },
    );
    request.on('error', reject);
    request.end(body);
  });
}

const percentile = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))] ?? 0;

/** One simulated station: its token, its clock, and what it has seen. */
class LoadStation {
  cursor = 0;
  notices = 0;
  pulls = 0;
  /** Pushes answered 429 (then retried after Retry-After). */
  throttled = 0;
  private socket: WebSocket | null = null;
  private pulling = false;
  private readonly clock = new HybridLogicalClock(newNodeId());

  constructor(
    readonly url: string,
    readonly id: string,
    readonly token: string,
  ) {}

  openLive(): Promise<void> {
    const ws = new WebSocket(`${this.url.replace('http', 'ws')}/sync/ws`, {
      headers: { authorization: `Bearer ${this.token}` },
    });
    this.socket = ws;
    ws.on('message', (data) => {
      const message = JSON.parse(String(data)) as { type: string; cursor?: number; from?: number; page?: unknown };
      if (message.type !== 'changes' || message.cursor === undefined) return;
      this.notices += 1;
      if (message.page && message.from === this.cursor) this.cursor = message.cursor;
      else if (message.cursor > this.cursor) void this.pull();
    });
    return new Promise((resolve, reject) => {
      ws.once('open', () => {
        ws.send(JSON.stringify({ type: 'status', cursor: this.cursor, pending: 0, appVersion: 'load' }));
        resolve();
      });
      ws.once('error', reject);
    });
  }

  private async pull(): Promise<void> {
    if (this.pulling) return;
    this.pulling = true;
    try {
      for (;;) {
        const response = await fetch(`${this.url}/sync/pull?cursor=${this.cursor}&limit=5000&format=columns`, {
          headers: { authorization: `Bearer ${this.token}` },
        });
        const page = await json<{ cursor: number; hasMore: boolean }>(response);
        this.pulls += 1;
        this.cursor = Math.max(this.cursor, page.cursor);
        if (!page.hasMore) return;
      }
    } finally {
      this.pulling = false;
    }
  }

  close(): void {
    this.socket?.close();
  }

  /** A sale with `items` lines and their stock movements, as one signed group. */
  saleGroup(userId: string, key: Parameters<typeof signGroup>[0], productIds: string[], items: number) {
    const now = new Date().toISOString();
    const row = (fields: Record<string, unknown>): AnyRow => ({
      id: newId(),
      createdAt: now,
      updatedAt: now,
      deletedAt: null,
      version: this.clock.tick(),
      updatedBy: userId,
      ...fields,
    });
    const sale = row({
      number: `L-${randomBytes(5).toString('hex')}`,
      stationId: this.id,
      userId,
      customerId: null,
      status: 'completed',
      total: 300 * items,
      paymentMethod: 'cash',
      voidReason: null,
    });
    const changes: WriteGroupBody['changes'] = [{ table: 'sales', row: sale }];
    for (let i = 0; i < items; i += 1) {
      const productId = productIds[Math.floor(Math.random() * productIds.length)] as string;
      changes.push({
        table: 'sale_items',
        row: row({ saleId: sale.id, productId, quantity: 1, unitPrice: 300, discount: 0, lineTotal: 300 }),
      });
      changes.push({
        table: 'stock_movements',
        row: row({ productId, quantity: -1, kind: 'sale', reason: null, refId: sale.id, stationId: this.id }),
      });
    }
    const body: WriteGroupBody = { id: newId(), userId, version: sale.version, changes };
    return { ...body, signature: signGroup(key, groupSigningBytes(body, this.id)) };
  }

  /** Push one group; a 429 is waited out (Retry-After) and retried, as a station does. */
  async push(group: unknown): Promise<PushResponse> {
    const body = JSON.stringify({ batchId: newId(), groups: [group] });
    for (;;) {
      const response = await post(`${this.url}/sync/push`, this.token, body);
      if (response.status === 200) return JSON.parse(response.body) as PushResponse;
      if (response.status !== 429) throw new Error(`${response.status}: ${response.body}`);
      this.throttled += 1;
      const seconds = Number(response.retryAfter ?? 1);
      await new Promise((resolve) => setTimeout(resolve, 1000 * (Number.isFinite(seconds) ? seconds : 1)));
    }
  }
}

export async function runLoad(options: LoadOptions): Promise<LoadResult> {
  const database = await benchDatabase();
  const adminPassword = `load-${randomBytes(8).toString('hex')}`;
  // LOAD_NODE_ARGS: flags for the API's node (e.g. `--cpu-prof --cpu-prof-dir=/tmp/prof` to see where time goes).
  const { url, child } = await startApiProcess(database.url, adminPassword, {
    env: { LOG_LEVEL: process.env.LOAD_LOG_LEVEL ?? 'warn', ...options.serverEnv },
    nodeArgs: process.env.LOAD_NODE_ARGS?.split(' ').filter(Boolean) ?? [],
    stdout: process.env.LOAD_LOG_LEVEL ? 'inherit' : 'ignore',
  });
  const stations: LoadStation[] = [];
  try {
    const login = await json<{ token: string; user: { id: string } }>(
      await fetch(`${url}/auth/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ username: 'admin', password: adminPassword }),
      }),
    );
    const adminId = login.user.id;
    const client = new pg.Client({ connectionString: database.url });
    await client.connect();
    const { rows } = await client.query('SELECT "publicKey", "sealedKey" FROM users WHERE id = $1', [adminId]);
    await client.end();
    const key = await unsealUserKey(rows[0].sealedKey, rows[0].publicKey, adminPassword);

    for (let i = 0; i < options.stations; i += 1) {
      const enrolled = await json<{ stationId: string; stationToken: string }>(
        await fetch(`${url}/stations/enroll`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${login.token}` },
          body: JSON.stringify({ name: `load-${i}` }),
        }),
      );
      stations.push(new LoadStation(url, enrolled.stationId, enrolled.stationToken));
    }
    const first = stations[0] as LoadStation;
    const productIds = Array.from({ length: PRODUCTS }, () => newId());
    const clock = new HybridLogicalClock(newNodeId());
    const now = new Date().toISOString();
    const products = productIds.map((id, n) => ({
      table: 'products',
      row: {
        id,
        createdAt: now,
        updatedAt: now,
        deletedAt: null,
        version: clock.tick(),
        updatedBy: adminId,
        sku: `LOAD-${n}`,
        name: `Producto ${n}`,
        price: 300,
        active: true,
      } as AnyRow,
    }));
    const catalogue: WriteGroupBody = {
      id: newId(),
      userId: adminId,
      version: products[0]?.row.version ?? '',
      changes: products,
    };
    await first.push({ ...catalogue, signature: signGroup(key, groupSigningBytes(catalogue, first.id)) });

    if (options.live) await Promise.all(stations.map((station) => station.openLive()));
    const rssBeforeMb = rssMb(child);
    const latencies: number[] = [];
    let errors = 0;
    let rowsWritten = 0;
    const deadline = performance.now() + options.seconds * 1000;
    const started = performance.now();
    // Paced: each station sends its next push at its own steady interval (or at once when
    // the answer came late), so the crowd offers `rate` pushes/s in all.
    const interval = options.rate ? (1000 * options.stations) / options.rate : 0;
    await Promise.all(
      stations.map(async (station, n) => {
        let next = started + (interval * n) / options.stations;
        while (performance.now() < deadline) {
          if (interval) {
            const wait = next - performance.now();
            if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
            next = Math.max(next + interval, performance.now());
            if (performance.now() >= deadline) break;
          }
          const group = station.saleGroup(adminId, key, productIds, options.items);
          const sent = performance.now();
          try {
            const answer = await station.push(group);
            latencies.push(performance.now() - sent);
            if (answer.groups.some((g) => g.status !== 'applied')) errors += 1;
            else rowsWritten += group.changes.length;
          } catch (error) {
            errors += 1;
            if (errors <= 5) console.error(`push failed: ${String(error)}`);
          }
        }
      }),
    );
    const seconds = (performance.now() - started) / 1000;
    // Let the last notices land before counting them.
    await new Promise((resolve) => setTimeout(resolve, 500));
    const rssAfterMb = rssMb(child);
    latencies.sort((a, b) => a - b);
    return {
      pushes: latencies.length,
      pushesPerSecond: latencies.length / seconds,
      rowsPerSecond: rowsWritten / seconds,
      p50: percentile(latencies, 0.5),
      p99: percentile(latencies, 0.99),
      errors,
      throttled: stations.reduce((sum, s) => sum + s.throttled, 0),
      notices: stations.reduce((sum, s) => sum + s.notices, 0),
      pulls: stations.reduce((sum, s) => sum + s.pulls, 0),
      rssBeforeMb,
      rssAfterMb,
    };
  } finally {
    for (const station of stations) station.close();
    agent.destroy();
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    await exited;
    await database.close();
  }
}

export function printLoad(label: string, options: LoadOptions, result: LoadResult): void {
  const pace = options.rate ? `, paced at ${options.rate}/s` : ', as fast as answered';
  const name = `${label} (${options.stations} stations, ${options.items * 2 + 1}-row sales${pace}${options.live ? ', live' : ''})`;
  report(`${name}: pushes`, result.pushes, 'pushes');
  report(`${name}: throughput`, result.pushesPerSecond, 'pushes/s');
  report(`${name}: rows`, result.rowsPerSecond, 'rows/s');
  report(`${name}: push latency p50`, result.p50, 'ms');
  report(`${name}: push latency p99`, result.p99, 'ms');
  report(`${name}: errors`, result.errors, '');
  report(`${name}: pushes throttled (429, retried)`, result.throttled, '');
  if (options.live) {
    report(`${name}: live notices received`, result.notices, '');
    report(`${name}: HTTP pulls`, result.pulls, '');
  }
  report(`${name}: server RSS before`, result.rssBeforeMb, 'MB');
  report(`${name}: server RSS after`, result.rssAfterMb, 'MB');
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { values } = parseArgs({
    options: {
      stations: { type: 'string', default: '200' },
      seconds: { type: 'string', default: '60' },
      items: { type: 'string', default: '3' },
      'no-live': { type: 'boolean', default: false },
      // Most pushes sharing one commit on the API (1: a commit per push, as before group commit).
      'commit-pushes': { type: 'string' },
      // Pushes/s offered by the whole crowd, paced evenly over the stations (default: as fast as answered).
      rate: { type: 'string' },
    },
  });
  const options: LoadOptions = {
    stations: Number(values.stations),
    seconds: Number(values.seconds),
    items: Number(values.items),
    live: !values['no-live'],
    ...(values.rate ? { rate: Number(values.rate) } : {}),
    serverEnv: values['commit-pushes'] ? { GROUP_COMMIT_MAX_PUSHES: values['commit-pushes'] } : {},
  };
  const result = await runLoad(options);
  printLoad('load', options, result);
  process.exit(result.errors > 0 ? 1 : 0);
}
