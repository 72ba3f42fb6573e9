/**
 * Live sync latency and fan-out, with real processes on a real PostgreSQL:
 * - propagation: a put at station A (`station serve`) until B's `pulled` event carries the
 *   row, p50/p99 over 200 sequential puts, with 1, 50 and 200 other stations connected
 *   (bench/live-crowd.ts, in their own process, pulling whenever notified);
 * - fan-out: one `changes` notice, from the COMMIT that sends it until it reached the first
 *   and the last of 1,000 and 5,000 sockets (clients in this process).
 * The API is `node server/dist/main.js` (run `npm run build` first). Figures only.
 * LIVE_PAGE_ROWS=0 in the environment turns notice pages off (every notice pulled, protocol 1).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { groupSigningBytes, HybridLogicalClock, newId, newNodeId, signGroup, unsealUserKey } from '@mostrador/common';
import pg from 'pg';
import WebSocket from 'ws';
import { ServeStation } from '../test/support/serve.js';
import { benchDatabase, percentile, report, startApiProcess } from './support.js';

const PUTS = 200;
const WARMUP = 20;
const CROWDS = [1, 50, 200];
const FANOUTS = [1_000, 5_000];
/** The API's limit of open live sockets per station (server/src/live/plugin.ts). */
const SOCKETS_PER_STATION = 4;
const NOTICES = 20;
const ROOT = fileURLToPath(new URL('../', import.meta.url));

async function enroll(url: string, adminToken: string, count: number): Promise<string[]> {
  const tokens: string[] = [];
  for (let i = 0; i < count; i++) {
    const response = await fetch(`${url}/stations/enroll`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${adminToken}` },
      body: JSON.stringify({ name: `bench-${i}` }),
    });
    tokens.push(((await response.json()) as { stationToken: string }).stationToken);
  }
  return tokens;
}

interface Crowd {
  child: ChildProcess;
  /** Stop it; resolves with its members' notice → pulled p50 and p99. */
  stop(): Promise<{ p50: number; p99: number }>;
}

async function startCrowd(url: string, tokens: string[]): Promise<Crowd> {
  const child = spawn(process.execPath, ['--import', 'tsx', `${ROOT}bench/live-crowd.ts`], {
    env: { ...process.env, CROWD_URL: url, CROWD_TOKENS: tokens.join(',') },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const lines = createInterface({ input: child.stdout as NodeJS.ReadableStream });
  await new Promise<void>((resolve, reject) => {
    lines.once('line', () => resolve());
    child.once('exit', () => reject(new Error('the crowd exited')));
  });
  return {
    child,
    async stop() {
      const summary = new Promise<{ p50: number; p99: number; pulls: number; pages: number }>((resolve) =>
        lines.once('line', (line) => {
          const { noticeToPulled, pagesApplied } = JSON.parse(line) as {
            noticeToPulled: { p50: number; p99: number; count: number };
            pagesApplied: number;
          };
          resolve({ ...noticeToPulled, pulls: noticeToPulled.count, pages: pagesApplied });
        }),
      );
      child.kill('SIGTERM');
      return summary;
    },
  };
}

async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  await exited;
}

async function propagation(a: ServeStation, b: ServeStation, puts: number) {
  const toPulled: number[] = [];
  const toPushed: number[] = [];
  for (let i = 0; i < puts; i++) {
    const from = a.lines.length;
    const fromB = b.lines.length;
    const started = performance.now();
    const put = await a.command({ cmd: 'put', table: 'customers', row: { name: `Latencia ${i}` } });
    const id = (put.row as { id: string }).id;
    const pushed = a.waitFor((line) => line.event === 'pushed', 10_000, from).then(() => performance.now());
    await b.waitFor(
      (line) => line.event === 'pulled' && Array.isArray(line.ids) && line.ids.includes(id),
      10_000,
      fromB,
    );
    toPulled.push(performance.now() - started);
    toPushed.push((await pushed) - started);
    // Let A's pull of its own change settle so puts do not overlap.
    await a.waitFor(
      (line) => line.event === 'pulled' && Array.isArray(line.ids) && line.ids.includes(id),
      10_000,
      from,
    );
  }
  return { toPulled, toPushed };
}

/** The two HTTP legs of a propagation on their own, no stations around: push one row, pull it. */
async function legs(url: string, adminToken: string, adminPassword: string, userId: string) {
  // A station of its own, writing as the admin: its key comes with the users row it pulls.
  const enrolled = await fetch(`${url}/stations/enroll`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${adminToken}` },
    body: JSON.stringify({ name: 'bench-legs' }),
  });
  const { stationToken: token, stationId } = (await enrolled.json()) as { stationToken: string; stationId: string };
  const users = await fetch(`${url}/sync/pull?cursor=0&limit=1000`, { headers: { authorization: `Bearer ${token}` } });
  const { changes } = (await users.json()) as { changes: { row: Record<string, string> }[] };
  const admin = changes.find((c) => c.row.id === userId)?.row;
  if (!admin) throw new Error('the admin user was not pulled');
  const key = await unsealUserKey(String(admin.sealedKey), String(admin.publicKey), adminPassword);
  const clock = new HybridLogicalClock(newNodeId());
  const push: number[] = [];
  const pull: number[] = [];
  for (let i = 0; i < 50; i++) {
    const now = new Date().toISOString();
    const row = {
      id: newId(),
      createdAt: now,
      updatedAt: now,
      deletedAt: null,
      version: clock.tick(),
      updatedBy: userId,
      name: `Leg ${i}`,
    };
    const group = { id: newId(), userId, version: row.version, changes: [{ table: 'customers', row }] };
    const signed = { ...group, signature: signGroup(key, groupSigningBytes(group, stationId)) };
    const body = JSON.stringify({ batchId: newId(), groups: [signed] });
    let started = performance.now();
    const pushed = await fetch(`${url}/sync/push`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body,
    });
    const { cursor } = (await pushed.json()) as { cursor: number };
    push.push(performance.now() - started);
    started = performance.now();
    const pulled = await fetch(`${url}/sync/pull?cursor=${cursor - 1}&limit=1000&format=columns`, {
      headers: { authorization: `Bearer ${token}` },
    });
    await pulled.json();
    pull.push(performance.now() - started);
  }
  return { push, pull };
}

