/**
 * The real renderer in Debian's Chromium (playwright-core), against a real API server
 * process and two stations in browser mode, each its own process and data folder.
 * Screenshots land in test-artifacts/ui/.
 */
import { writeFileSync } from 'node:fs';
import { type AnyRow, unsealUserKey } from '@mostrador/common';
import type { Browser, Page, Route } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestDatabase } from '../test/support/pg.js';
import { changesOf, RowMaker } from '../test/support/rows.js';
import { enrollStation, login } from '../test/support/server.js';
import { pullAll, pushAs } from '../test/support/sync-client.js';
import {
  CHROMIUM,
  hasChromium,
  launchChromium,
  logIn as logInAs,
  prepareBrowserSuite,
  runBrowserTests,
  screenshotsIn,
  startServer,
} from './support/browser.js';
import { type ServerProcess, UiStation } from './support/ui-stations.js';

const ARTIFACTS = 'test-artifacts/ui';
const SEEDED_PRODUCTS = 2_000;

if (!hasChromium) {
  const line = '!'.repeat(78);
  console.warn(
    `\n${line}\n!! ${CHROMIUM} IS MISSING: the browser tests of the desktop UI are SKIPPED.\n!! Install it: apt-get install -y chromium   (CI=true makes this a failure)\n${line}\n`,
  );
}

