/**
 * Changes on screen: a product written at station A (`station serve`, JSON lines) until it
 * is painted in station B's products screen (`station serve --ui`, the real renderer in
 * headless Chromium). B's page records, with a MutationObserver, the moment the product's
 * name enters the DOM, and the next animation frame after it (when it is painted); the
 * clock is the machine's (performance.timeOrigin + now on every side). Both stations run
 * with MOSTRADOR_TRACE=1, so their lines carry when they were written: the trip is split
 * step by step, from A's write to B's paint.
 * Also: station B's process start until its login screen is shown.
 * BENCH_SCREEN_WRITES sets the number of writes (default 200). Figures only.
 */

import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { chromium } from 'playwright-core';
import { ServeStation } from '../test/support/serve.js';
import { benchServer, percentile, report } from './support.js';

const CHROMIUM = '/usr/bin/chromium';
const WRITES = Number(process.env.BENCH_SCREEN_WRITES ?? 200);
const CATALOGUE = 2_000;

const now = () => performance.timeOrigin + performance.now();

if (!existsSync(CHROMIUM)) {
  console.log(`screen: ${CHROMIUM} is missing; skipped (apt-get install chromium)`);
  process.exit(0);
}

const server = await benchServer();
const a = await ServeStation.enrolled(server, 'screen-a');
const b = await ServeStation.enrolled(server, 'screen-b');
const browser = await chromium.launch({
  executablePath: CHROMIUM,
  headless: true,
  args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking'],
});
try {
  // MOSTRADOR_TRACE=1: every line says when it was written (`at`), and B says when a notice came.
  const traced = { MOSTRADOR_TRACE: '1' };
  await a.start([], traced);
  for (let n = 0; n < CATALOGUE; n += 100) {
    const rows = Array.from({ length: 100 }, (_, i) => ({
      sku: `CAT-${n + i}`,
      name: `Artículo ${n + i}`,
      price: 100,
    }));
    for (const row of rows) await a.command({ cmd: 'put', table: 'products', row: { ...row, active: true } });
  }
  await a.command({ cmd: 'sync' });

  const startedB = now();
  await b.start(['--ui', '127.0.0.1:0'], traced);
  const ui = (await b.waitFor((line) => line.event === 'ui')).url as string;
  const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  // When the newest data:changed event reached the page (the station's events socket).
  await page.addInitScript(`(() => {
    const Native = window.WebSocket;
    window.WebSocket = class extends Native {
      constructor(...args) {
        super(...args);
        this.addEventListener('message', (message) => {
          if (String(message.data).includes('"data:changed"')) window.changedAt = performance.timeOrigin + performance.now();
        });
      }
    };
  })()`);
  await page.goto(ui);
  await page.getByRole('heading', { name: 'Iniciar sesión' }).waitFor();
  report('screen: station start → login screen shown', now() - startedB, 'ms');
  await page.getByLabel('Usuario', { exact: true }).fill('admin');
  await page.getByLabel('Contraseña').fill(server.adminPassword);
  await page.getByRole('button', { name: 'Entrar' }).click();
  await page
    .getByRole('link', { name: 'Productos' })
    .or(page.getByRole('button', { name: 'Productos' }))
    .first()
    .click();
  await page
    .getByText(`Artículo ${CATALOGUE - 1}`, { exact: true })
    .first()
    .waitFor();

  // Each sighting is reported to this process through a binding once painted.
  // biome-ignore lint/suspicious/noExplicitAny: the sighting's type is declared with the binding below
  const sightings = new Map<string, (entry: any) => void>();
  type Sighting = { dom: number; paint: number; event: number; fetchStart: number; answered: number; fetchEnd: number };
  await page.exposeFunction('reportSeen', (name: string, entry: Sighting) => sightings.get(name)?.(entry));
  // A string, not a function: tsx's name helpers do not exist in the page.
  await page.evaluate(`(() => {
    const seen = new Map();
    window.seen = seen;
    const stamp = () => performance.timeOrigin + performance.now();
    // The list's reads over the channel, to split the renderer's share.
    performance.setResourceTimingBufferSize(100000);
    const lastRead = () => {
      const last = performance.getEntriesByType('resource').filter((e) => e.name.includes('/api/rows:')).pop();
      const at = (ms) => performance.timeOrigin + ms;
      return last
        ? { fetchStart: at(last.startTime), answered: at(last.responseStart), fetchEnd: at(last.responseEnd) }
        : { fetchStart: 0, answered: 0, fetchEnd: 0 };
    };
    new MutationObserver(() => {
      for (const cell of document.querySelectorAll('td')) {
        const text = cell.textContent ?? '';
        if (!text.startsWith('0000 bench ') || seen.has(text)) continue;
        const entry = { dom: stamp(), paint: 0, event: window.changedAt ?? 0, ...lastRead() };
        seen.set(text, entry);
        requestAnimationFrame(() => { entry.paint = stamp(); window.reportSeen(text, entry); });
      }
    }).observe(document.body, { subtree: true, childList: true, characterData: true });
  })()`);

  const dom: number[] = [];
  const painted: number[] = [];
  // Where the time goes, each step from the one before: the put answered at A → A's push
  // answered (the server committed it) → the notice reaches B → B applied it (its `pulled`
  // line; the bridge sends data:changed in the same turn) → data:changed reaches the page →
  // the name is in the DOM → the next animation frame (painted). Station times are the
  // lines' own `at`. A change the list showed only after re-reading splits that read too.
  const steps = {
    'write → acked at A': [] as number[],
    'acked → push answered at A': [] as number[],
    'push answered → notice at B': [] as number[],
    'notice → applied at B': [] as number[],
    'applied → event in page': [] as number[],
    'event in page → in DOM': [] as number[],
    'in DOM → painted': [] as number[],
  };
  const reads = {
    'event → list read starts': [] as number[],
    'read starts → answer starts': [] as number[],
    'answer starts → ends': [] as number[],
    'answer read → in DOM': [] as number[],
  };
  // From A's commit (its answer to the put, written once the transaction committed) rather
  // than from the command sent to it: the "from a write committed at station A".
  const paintedFromCommit: number[] = [];
  const engine: number[] = [];
  const renderer: number[] = [];
  for (let n = 0; n < WRITES; n += 1) {
    const name = `0000 bench ${n}`;
    const seen = new Promise<Sighting>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`${name} never appeared at B`)), 10_000);
      sightings.set(name, (entry) => {
        clearTimeout(timer);
        resolve(entry);
      });
    });
    const fromA = a.lines.length;
    const fromB = b.lines.length;
    const id = randomUUID();
    const sent = now();
    const acked = await a.command({
      cmd: 'put',
      table: 'products',
      row: { id, sku: `BENCH-${n}`, name, price: 250, active: true },
    });
    const entry = await seen;
    const pulled = await b.waitFor(
      (line) => line.event === 'pulled' && Array.isArray(line.ids) && line.ids.includes(id),
      10_000,
      fromB,
    );
    const noticed = await b.waitFor((line) => line.event === 'noticed' && line.cursor === pulled.cursor, 10_000, fromB);
    const pushed = await a.waitFor((line) => line.event === 'pushed', 10_000, fromA);
    const at = (line: { at?: unknown }) => Number(line.at);
    dom.push(entry.dom - sent);
    painted.push(entry.paint - sent);
    paintedFromCommit.push(entry.paint - at(acked));
    engine.push(at(pulled) - sent);
    renderer.push(entry.dom - entry.event);
    steps['write → acked at A'].push(at(acked) - sent);
    steps['acked → push answered at A'].push(at(pushed) - at(acked));
    steps['push answered → notice at B'].push(at(noticed) - at(pushed));
    steps['notice → applied at B'].push(at(pulled) - at(noticed));
    steps['applied → event in page'].push(entry.event - at(pulled));
    steps['event in page → in DOM'].push(entry.dom - entry.event);
    steps['in DOM → painted'].push(entry.paint - entry.dom);
    // The newest read had started after the event: the list waited for it.
    if (entry.fetchStart >= entry.event) {
      reads['event → list read starts'].push(entry.fetchStart - entry.event);
      reads['read starts → answer starts'].push(entry.answered - entry.fetchStart);
      reads['answer starts → ends'].push(entry.fetchEnd - entry.answered);
      reads['answer read → in DOM'].push(entry.dom - entry.fetchEnd);
    }
  }
  report(`screen: write at A → in B's DOM, p50 (${WRITES} writes)`, percentile(dom, 50), 'ms');
  report("screen: write at A → in B's DOM, p99", percentile(dom, 99), 'ms');
  report('screen: write at A → painted at B, p50', percentile(painted, 50), 'ms');
  report('screen: write at A → painted at B, p99', percentile(painted, 99), 'ms');
  report('screen: committed at A → painted at B, p50', percentile(paintedFromCommit, 50), 'ms');
  report('screen: committed at A → painted at B, p99', percentile(paintedFromCommit, 99), 'ms');
  report('screen: write at A → applied at B, p50', percentile(engine, 50), 'ms');
  report('screen: write at A → applied at B, p99', percentile(engine, 99), 'ms');
  for (const [step, values] of Object.entries(steps)) {
    report(`screen: split, ${step}, p50`, percentile(values, 50), 'ms');
  }
  report('screen: changes shown only after a re-read', reads['answer read → in DOM'].length, 'writes');
  for (const [step, values] of Object.entries(reads)) {
    if (values.length > 0) report(`screen: split of those, ${step}, p50`, percentile(values, 50), 'ms');
  }
  report('screen: event in page → in DOM, p50', percentile(renderer, 50), 'ms');
  report('screen: event in page → in DOM, p99', percentile(renderer, 99), 'ms');
  // The same read with nothing else going on: the channel's own cost.
  const idle = (await page.evaluate(`(async () => {
    const times = [];
    for (let n = 0; n < 50; n += 1) {
      const started = performance.now();
      const response = await fetch('/api/rows:page', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ table: 'products', search: '', offset: 0, limit: 50 }),
      });
      await response.json();
      times.push(performance.now() - started);
    }
    return times.sort((x, y) => x - y);
  })()`)) as number[];
  report('screen: list read with nothing else going, p50', percentile(idle, 50), 'ms');
} finally {
  await browser.close();
  await Promise.all([a.stop(), b.stop()]);
  await server.close();
}
