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
 * push latency percentiles, notices and pulls per second, the time from a notice to the
 * pull that reached it, errors (zero expected: failed pushes and pulls, a cursor going
 * back, a station not at the final head within 15 s of the last push) and the server's memory
 * before, halfway and after (the first half holds the warm-up; the second should add nothing).
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
  /** Notices whose page a station applied instead of pulling. */
  pagesApplied: number;
  seconds: number;
  /** Per notice ahead of a station, ms until a pull brought the station to it: p50, p99. */
  noticeToPulledP50: number;
  noticeToPulledP99: number;
  /** A pull's own request → answer, p50 and p99. */
  pullP50: number;
  pullP99: number;
  /** Stations not at the final head within CONVERGE_MS after the last push (counted in errors too). */
  behind: number;
  /** Pulls that failed (retried; counted in errors too). */
  pullErrors: number;
  rssBeforeMb: number;
  /** RSS halfway through the run: against `rssAfterMb`, growth past the warm-up (flat means none). */
  rssHalfwayMb: number;
  rssAfterMb: number;
  /** CPU time the API and this load tool used during the run (wall-clock figures depend on what else runs). */
  apiCpuMs: number;
  toolCpuMs: number;
}

const PRODUCTS = 200;
/** After the last push, every live station must reach the final head within this. */
const CONVERGE_MS = 15_000;