interface Listener {
  socket: WebSocket;
  arrivals: Map<number, number>;
}

/** `count` more sockets, the n-th (counting the `open` ones already there) on station n modulo the tokens. */
async function connectListeners(url: string, tokens: string[], count: number, open: number): Promise<Listener[]> {
  const listeners: Listener[] = [];
  for (let i = 0; i < count; i += 200) {
    const batch = Array.from({ length: Math.min(200, count - i) }, (_, j) => {
      const token = tokens[(open + i + j) % tokens.length] as string;
      const socket = new WebSocket(`${url.replace(/^http/, 'ws')}/sync/ws`, {
        headers: { authorization: `Bearer ${token}` },
      });
      const listener: Listener = { socket, arrivals: new Map() };
      socket.on('message', (data) => {
        const at = performance.now();
        const message = JSON.parse(String(data)) as { type: string; cursor?: number };
        if (message.type === 'changes') listener.arrivals.set(message.cursor ?? 0, at);
      });
      return new Promise<Listener>((resolve, reject) => {
        socket.once('message', () => resolve(listener));
        socket.once('error', reject);
      });
    });
    listeners.push(...(await Promise.all(batch)));
  }
  return listeners;
}

async function fanout(db: pg.Client, listeners: Listener[]) {
  const first: number[] = [];
  const last: number[] = [];
  for (let n = 0; n < NOTICES; n++) {
    await db.query('BEGIN');
    const { rows } = await db.query<{ head: string }>(
      'UPDATE sync_state SET head = head + 1 WHERE id = 1 RETURNING head',
    );
    const head = Number(rows[0]?.head);
    await db.query(`SELECT pg_notify('mostrador_changes', $1)`, [String(head)]);
    const started = performance.now();
    await db.query('COMMIT');
    while (listeners.some((l) => !l.arrivals.has(head))) await new Promise((r) => setImmediate(r));
    const arrivals = listeners.map((l) => (l.arrivals.get(head) ?? 0) - started);
    first.push(Math.min(...arrivals));
    last.push(Math.max(...arrivals));
    await new Promise((r) => setTimeout(r, 50));
  }
  return { first, last };
}

