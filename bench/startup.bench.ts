/**
 * Start-up, as a person meets it:
 * - `npm start` a second time (the station enrolled, nothing to build) until it prints the
 *   station's address; the first start (which builds whatever changed) is shown too;
 * - a station's process start (`station serve --ui`, as `npm start` runs it) until its login
 *   form is painted in Chromium, split into: the process listening, the page's HTML loaded,
 *   and the form in the DOM and painted (the animation frame after it).
 * The clock is the machine's (performance.timeOrigin + now on both sides). Each figure is the
 * median of BENCH_STARTUP_RUNS runs (default 5); the load average is printed beside them,
 * since other work on the machine stretches every figure. Figures only.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { Station } from '../desktop/src/core/index.js';
import { STATION_BIN } from '../test/support/station.js';
import { benchDatabase, freePort, percentile, report } from './support.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const CHROMIUM = '/usr/bin/chromium';
const RUNS = Number(process.env.BENCH_STARTUP_RUNS ?? 5);
const now = () => performance.timeOrigin + performance.now();
const load = () => readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');

/** Resolves with the first line of `child`'s standard output that `match` accepts. */
function lineOf(child: ChildProcess, match: (line: string) => boolean, what: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const lines = createInterface({ input: child.stdout as NodeJS.ReadableStream });
    lines.on('line', (line) => {
      if (match(line)) resolve(line);
    });
    child.once('exit', (code) => reject(new Error(`${what}: exited (${code}) first`)));
  });
}

function stopped(child: ChildProcess, kill: () => void): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    child.once('exit', () => resolve());
    kill();
  });
}

const database = await benchDatabase();
const adminPassword = randomBytes(8).toString('hex');
const dataDir = mkdtempSync(join(tmpdir(), 'mostrador-startup-'));
const apiPort = await freePort();
const uiPort = await freePort();
const apiUrl = `http://127.0.0.1:${apiPort}`;
const stationDir = join(dataDir, 'stations', 'station-1');

/** One `npm start -- --browser`: ms until the station's address is printed; `whileUp` runs before it is stopped. */
async function npmStart(whileUp: () => Promise<void> = async () => {}): Promise<number> {
  const started = now();
  const child = spawn('npm', ['start', '--', '--browser'], {
    cwd: ROOT,
    detached: true, // its own process group, stopped as a whole
    stdio: ['ignore', 'pipe', 'inherit'],
    env: {
      ...process.env,
      DATABASE_URL: database.url,
      DATA_DIR: dataDir,
      PORT: String(apiPort),
      UI_PORT: String(uiPort),
      ADMIN_PASSWORD: adminPassword,
      LOG_LEVEL: 'warn',
    },
  });
  try {
    await lineOf(child, (line) => line.includes('Station 1: open'), 'npm start');
    const elapsed = now() - started;
    await whileUp();
    return elapsed;
  } finally {
    await stopped(child, () => process.kill(-(child.pid as number), 'SIGTERM'));
  }
}

try {
  report('startup: first npm start (fresh data) → address', await npmStart(enrollStation), 'ms');
  const second: number[] = [];
  for (let run = 0; run < RUNS; run += 1) second.push(await npmStart());
  report(`startup: second npm start → address, p50 (${RUNS})`, percentile(second, 50), 'ms');
  report('startup: second npm start → address, best', Math.min(...second), 'ms');
  console.log(`startup: load average ${load()}`);
  if (existsSync(CHROMIUM)) await loginScreen();
  else console.log(`startup: ${CHROMIUM} is missing; the login screen figures are skipped`);
  console.log(`startup: load average ${load()}`);
} finally {
  await database.close();
  rmSync(dataDir, { recursive: true, force: true });
}

/** Enrolled as a person would at the first-run screen, so later starts find it enrolled. */
async function enrollStation(): Promise<void> {
  const station = await Station.enroll({
    dataDir: stationDir,
    serverUrl: apiUrl,
    name: 'Caja 1',
    username: 'admin',
    password: adminPassword,
  });
  await station.sync.pullChanges();
  station.close();
}

async function loginScreen(): Promise<void> {
  const api = spawn(process.execPath, ['server/dist/main.js'], {
    cwd: ROOT,
    stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
    env: { ...process.env, DATABASE_URL: database.url, DATA_DIR: dataDir, PORT: String(apiPort), LOG_LEVEL: 'warn' },
  });
  await new Promise((resolve) => api.once('message', resolve));
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking'],
  });
  const phases = { listening: [] as number[], html: [] as number[], painted: [] as number[] };
  try {
    for (let run = 0; run < RUNS; run += 1) {
      const page = await browser.newPage();
      // The form's arrival in the DOM, and the frame after it.
      await page.addInitScript(`(() => {
        const stamp = () => performance.timeOrigin + performance.now();
        window.painted = new Promise((painted) => {
          new MutationObserver((_, observer) => {
            if (!document.querySelector('form input[type=password]')) return;
            observer.disconnect();
            requestAnimationFrame(() => painted(stamp()));
          }).observe(document, { subtree: true, childList: true });
        });
      })()`);
      const started = now();
      const station = spawn(process.execPath, [STATION_BIN, 'serve', '--data', stationDir, '--ui', '127.0.0.1:0'], {
        stdio: ['ignore', 'pipe', 'inherit'],
        env: { ...process.env, MOSTRADOR_PASSWORD: '', MOSTRADOR_SERVER_URL: `http://127.0.0.1:${apiPort}` },
      });
      try {
        const ui = JSON.parse(await lineOf(station, (line) => line.includes('"event":"ui"'), 'station serve')).url;
        const listening = now();
        await page.goto(ui, { waitUntil: 'commit' });
        const painted = (await page.evaluate('window.painted')) as number;
        const html = (await page.evaluate('performance.timing.responseEnd')) as number;
        phases.listening.push(listening - started);
        phases.html.push(html - listening);
        phases.painted.push(painted - started);
      } finally {
        await page.close();
        await stopped(station, () => station.kill('SIGTERM'));
      }
    }
  } finally {
    await browser.close();
    await stopped(api, () => api.kill('SIGTERM'));
  }
  report(`startup: station start → login form painted, p50 (${RUNS})`, percentile(phases.painted, 50), 'ms');
  report('startup: station start → login form painted, best', Math.min(...phases.painted), 'ms');
  report('startup: split, station start → listening, p50', percentile(phases.listening, 50), 'ms');
  report('startup: split, listening → page HTML loaded, p50', percentile(phases.html, 50), 'ms');
}