/** CPU time the API process has used so far, user and system (ms; /proc ticks are 10 ms). */
function cpuMs(child: ChildProcess): number {
  const stat = readFileSync(`/proc/${child.pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

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

/**
 * What a simulated station reads of a notice: its head, without the page. The server builds
 * a notice as `{"type":"changes","cursor":N,"from":F,"page":…}` (pull-body.ts); a real station
 * parses and applies the page on its own machine, but 200 of them parsing every page in this
 * one process would make the load tool, which shares the machine, what is measured.
 */
function noticeHead(data: Buffer): { type: string; cursor: number; from: number | null; page: boolean } | null {
  const head = data.subarray(0, 120).toString('latin1');
  const type = /^\{"type":"(\w+)"/.exec(head)?.[1];
  const cursor = /"(?:cursor|head)":(\d+)/.exec(head)?.[1];
  if (!type || cursor === undefined) return null;
  const from = /"from":(\d+)/.exec(head)?.[1];
  return {
    type,
    cursor: Number(cursor),
    from: from === undefined ? null : Number(from),
    page: head.includes('"page":'),
  };
}

/**
 * The tail of a pull answer, `…,"cursor":N,"head":N,"hasMore":B,"epoch":"…"}` (pull-body.ts),
 * or the whole parse: like the pages of notices, the rows are a real station's work.
 */
function pullTail(body: Buffer): { cursor: number; hasMore: boolean } {
  const end = body.subarray(-200).toString('latin1');
  const tail = /"cursor":(\d+),"head":\d+,"hasMore":(true|false),"epoch":"[^"]*"\}$/.exec(end);
  if (tail) return { cursor: Number(tail[1]), hasMore: tail[2] === 'true' };
  return JSON.parse(body.toString()) as { cursor: number; hasMore: boolean };
}

function get(url: string, token: string): Promise<{ status: number; body: Buffer }> {
  return new Promise((resolve, reject) => {
    const request = http.get(url, { agent, headers: { authorization: `Bearer ${token}` } }, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, body: Buffer.concat(chunks) }));
      response.on('error', reject);
    });
    request.on('error', reject);
  });
}

/** A pull that failed is tried again after this long, as a station's live client does. */
const PULL_RETRY_MS = 1_000;
const MAX_PULL_ROUNDS = 50;

/** One simulated station: its token, its clock, and what it has seen. */
class LoadStation {
  cursor = 0;
  notices = 0;
  pulls = 0;
  pagesApplied = 0;
  pullErrors = 0;
  /** A pull answered with a cursor behind the station's: changes out of order (never expected). */
  outOfOrder = 0;
  /** Pushes answered 429 (then retried after Retry-After). */
  throttled = 0;
  /** Per notice ahead of the station: ms until the station's cursor reached it (by a pull / by its page). */
  readonly pulledLatencies: number[] = [];
  readonly pageLatencies: number[] = [];
  /** Per pull: ms from the request to its answer. */
  readonly pullAnswers: number[] = [];
  /** Notices not reached yet, in cursor order: [cursor, arrival]. */
  private readonly waiting: Array<[number, number]> = [];
  private noticed = 0;
  private socket: WebSocket | null = null;
  private pulling = false;
  private pullAgain = false;
  private closed = false;
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
    ws.on('message', (data: Buffer) => {
      const message = noticeHead(data);
      if (message?.type !== 'changes') return;
      this.onNotice(message);
    });
    return new Promise((resolve, reject) => {
      ws.once('open', () => {
        ws.send(JSON.stringify({ type: 'status', cursor: this.cursor, pending: 0, appVersion: 'load' }));
        resolve();
      });
      ws.once('error', reject);
    });
  }

  /**
   * As the station's live client: a notice at or behind the cursor costs nothing; one whose
   * page starts at the cursor (and no pull running) is applied; any other makes a pull, or,
   * while one runs, marks that one more pull is due when it ends: never a pull per notice.
   */
  private onNotice(message: { cursor: number; from: number | null; page: boolean }): void {
    this.notices += 1;
    if (message.cursor <= this.cursor) return;
    this.noticed = Math.max(this.noticed, message.cursor);
    this.waiting.push([message.cursor, performance.now()]);
    if (message.page && message.from === this.cursor && !this.pulling) {
      this.pagesApplied += 1;
      this.advance(message.cursor, this.pageLatencies);
    } else if (this.pulling) {
      this.pullAgain = true;
    } else {
      void this.pullLoop();
    }
  }

  /** The cursor moved to `cursor`: every notice it reached is done. */
  private advance(cursor: number, latencies: number[]): void {
    if (cursor < this.cursor) this.outOfOrder += 1;
    this.cursor = Math.max(this.cursor, cursor);
    const now = performance.now();
    let reached = 0;
    while (reached < this.waiting.length && (this.waiting[reached] as [number, number])[0] <= this.cursor) {
      latencies.push(now - (this.waiting[reached] as [number, number])[1]);
      reached += 1;
    }
    this.waiting.splice(0, reached);
  }

  /** Pull while a notice is ahead of the cursor (a pull may read a snapshot just before it). */
  private async pullLoop(): Promise<void> {
    this.pulling = true;
    try {
      do {
        this.pullAgain = false;
        let hasMore = true;
        // Bounded, in case a notice is never reached (it would show as a station behind at the end).
        for (let rounds = 0; (hasMore || this.noticed > this.cursor) && rounds < MAX_PULL_ROUNDS; rounds += 1) {
          const asked = performance.now();
          const response = await get(
            `${this.url}/sync/pull?cursor=${this.cursor}&limit=5000&format=columns`,
            this.token,
          );
          if (response.status !== 200) {
            this.pullErrors += 1;
            if (this.pullErrors <= 3)
              console.error(`pull failed: ${response.status} ${response.body.subarray(0, 200).toString()}`);
            await new Promise((resolve) => setTimeout(resolve, PULL_RETRY_MS));
            continue;
          }
          const page = pullTail(response.body);
          this.pullAnswers.push(performance.now() - asked);
          this.pulls += 1;
          this.advance(page.cursor, this.pulledLatencies);
          hasMore = page.hasMore;
        }
      } while (this.pullAgain);
    } catch (error) {
      // The run is over and the API stopping: pulls cut off then are no failure.
      if (this.closed) return;
      this.pullErrors += 1;
      console.error(`pull failed: ${String(error)}`);
    } finally {
      this.pulling = false;
    }
  }

  /** Caught up with `head` (every change committed up to it applied or pulled). */
  reached(head: number): boolean {
    return this.cursor >= head;
  }

  close(): void {
    this.closed = true;
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
    let rssHalfwayMb = rssBeforeMb;
    const halfway = setTimeout(() => {
      rssHalfwayMb = rssMb(child);
    }, options.seconds * 500);
    const apiCpuBefore = cpuMs(child);
    const toolCpuBefore = process.cpuUsage();
    const latencies: number[] = [];
    let errors = 0;
    let rowsWritten = 0;
    let finalHead = 0;
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
            finalHead = Math.max(finalHead, answer.cursor);
            if (answer.groups.some((g) => g.status !== 'applied')) errors += 1;
            else rowsWritten += group.changes.length;
          } catch (error) {
            errors += 1;
            if (errors <= 5) console.error(`push failed: ${String(error)}`);
          }
        }
      }),
    );
    clearTimeout(halfway);
    const seconds = (performance.now() - started) / 1000;
    const apiCpuMs = cpuMs(child) - apiCpuBefore;
    const toolCpu = process.cpuUsage(toolCpuBefore);
    // Every station must see every change: wait until all are at the final head (they get
    // there only through notices and the pulls they cause; this loop only watches).
    const converging = performance.now();
    while (
      options.live &&
      stations.some((s) => !s.reached(finalHead)) &&
      performance.now() - converging < CONVERGE_MS
    ) {
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    const behind = options.live ? stations.filter((s) => !s.reached(finalHead)).length : 0;
    if (behind > 0) console.error(`${behind} stations not at the head ${finalHead} after ${CONVERGE_MS} ms`);
    const rssAfterMb = rssMb(child);
    latencies.sort((a, b) => a - b);
    const pulled = stations.flatMap((s) => s.pulledLatencies).sort((a, b) => a - b);
    const pullAnswers = stations.flatMap((s) => s.pullAnswers).sort((a, b) => a - b);
    const pullErrors = stations.reduce((sum, s) => sum + s.pullErrors, 0);
    const outOfOrder = stations.reduce((sum, s) => sum + s.outOfOrder, 0);
    return {
      pushes: latencies.length,
      pushesPerSecond: latencies.length / seconds,
      rowsPerSecond: rowsWritten / seconds,
      p50: percentile(latencies, 0.5),
      p99: percentile(latencies, 0.99),
      errors: errors + behind + pullErrors + outOfOrder,
      throttled: stations.reduce((sum, s) => sum + s.throttled, 0),
      notices: stations.reduce((sum, s) => sum + s.notices, 0),
      pulls: stations.reduce((sum, s) => sum + s.pulls, 0),
      pagesApplied: stations.reduce((sum, s) => sum + s.pagesApplied, 0),
      seconds,
      noticeToPulledP50: percentile(pulled, 0.5),
      noticeToPulledP99: percentile(pulled, 0.99),
      pullP50: percentile(pullAnswers, 0.5),
      pullP99: percentile(pullAnswers, 0.99),
      behind,
      pullErrors,
      rssBeforeMb,
      rssHalfwayMb,
      rssAfterMb,
      apiCpuMs,
      toolCpuMs: (toolCpu.user + toolCpu.system) / 1000,
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
    report(`${name}: live notices`, result.notices / result.seconds, 'notices/s');
    report(`${name}: notice pages applied`, result.pagesApplied, '');
    report(`${name}: HTTP pulls`, result.pulls, '');
    report(`${name}: pulls`, result.pulls / result.seconds, 'pulls/s');
    report(`${name}: notice → pulled p50`, result.noticeToPulledP50, 'ms');
    report(`${name}: notice → pulled p99`, result.noticeToPulledP99, 'ms');
    report(`${name}: pull request → answer p50`, result.pullP50, 'ms');
    report(`${name}: pull request → answer p99`, result.pullP99, 'ms');
    report(`${name}: pull errors (retried)`, result.pullErrors, '');
    report(`${name}: stations behind the head at the end`, result.behind, '');
  }
  report(`${name}: API CPU per push`, result.apiCpuMs / Math.max(1, result.pushes), 'ms');
  report(`${name}: API CPU busy`, (100 * result.apiCpuMs) / (1000 * result.seconds), '% of a core');
  report(`${name}: load tool CPU busy`, (100 * result.toolCpuMs) / (1000 * result.seconds), '% of a core');
  report(`${name}: server RSS before`, result.rssBeforeMb, 'MB');
  report(`${name}: server RSS halfway`, result.rssHalfwayMb, 'MB');
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