describe.runIf(runBrowserTests)('the desktop UI in a browser', () => {
  let database: TestDatabase;
  let server: ServerProcess;
  let browser: Browser;
  const one = new UiStation();
  const two = new UiStation();
  let page1: Page;
  let page2: Page;

  const shot = screenshotsIn(ARTIFACTS);

  beforeAll(async () => {
    prepareBrowserSuite(ARTIFACTS);
    ({ database, server } = await startServer());
    await seedProducts();
    await Promise.all([one.start(), two.start()]);
    browser = await launchChromium();
    page1 = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    page2 = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  });

  afterAll(async () => {
    await browser?.close();
    await Promise.all([one.stop(), two.stop()]);
    await server?.stop();
    await database?.drop();
  });

  /** A catalogue to bootstrap, pushed by a station enrolled straight through the API. */
  async function seedProducts() {
    const admin = await login(server.url, 'admin', server.adminPassword);
    const { stationToken, stationId } = await enrollStation(server.url, 'Almacén', admin.token);
    // Writes are signed: the admin's key, opened with the admin's password as a station would.
    const users = (await pullAll(server.url, stationToken)).tables.get('users');
    const adminRow = users?.get(admin.user.id) as AnyRow;
    const key = await unsealUserKey(adminRow.sealedKey as string, adminRow.publicKey as string, server.adminPassword);
    const maker = new RowMaker(admin.user.id);
    const rows = Array.from({ length: SEEDED_PRODUCTS }, (_, n) =>
      maker.row('products', { sku: `SEED-${n}`, name: `Artículo ${n}` }),
    );
    const answer = await pushAs(
      { url: server.url, token: stationToken, stationId },
      { userId: admin.user.id, key },
      changesOf('products', rows),
      'one',
    );
    expect(answer.status).toBe(200);
    expect(answer.body.groups.map((g) => g.status)).toEqual(['applied']);
  }

  async function firstRun(page: Page, station: UiStation, name: string, screenshots: boolean) {
    await page.goto(station.url);
    await expect.poll(() => page.getByRole('heading', { name: 'Bienvenido a Mostrador' }).count()).toBe(1);
    await page.getByLabel('Dirección del servidor').fill(server.url);
    await page.getByLabel('Nombre de esta estación').fill(name);
    await page.getByLabel('Usuario administrador').fill('admin');
    await page.getByLabel('Contraseña').fill('not-the-password');
    await page.getByRole('button', { name: 'Dar de alta la estación' }).click();
    await page.getByRole('alert').filter({ hasText: 'Usuario o contraseña incorrectos.' }).waitFor();
    if (screenshots) await shot(page, '01-first-run-wrong-password');
    // Record every progress label the bootstrap screen shows, however fast it goes by.
    await page.evaluate(() => {
      const seen: string[] = [];
      (window as unknown as { progressSeen: string[] }).progressSeen = seen;
      new MutationObserver(() => {
        const label = document.querySelector('[data-testid="bootstrap-count"]')?.textContent;
        if (label && seen.at(-1) !== label) seen.push(label);
      }).observe(document.body, { subtree: true, childList: true, characterData: true });
    });
    await page.getByLabel('Contraseña').fill(server.adminPassword);
    await page.getByRole('button', { name: 'Dar de alta la estación' }).click();
    await page.getByRole('heading', { name: 'Iniciar sesión' }).waitFor({ timeout: 60_000 });
    return page.evaluate(() => (window as unknown as { progressSeen: string[] }).progressSeen);
  }

  const logIn = (page: Page) => logInAs(page, 'admin', server.adminPassword);

  it('enrolls a fresh station from the first-run screen, shows the bootstrap progress, then the login', async () => {
    const seen = await firstRun(page1, one, 'Caja 1', true);
    await shot(page1, '02-login');
    const counts = seen.map((label) => label.match(/^(\d+) de (\d+) registros$/)).filter((m) => m !== null);
    expect(counts.length, `progress labels: ${seen.join(' | ')}`).toBeGreaterThan(0);
    const last = counts.at(-1) as RegExpMatchArray;
    expect(Number(last[2])).toBeGreaterThanOrEqual(SEEDED_PRODUCTS);
    expect(last[1]).toBe(last[2]);
    await firstRun(page2, two, 'Caja 2', false);
  });

  it('logs in against the synced users and shows the main layout with the status bar', async () => {
    await logIn(page1);
    await logIn(page2);
    await expect.poll(() => page1.getByTestId('status-online').textContent()).toBe('Conectado');
    await expect(page1.getByRole('button', { name: 'Estaciones' }).count()).resolves.toBe(1);
    await shot(page1, '03-counter');
  });

  it('shows a product created at station 1 at station 2 without a reload', async () => {
    await page2.getByRole('button', { name: 'Productos' }).click();
    await page2.getByTestId('products-table').waitFor();
    await page1.getByRole('button', { name: 'Productos' }).click();
    await page1.getByRole('button', { name: 'Nuevo' }).click();
    await page1.getByLabel('Código', { exact: true }).fill('GALLETA-1');
    await page1.getByLabel('Nombre', { exact: true }).fill('Galletas de mantequilla');
    await page1.getByLabel('Precio').fill('2,75');
    await page1.getByRole('button', { name: 'Guardar' }).click();
    await page1.getByRole('cell', { name: 'Galletas de mantequilla' }).waitFor();
    await page2.getByRole('cell', { name: 'Galletas de mantequilla' }).waitFor({ timeout: 30_000 });
    await shot(page2, '04-station-2-sees-the-new-product');
  });

  it('shows a product pulled from elsewhere before the list re-reads it, then the re-read brings the count', async () => {
    // The change event carries the pulled row: station 2's list reads are held back meanwhile.
    const held: Route[] = [];
    await page2.route('**/api/rows:page', (route) => {
      held.push(route);
    });
    const pager = page2.getByRole('navigation', { name: 'Páginas' });
    const before = await pager.textContent();
    try {
      await page1.getByRole('button', { name: 'Nuevo' }).click();
      await page1.getByLabel('Código', { exact: true }).fill('ALFAJOR-1');
      await page1.getByLabel('Nombre', { exact: true }).fill('Alfajores de maicena');
      await page1.getByLabel('Precio').fill('1,50');
      await page1.getByRole('button', { name: 'Guardar' }).click();
      await page2.getByRole('cell', { name: 'Alfajores de maicena' }).waitFor({ timeout: 30_000 });
      // Shown while its re-read is asked and still unanswered; the count is the re-read's to tell.
      await expect.poll(() => held.length).toBeGreaterThan(0);
      expect(await pager.textContent()).toBe(before);
    } finally {
      // Held ones first: unroute lets through (itself) any asked after these.
      for (const route of held.splice(0)) await route.continue();
      await page2.unroute('**/api/rows:page');
    }
    const count = (text: string | null) => Number(/([\d.]+) registros/.exec(text ?? '')?.[1]?.replace('.', ''));
    await expect.poll(async () => count(await pager.textContent())).toBe(count(before) + 1);
  });

  it('sells at the counter with the keyboard only', async () => {
    await page1.getByRole('button', { name: 'Venta' }).click();
    const search = page1.getByRole('combobox', { name: /Buscar por código/ });
    await search.fill('GALLETA-1');
    await page1.getByRole('listbox').getByRole('option').first().waitFor();
    await search.press('Enter');
    await expect.poll(() => page1.getByTestId('ticket-total').textContent()).toBe('2,75');
    await page1.keyboard.press('F9');
    // The payment dialog opens on cash, ready for the amount tendered: Enter takes the exact amount.
    await page1.getByRole('dialog').getByTestId('pay-total').waitFor();
    await page1.keyboard.press('Enter');
    await page1
      .getByRole('status')
      .filter({ hasText: /Venta .+ completada/ })
      .waitFor();
    await shot(page1, '05-sale-completed');
  });

  it('creates a cashier at station 1 that station 2 receives', async () => {
    await page2.getByRole('button', { name: 'Usuarios' }).click();
    await page1.getByRole('button', { name: 'Usuarios' }).click();
    await page1.getByRole('button', { name: 'Nuevo' }).click();
    await page1.getByLabel('Usuario', { exact: true }).fill('lucia');
    await page1.getByLabel('Nombre visible').fill('Lucía Pérez');
    await page1.getByLabel('Rol').selectOption('cashier');
    await page1.getByLabel('Contraseña').fill('lucia-pass-1');
    await page1.getByRole('button', { name: 'Guardar' }).click();
    await page1.getByRole('cell', { name: 'Lucía Pérez' }).waitFor();
    await page2.getByRole('cell', { name: 'Lucía Pérez' }).waitFor({ timeout: 30_000 });
  });

  it('says offline when the server stops, still lets a synced user log in, and comes back by itself', async () => {
    await server.stop();
    await expect.poll(() => page1.getByTestId('status-online').textContent(), { timeout: 30_000 }).toBe('Sin conexión');
    await shot(page1, '06-offline');
    await page2.getByRole('button', { name: 'Cerrar sesión' }).click();
    // The login form takes the cursor again, as when the page opened.
    await expect.poll(() => page2.evaluate(() => document.activeElement?.getAttribute('name'))).toBe('username');
    await logInAs(page2, 'lucia', 'lucia-pass-1');
    // A cashier's navigation: the counter, customers and stock; no catalogue, users or stations.
    await page2.getByRole('button', { name: 'Venta' }).waitFor();
    expect(await page2.getByRole('button', { name: 'Productos' }).count()).toBe(0);
    expect(await page2.getByRole('button', { name: 'Estaciones' }).count()).toBe(0);
    await expect.poll(() => page2.getByTestId('status-online').textContent()).toBe('Sin conexión');
    await shot(page2, '06b-cashier-logged-in-offline');
    await server.start();
    await expect.poll(() => page1.getByTestId('status-online').textContent(), { timeout: 45_000 }).toBe('Conectado');
    await expect
      .poll(() => page1.getByTestId('status-pending').textContent(), { timeout: 30_000 })
      .toBe('Todo enviado');
    await shot(page1, '07-back-online');
  });

  it('shows both stations in the monitor and revokes one after a confirmation', async () => {
    await page1.getByRole('button', { name: 'Estaciones' }).click();
    const table = page1.getByTestId('stations-table');
    await table.waitFor({ timeout: 30_000 });
    await page1.locator('tr[data-station="Caja 1"]').waitFor();
    const row1 = page1.locator('tr[data-station="Caja 1"]');
    const row2 = page1.locator('tr[data-station="Caja 2"]');
    // Both stations are back online after the server's restart, and nothing is left over
    // from the time they could not reach it.
    for (const row of [row1, row2]) {
      await row.getByText('Conectada', { exact: true }).waitFor({ timeout: 30_000 });
      await expect.poll(() => row.locator('.error-text').textContent(), { timeout: 15_000 }).toBe('');
    }
    await shot(page1, '08-stations-monitor');
    await row2.getByRole('button', { name: 'Dar de baja' }).click();
    const dialog = page1.getByRole('dialog');
    await dialog.getByText('¿Dar de baja la estación «Caja 2»?').waitFor();
    await dialog.getByRole('button', { name: 'Sí, dar de baja' }).click();
    await row2.getByText('Dada de baja').waitFor({ timeout: 15_000 });
    await shot(page1, '09-station-revoked');
    // The revoked station says so itself, in its status bar, without a reload.
    await page2
      .getByTestId('status-problem')
      .filter({ hasText: 'Esta estación fue dada de baja' })
      .waitFor({ timeout: 30_000 });
    await expect.poll(() => page2.getByTestId('status-online').textContent()).toBe('Sin conexión');
    await shot(page2, '10-revoked-station-status-bar');
  });

  it('switches the language to English', async () => {
    await page1.getByLabel('Idioma').selectOption('en');
    await page1.getByRole('button', { name: 'Products' }).waitFor();
    await expect(page1.evaluate(() => document.documentElement.lang)).resolves.toBe('en');
  });

  it('reports the first paint of a fresh load', async () => {
    const page = await browser.newPage();
    await page.goto(one.url);
    await page.getByRole('heading').first().waitFor();
    // The heading is in the page once laid out; its paint is the frame after: wait for that
    // frame's entry (at most 5 s) rather than reading the entries before it is painted.
    const paints = await page.evaluate(async () => {
      await new Promise<void>((resolve) => {
        const painted = () => performance.getEntriesByName('first-contentful-paint').length > 0;
        if (painted()) return resolve();
        new PerformanceObserver((_, observer) => {
          if (!painted()) return;
          observer.disconnect();
          resolve();
        }).observe({ type: 'paint', buffered: true });
        setTimeout(resolve, 5_000);
      });
      return Object.fromEntries(
        performance.getEntriesByType('paint').map((entry) => [entry.name, Math.round(entry.startTime)]),
      );
    });
    await page.close();
    writeFileSync(`${ARTIFACTS}/paint.json`, `${JSON.stringify(paints, null, 2)}\n`);
    console.log(`renderer paint timings (ms): ${JSON.stringify(paints)}`);
    expect(Object.keys(paints)).toContain('first-contentful-paint');
  });
});
