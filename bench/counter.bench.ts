/**
 * The counter (issue 10), on a catalogue of 50,000 products:
 * - product search in the station core (accent- and case-insensitive words, and exact codes);
 * - in the real renderer (Chromium, browser mode, a `station serve` child process): the time
 *   from a scanner's Enter to the line on the ticket, over 1,000 scans (50 tickets of 20
 *   lines), measured inside the page from the Enter keydown to the DOM showing the line;
 * - and per sale, F9 → payment dialog ready, Enter → sale recorded and shown, F10 → ticket
 *   rendered and handed to print.
 * The station is enrolled offline (no server): the counter never needs one.
 * Figures only; never fails on time.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { createUserKey, HybridLogicalClock, hashPassword, newId, newNodeId } from '@mostrador/common';
import { chromium } from 'playwright-core';
import { Station } from '../desktop/src/core/index.js';
import { LocalStore } from '../desktop/src/core/store/store.js';
import { freePort, percentile, report } from './support.js';

const STATION_BIN = fileURLToPath(new URL('../desktop/bin/station.js', import.meta.url));
const CHROMIUM = '/usr/bin/chromium';
const PRODUCTS = 50_000;
const TICKETS = Number(process.env.BENCH_TICKETS ?? 50);
const LINES = 20;
const PASSWORD = 'bench-admin-pass';
const WORDS = ['café', 'leche', 'aceite', 'arroz', 'galleta', 'queso', 'jamón', 'vino', 'pan', 'azúcar'];

function barcode(n: number): string {
  return `84${String(n).padStart(11, '0')}`;
}

async function makeStation(dataDir: string): Promise<void> {
  const store = LocalStore.open(dataDir, { create: true });
  const clock = new HybridLogicalClock(newNodeId());
  const now = new Date().toISOString();
  const adminId = newId();
  // The admin's signing key, sealed with the password, as enrolment syncs it: sales are signed at login.
  const { publicKey, sealedKey } = await createUserKey(PASSWORD);
  const base = () => ({ createdAt: now, updatedAt: now, deletedAt: null, version: clock.tick(), updatedBy: adminId });
  store.transaction(() => {
    store.rows.put('users', {
      id: adminId,
      ...base(),
      username: 'admin',
      displayName: 'Admin',
      role: 'admin',
      passwordHash: '',
      active: true,
      publicKey,
      sealedKey,
    });
    for (let n = 0; n < PRODUCTS; n += 1) {
      store.rows.put('products', {
        id: newId(),
        ...base(),
        sku: `SKU-${n}`,
        barcode: barcode(n),
        name: `${WORDS[n % WORDS.length]} ${['extra', 'de la casa', 'ecológico', 'clásico'][n % 4]} ${n}`,
        category: 'general',
        price: 100 + (n % 2000),
        cost: null,
        providerId: null,
        active: true,
        taxRate: ['general', 'reduced', 'superReduced'][n % 3],
        weighed: false,
      });
    }
    store.meta.set('stationId', newId());
    store.meta.set('stationCode', 'BENCH1');
    store.meta.set('stationName', 'Caja 1');
    store.meta.set('serverUrl', 'http://127.0.0.1:9/');
    store.meta.set('stationToken', 'offline');
    store.meta.set('enrolledBy', adminId);
    store.meta.set('bootstrapped', 1);
  });
  const hash = await hashPassword(PASSWORD);
  store.db.prepare('UPDATE users SET passwordHash = ? WHERE id = ?').run(hash, adminId);
  store.close();
}

async function searchFigures(dataDir: string): Promise<void> {
  const station = Station.open({ dataDir });
  try {
    station.shop.searchProducts('warm up');
    const typed: number[] = [];
    const exact: number[] = [];
    for (let i = 0; i < 1000; i += 1) {
      const word = WORDS[i % WORDS.length] as string;
      const query =
        i % 2
          ? word.toUpperCase()
          : `${word.normalize('NFD').replace(/\p{Diacritic}/gu, '')} ${i % 4 === 0 ? 'extra' : ''}`;
      let started = performance.now();
      station.shop.searchProducts(query, 50, { forSale: true });
      typed.push(performance.now() - started);
      started = performance.now();
      station.shop.productByCode(barcode((i * 7919) % PRODUCTS));
      exact.push(performance.now() - started);
    }
    report('core search, words (50,000 products) p50', percentile(typed, 50), 'ms');
    report('core search, words (50,000 products) p99', percentile(typed, 99), 'ms');
    report('core lookup, exact barcode p50', percentile(exact, 50), 'ms');
    report('core lookup, exact barcode p99', percentile(exact, 99), 'ms');
    await station.login('admin', PASSWORD);
    const sales: number[] = [];
    for (let i = 0; i < 50; i += 1) {
      const items = Array.from({ length: LINES }, (_, line) => {
        const product = station.shop.productByCode(barcode(((i * LINES + line) * 104_729) % PRODUCTS));
        return { productId: product?.id as string, quantity: 1, unitPrice: product?.price as number };
      });
      const started = performance.now();
      const { sale } = station.shop.recordSale({ items, payments: [{ method: 'cash', amount: 100_000 }] });
      station.shop.ticket(sale.id);
      sales.push(performance.now() - started);
    }
    report('core sale of 20 lines + its ticket p50', percentile(sales, 50), 'ms');
    report('core sale of 20 lines + its ticket p99', percentile(sales, 99), 'ms');
  } finally {
    station.close();
  }
}

async function serve(dataDir: string): Promise<{ child: ChildProcess; url: string }> {
  const port = await freePort();
  const child = spawn(process.execPath, [STATION_BIN, 'serve', '--data', dataDir, '--ui', `127.0.0.1:${port}`], {
    stdio: ['pipe', 'ignore', 'ignore'],
    env: { ...process.env, MOSTRADOR_PASSWORD: PASSWORD },
  });
  const url = `http://127.0.0.1:${port}/`;
  for (let i = 0; i < 300; i += 1) {
    const ok = await fetch(`${url}api/app:state`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{}',
    })
      .then((r) => r.ok)
      .catch(() => false);
    if (ok) return { child, url };
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  child.kill();
  throw new Error('the station did not start');
}

interface PageTimes {
  scans: number[];
  enterAt: number | null;
  lines: number;
  printedAt: number | null;
}

async function counterFigures(url: string): Promise<void> {
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--disable-gpu'] });
  try {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    await page.goto(url);
    await page.getByLabel('Usuario', { exact: true }).fill('admin');
    await page.getByLabel('Contraseña').fill(PASSWORD);
    await page.getByRole('button', { name: 'Entrar' }).click();
    await page.getByTestId('status-bar').waitFor();
    // No named functions in here: the page cannot see tsx's __name helper.
    await page.evaluate(() => {
      const times: PageTimes = { scans: [], enterAt: null, lines: 0, printedAt: null };
      (window as unknown as { times: PageTimes }).times = times;
      window.print = () => {
        times.printedAt = performance.now();
      };
      document.addEventListener(
        'keydown',
        (event) => {
          if (event.key === 'Enter' && (event.target as HTMLElement).id === 'counter-search') {
            times.enterAt = performance.now();
            times.lines = document.querySelectorAll('[data-testid="ticket-line"]').length;
          }
        },
        true,
      );
      new MutationObserver(() => {
        if (times.enterAt !== null && document.querySelectorAll('[data-testid="ticket-line"]').length > times.lines) {
          times.scans.push(performance.now() - times.enterAt);
          times.enterAt = null;
        }
      }).observe(document, { subtree: true, childList: true });
    });
    const search = page.getByRole('combobox', { name: /Buscar por código/ });
    const f9: number[] = [];
    const enter: number[] = [];
    const f10: number[] = [];
    let scan = 0;
    for (let ticket = 0; ticket < TICKETS; ticket += 1) {
      await search.focus();
      for (let line = 0; line < LINES; line += 1) {
        scan += 1;
        await page.keyboard.type(barcode((scan * 7919) % PRODUCTS));
        await page.keyboard.press('Enter');
        await page
          .waitForFunction((n) => (window as unknown as { times: PageTimes }).times.scans.length >= n, scan)
          .catch(async (error) => {
            await page.screenshot({ path: join(tmpdir(), 'counter-bench-failure.png') });
            console.log(await page.evaluate(() => JSON.stringify((window as unknown as { times: PageTimes }).times)));
            throw error;
          });
      }
      // F9 → the payment dialog ready for the amount; Enter → the sale recorded and shown; F10 → the ticket printed.
      let started = await page.evaluate(() => performance.now());
      await page.keyboard.press('F9');
      await page.getByTestId('pay-total').waitFor();
      let ended = await page.evaluate(() => performance.now());
      f9.push(ended - started);
      started = ended;
      await page.keyboard.press('Enter');
      await page.getByTestId('sale-done').waitFor();
      ended = await page.evaluate(() => performance.now());
      enter.push(ended - started);
      started = ended;
      await page.keyboard.press('F10');
      await page.waitForFunction(() => (window as unknown as { times: PageTimes }).times.printedAt !== null);
      ended = await page.evaluate(() => {
        const times = (window as unknown as { times: PageTimes }).times;
        const at = times.printedAt as number;
        times.printedAt = null;
        return at;
      });
      f10.push(ended - started);
    }
    const scans = await page.evaluate(() => (window as unknown as { times: PageTimes }).times.scans);
    report(`scanner Enter → line on ticket p50 (${scans.length} scans)`, percentile(scans, 50), 'ms');
    report(`scanner Enter → line on ticket p99 (${scans.length} scans)`, percentile(scans, 99), 'ms');
    report(`F9 → payment dialog ready p50 (${f9.length} sales)`, percentile(f9, 50), 'ms');
    report('Enter → sale recorded and shown p50', percentile(enter, 50), 'ms');
    report('Enter → sale recorded and shown p99', percentile(enter, 99), 'ms');
    report('F10 → ticket rendered and sent to print p50', percentile(f10, 50), 'ms');
    report('F10 → ticket rendered and sent to print p99', percentile(f10, 99), 'ms');
    const ready = f9.map((v, i) => v + (enter[i] ?? 0) + (f10[i] ?? 0));
    report('F9 → ticket ready to print (sum) p50', percentile(ready, 50), 'ms');
    report('F9 → ticket ready to print (sum) p99', percentile(ready, 99), 'ms');
  } finally {
    await browser.close();
  }
}

const folder = mkdtempSync(join(tmpdir(), 'mostrador-counter-bench-'));
const dataDir = join(folder, 'data');
try {
  let started = performance.now();
  await makeStation(dataDir);
  report('station with 50,000 products made', performance.now() - started, 'ms');
  await searchFigures(dataDir);
  if (!existsSync(CHROMIUM)) {
    console.log(`${CHROMIUM} is missing: the counter figures in the browser are skipped.`);
  } else {
    const { child, url } = await serve(dataDir);
    try {
      started = performance.now();
      await counterFigures(url);
      report('browser part, wall time', performance.now() - started, 'ms');
    } finally {
      child.kill('SIGTERM');
      await new Promise((resolve) => child.once('exit', resolve));
    }
  }
} finally {
  rmSync(folder, { recursive: true, force: true });
}
