/**
 * Hardening figures (issue 12), against `node server/dist/main.js` on a real PostgreSQL:
 * - login latency at the project's password hash cost (scrypt N=2^17, r=8, p=1), one at a
 *   time and four at once;
 * - /health latency at rest and while 20 clients keep sending unauthenticated 32 MB push
 *   bodies, with the API's resident memory before and at its peak.
 * Run `npm run bench -- hardening` (builds first). Figures only.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import http from 'node:http';
import { benchDatabase, percentile, report, startApiProcess } from './support.js';

const BODY_BYTES = 32 * 1024 * 1024;
const ATTACKERS = 20;

function rssMb(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(status.match(/VmRSS:\s+(\d+)/)?.[1] ?? 0) / 1024;
}

async function timedLogin(url: string, password: string): Promise<number> {
  const started = performance.now();
  const response = await fetch(`${url}/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username: 'admin', password }),
  });
  await response.arrayBuffer();
  if (response.status !== 200) throw new Error(`login answered ${response.status}`);
  return performance.now() - started;
}

/** One attacker: unauthenticated 32 MB pushes, one after another, until stopped. */
function attacker(port: number, stopped: () => boolean, statuses: Map<number, number>): Promise<void> {
  const chunk = Buffer.alloc(1024 * 1024, 0x20);
  const once = () =>
    new Promise<void>((resolve) => {
      const request = http.request({
        host: '127.0.0.1',
        port,
        path: '/sync/push',
        method: 'POST',
        headers: { 'content-type': 'application/json', 'content-length': String(BODY_BYTES) },
      });
      let sent = 0;
      const pump = () => {
        while (sent < BODY_BYTES && !request.destroyed) {
          sent += chunk.length;
          if (!request.write(chunk)) return void request.once('drain', pump);
        }
        request.end();
      };
      request.on('response', (response) => {
        statuses.set(response.statusCode ?? 0, (statuses.get(response.statusCode ?? 0) ?? 0) + 1);
        response.resume();
        response.on('end', () => resolve());
        request.destroy();
      });
      request.on('error', () => resolve());
      request.on('close', () => resolve());
      pump();
    });
  return (async () => {
    while (!stopped()) await once();
  })();
}

async function healthLatencies(url: string, count: number): Promise<number[]> {
  const times: number[] = [];
  for (let i = 0; i < count; i++) {
    const started = performance.now();
    const response = await fetch(`${url}/health`);
    await response.arrayBuffer();
    times.push(performance.now() - started);
    await new Promise((r) => setTimeout(r, 20));
  }
  return times;
}

async function main(): Promise<void> {
  const database = await benchDatabase();
  const adminPassword = `bench-${randomBytes(6).toString('hex')}`;
  const {
    child: api,
    url,
    port,
  } = await startApiProcess(database.url, adminPassword, {
    env: { TRUST_PROXY: '0', LOGIN_RATE_PER_MINUTE: '1000' },
  });
  try {
    await timedLogin(url, adminPassword); // warm-up
    const serial: number[] = [];
    for (let i = 0; i < 20; i++) serial.push(await timedLogin(url, adminPassword));
    report('login p50 (one at a time, scrypt N=2^17)', percentile(serial, 50), 'ms');
    report('login p99 (one at a time)', percentile(serial, 99), 'ms');
    const parallel: number[] = [];
    for (let round = 0; round < 5; round++) {
      parallel.push(...(await Promise.all([1, 2, 3, 4].map(() => timedLogin(url, adminPassword)))));
    }
    report('login p50 (four at once)', percentile(parallel, 50), 'ms');
    report('login p99 (four at once)', percentile(parallel, 99), 'ms');

    const pid = api.pid as number;
    const calm = await healthLatencies(url, 50);
    const rssBefore = rssMb(pid);
    report('/health p50 at rest', percentile(calm, 50), 'ms');
    report('/health p99 at rest', percentile(calm, 99), 'ms');

    let stop = false;
    let peak = rssBefore;
    const sampler = setInterval(() => {
      peak = Math.max(peak, rssMb(pid));
    }, 50);
    const statuses = new Map<number, number>();
    const attackers = Array.from({ length: ATTACKERS }, () => attacker(port, () => stop, statuses));
    await new Promise((r) => setTimeout(r, 500));
    const attacked = await healthLatencies(url, 100);
    stop = true;
    await Promise.all(attackers);
    clearInterval(sampler);
    report(`/health p50, ${ATTACKERS} clients sending 32 MB unauthenticated`, percentile(attacked, 50), 'ms');
    report(`/health p99, ${ATTACKERS} clients sending 32 MB unauthenticated`, percentile(attacked, 99), 'ms');
    report('API resident memory before', rssBefore, 'MB');
    report('API resident memory peak during the flood', peak, 'MB');
    report('flood requests answered 401', statuses.get(401) ?? 0, 'requests');
    const others = [...statuses].filter(([status]) => status !== 401).reduce((n, [, count]) => n + count, 0);
    report('flood requests answered otherwise', others, 'requests');
  } finally {
    api.kill('SIGTERM');
    await new Promise((r) => api.once('exit', r));
    await database.close();
  }
}

await main();