async function main(): Promise<void> {
  const database = await benchDatabase();
  const adminPassword = `bench-${randomBytes(4).toString('hex')}`;
  const { child: api, url } = await startApiProcess(database.url, adminPassword);
  const stations: ServeStation[] = [];
  const children: ChildProcess[] = [api];
  try {
    const login = await fetch(`${url}/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'admin', password: adminPassword }),
    });
    const { token: adminToken, user } = (await login.json()) as { token: string; user: { id: string } };
    const { push, pull } = await legs(url, adminToken, adminPassword, user.id);
    report('live: one-row push over HTTP p50 (idle)', percentile(push, 50), 'ms');
    report('live: one-row pull over HTTP p50 (idle)', percentile(pull, 50), 'ms');
    for (const name of ['A', 'B']) {
      const station = await ServeStation.enrolled({ url, adminPassword }, name);
      stations.push(station);
      await station.start();
      await station.waitFor((line) => line.event === 'online');
    }
    const [a, b] = stations as [ServeStation, ServeStation];
    const crowdTokens = await enroll(url, adminToken, Math.max(...CROWDS));

    for (const size of CROWDS) {
      const crowd = await startCrowd(url, crowdTokens.slice(0, size));
      children.push(crowd.child);
      await propagation(a, b, WARMUP);
      const { toPulled, toPushed } = await propagation(a, b, PUTS);
      report(`live: put at A → pulled at B p50 (${size} others)`, percentile(toPulled, 50), 'ms');
      report(`live: put at A → pulled at B p99 (${size} others)`, percentile(toPulled, 99), 'ms');
      report(`live: put at A → pushed at A p50 (${size} others)`, percentile(toPushed, 50), 'ms');
      const others = await crowd.stop();
      if (others.pulls > 0) {
        report(`live: others' notice → pulled p50 (${size} others)`, others.p50, 'ms');
        report(`live: others' notice → pulled p99 (${size} others)`, others.p99, 'ms');
      }
      // The rest of the notices carried their page (protocol 2): applied with no request.
      report(
        `live: others' notices pulled (${size} others)`,
        (100 * others.pulls) / (others.pulls + others.pages),
        '%',
      );
    }
    for (const station of stations) await station.stop();

    const db = new pg.Client({ connectionString: database.url });
    db.on('error', (error) => console.error(`live bench: the fan-out's own session failed: ${String(error)}`));
    await db.connect();
    // The API takes at most 4 live sockets per station (issue 12): enough stations for every socket.
    const listenerTokens = await enroll(url, adminToken, Math.ceil(Math.max(...FANOUTS) / SOCKETS_PER_STATION));
    let listeners: Listener[] = [];
    for (const size of FANOUTS) {
      listeners = listeners.concat(
        await connectListeners(url, listenerTokens, size - listeners.length, listeners.length),
      );
      await new Promise((r) => setTimeout(r, 500)); // let the joins' presence writes settle
      const { first, last } = await fanout(db, listeners);
      report(`live: notice COMMIT → first of ${size} sockets p50`, percentile(first, 50), 'ms');
      report(`live: notice COMMIT → last of ${size} sockets p50`, percentile(last, 50), 'ms');
      report(`live: notice COMMIT → last of ${size} sockets max`, Math.max(...last), 'ms');
    }
    for (const l of listeners) l.socket.terminate();
    await db.end();
  } finally {
    for (const station of stations) await station.stop('SIGKILL');
    for (const child of children) await stop(child);
    await database.close();
  }
}

await main();
