/**
 * Changes on screen: a product written at station A (`station serve`, JSON lines) until it
 * is painted in station B's products screen (`station serve --ui`, the real renderer in
 * headless Chromium). B's page records, with a MutationObserver, the moment the product's
 * name enters the DOM, and the next animation frame after it (when it is painted); the
 * clock is the machine's (performance.timeOrigin + now on both sides).
 * Also: station B's process start until its login screen is shown.
 * BENCH_SCREEN_WRITES sets the number of writes (default 200). Figures only.
 */

import { existsSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { chromium } from 'playwright-core';
import { ServeStation } from '../test/support/serve.js';
import { benchServer, report } from './support.js';

const CHROMIUM = '/usr/bin/chromium';
const WRITES = Number(process.env.BENCH_SCREEN_WRITES ?? 200);
const CATALOGUE = 2_000;

const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))];
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
  await a.start();
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
  await b.start(['--ui', '127.0.0.1:0']);
  const ui = (await b.waitFor((line) => line.event === 'ui')).url as string;
  const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
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
  const sightings = new Map<string, (entry: { dom: number; paint: number }) => void>();
  await page.exposeFunction('reportSeen', (name: string, entry: { dom: number; paint: number }) =>
    sightings.get(name)?.(entry),
  );
  // A string, not a function: tsx's name helpers do not exist in the page.
  await page.evaluate(`(() => {
    const seen = new Map();
    window.seen = seen;
    const stamp = () => performance.timeOrigin + performance.now();
    new MutationObserver(() => {
      for (const cell of document.querySelectorAll('td')) {
        const text = cell.textContent ?? '';
        if (!text.startsWith('0000 bench ') || seen.has(text)) continue;
        const entry = { dom: stamp(), paint: 0 };
        seen.set(text, entry);
        requestAnimationFrame(() => { entry.paint = stamp(); window.reportSeen(text, entry); });
      }
    }).observe(document.body, { subtree: true, childList: true, characterData: true });
  })()`);

  const dom: number[] = [];
  const painted: number[] = [];
  for (let n = 0; n < WRITES; n += 1) {
    const name = `0000 bench ${n}`;
    const seen = new Promise<{ dom: number; paint: number }>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`${name} never appeared at B`)), 10_000);
      sightings.set(name, (entry) => {
        clearTimeout(timer);
        resolve(entry);
      });
    });
    const sent = now();
    await a.command({ cmd: 'put', table: 'products', row: { sku: `BENCH-${n}`, name, price: 250, active: true } });
    const entry = await seen;
    dom.push(entry.dom - sent);
    painted.push(entry.paint - sent);
  }
  dom.sort((x, y) => x - y);
  painted.sort((x, y) => x - y);
  report(`screen: write at A → in B's DOM, p50 (${WRITES} writes)`, percentile(dom, 0.5) as number, 'ms');
  report("screen: write at A → in B's DOM, p99", percentile(dom, 0.99) as number, 'ms');
  report('screen: write at A → painted at B, p50', percentile(painted, 0.5) as number, 'ms');
  report('screen: write at A → painted at B, p99', percentile(painted, 0.99) as number, 'ms');
} finally {
  await browser.close();
  await Promise.all([a.stop(), b.stop()]);
  await server.close();
}
