/**
 * The back office in Debian's Chromium (playwright-core) against a real API server process
 * and stations in browser mode: a provider form with the app's own validation, a CSV import
 * with two bad lines, a 40-line purchase, a stock count, the movement history, a report that
 * matches the sales made here, a station backup, the status bar under a frozen server
 * (SIGSTOP), and two stations in one browser staying logged in. Screenshots of the screens in
 * Spanish and English land in test-artifacts/back-office/.
 */
import { readFileSync } from 'node:fs';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestDatabase } from '../test/support/pg.js';
import type { TestServer } from '../test/support/server.js';
import { openTestStation } from '../test/support/station.js';
import {
  enroll,
  launchChromium,
  logIn,
  prepareBrowserSuite,
  runBrowserTests,
  screenshotsIn,
  startServer,
} from './support/browser.js';
import { type ServerProcess, UiStation } from './support/ui-stations.js';

const ARTIFACTS = 'test-artifacts/back-office';
const PRODUCTS = 40;
const sku = (n: number) => `P-${String(n).padStart(2, '0')}`;

type TestStation = Awaited<ReturnType<typeof openTestStation>>;

describe.runIf(runBrowserTests)('the back office in a browser', () => {
  let database: TestDatabase;
  let server: ServerProcess;
  let browser: Browser;
  let station: UiStation;
  let second: UiStation;
  let page: Page;

  const shot = screenshotsIn(ARTIFACTS);

  beforeAll(async () => {
    prepareBrowserSuite(ARTIFACTS);
    ({ database, server } = await startServer());
    station = new UiStation({ MOSTRADOR_PASSWORD: server.adminPassword });
    second = new UiStation({ MOSTRADOR_PASSWORD: server.adminPassword });
    await Promise.all([station.start(), second.start()]);
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  });

  afterAll(async () => {
    await browser?.close();
    server?.signal('SIGCONT');
    await Promise.all([station?.stop(), second?.stop()]);
    await server?.stop();
    await database?.drop();
  });

  async function enrollAndLogIn(target: Page, ui: UiStation, name: string) {
    await enroll(target, ui.url, server, name);
    await logIn(target, 'admin', server.adminPassword);
  }

  /** A sale through the station's own channel, as the counter makes it. */
  const sell = (items: { sku: string; quantity: number }[]) =>
    page.evaluate(async (lines) => {
      const call = async (channel: string, body: unknown) => {
        const response = await fetch(`/api/${channel}`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify(body),
        });
        if (!response.ok) throw new Error(`${channel}: ${response.status} ${await response.text()}`);
        return response.json();
      };
      const products = [];
      for (const line of lines) {
        const found = await call('products:lookup', { query: line.sku });
        products.push({
          productId: found.products.find((p: { sku: string }) => p.sku === line.sku).id,
          quantity: line.quantity,
        });
      }
      return (await call('sales:complete', { items: products, paymentMethod: 'cash' })).sale.total as number;
    }, items);

  const nav = (name: string) => page.getByRole('navigation').getByRole('button', { name, exact: false });

  it('enrolls and logs in; the whole menu fits on one line at 1280 px', async () => {
    await enrollAndLogIn(page, station, 'Oficina');
    const heights = await page.evaluate(() => {
      const buttons = [...document.querySelectorAll('.nav .nav-item')] as HTMLElement[];
      return [...new Set(buttons.map((b) => b.offsetTop))];
    });
    await shot(page, '01-es-counter');
    expect(heights).toHaveLength(1);
  });

  it('validates a form in the app’s words next to the field; the dialog is modal, named, and Esc gives focus back', async () => {
    await nav('Proveedores').click();
    const open = page.getByRole('button', { name: 'Nuevo proveedor' });
    await open.click();
    const dialog = page.getByRole('dialog', { name: 'Nuevo proveedor' });
    await dialog.waitFor();
    await dialog.getByRole('button', { name: 'Guardar' }).click();
    await dialog.getByText('Este campo es obligatorio.').waitFor();
    await dialog.getByLabel('Correo').fill('no-es-un-correo');
    await dialog.getByRole('button', { name: 'Guardar' }).click();
    await dialog.getByText('Escriba un correo como nombre@ejemplo.com.').waitFor();
    await shot(page, '02-es-provider-validation');
    await page.keyboard.press('Escape');
    await dialog.waitFor({ state: 'detached' });
    expect(await page.evaluate(() => document.activeElement?.textContent)).toBe('Nuevo proveedor');
    await open.click();
    await dialog.getByLabel('Nombre', { exact: true }).fill('Distribuidora Sur');
    await dialog.getByRole('button', { name: 'Guardar' }).click();
    await page.getByRole('cell', { name: 'Distribuidora Sur' }).waitFor();
    await page.getByRole('button', { name: 'Editar' }).first().click();
    await page.getByRole('dialog', { name: 'Editar proveedor «Distribuidora Sur»' }).waitFor();
    await page.keyboard.press('Escape');
    // The password rule in the app's language, before anything is sent.
    await nav('Usuarios').click();
    await page.getByRole('button', { name: 'Nuevo usuario' }).click();
    const user = page.getByRole('dialog', { name: 'Nuevo usuario' });
    await user.getByLabel('Usuario', { exact: true }).fill('lucia');
    await user.getByLabel('Nombre visible').fill('Lucía');
    await user.getByLabel('Contraseña').fill('corta');
    await user.getByRole('button', { name: 'Guardar' }).click();
    await user.getByText('La contraseña necesita al menos 8 caracteres.').waitFor();
    await page.keyboard.press('Escape');
  });

  it('imports products from CSV: previews two bad lines in Spanish, writes nothing until confirmed, then the good 40', async () => {
    await nav('Productos').click();
    const lines = ['Código;Nombre;Precio;Coste;Proveedor;Stock mínimo'];
    for (let n = 1; n <= PRODUCTS; n++) {
      lines.push(`${sku(n)};Producto ${String(n).padStart(2, '0')};${n},50;;Distribuidora Sur;${n <= 5 ? 3 : ''}`);
    }
    lines.splice(10, 0, 'MALO-1;Sin precio bueno;gratis;;;');
    lines.splice(20, 0, 'MALO-2;;1,00;;;');
    await page.getByRole('button', { name: 'Importar CSV' }).click();
    const dialog = page.getByRole('dialog', { name: 'Importar Productos desde CSV' });
    await dialog.getByLabel('Archivo CSV').setInputFiles({
      name: 'productos.csv',
      mimeType: 'text/csv',
      buffer: Buffer.from(lines.join('\r\n')),
    });
    await dialog
      .getByTestId('csv-summary')
      .filter({ hasText: '40 nuevos, 0 actualizados, 2 líneas con errores' })
      .waitFor();
    await dialog.getByText('«Precio» debe ser un importe (se leyó «gratis»).').waitFor();
    await dialog.getByText('Falta «Nombre».').waitFor();
    await shot(page, '03-es-csv-preview');
    expect(await page.getByTestId('products-table').count()).toBe(0);
    await dialog.getByRole('button', { name: 'Importar 40 líneas' }).click();
    await page.getByText('Importación hecha: 40 nuevos, 0 actualizados, 2 líneas omitidas.').waitFor();
    await page.getByRole('cell', { name: 'Producto 40' }).waitFor();
    // Five products have a minimum of 3 and no stock yet: the menu says so.
    await expect.poll(() => page.getByTestId('nav-low-stock').textContent()).toBe('5');
    await shot(page, '04-es-products');
  });

  it('sorts a list by a column', async () => {
    await page.getByRole('button', { name: 'Nombre', exact: true }).click();
    await page.getByRole('button', { name: 'Nombre ▲' }).click();
    await expect
      .poll(() => page.getByTestId('products-table').locator('tbody tr td').nth(2).textContent())
      .toBe('Producto 40');
  });

  it('records a 40-line delivery from a provider, scanning each product, with a cost per line', async () => {
    await nav('Existencias').click();
    await page.getByRole('tab', { name: 'Compra a proveedor' }).click();
    await page.getByLabel('Proveedor').selectOption({ label: 'Distribuidora Sur' });
    await page.getByLabel('Albarán o factura').fill('ALB-7');
    const scan = page.getByLabel('Añadir producto');
    for (let n = 1; n <= PRODUCTS; n++) {
      await scan.fill(sku(n));
      await scan.press('Enter');
      await page.locator(`tr[data-sku="${sku(n)}"]`).waitFor();
    }
    await page.getByLabel('Cantidad de Producto 01').fill('10');
    await page.getByLabel('Coste unitario de Producto 01').fill('0,40');
    await page.getByLabel('Cantidad de Producto 02').fill('0');
    await page.getByRole('button', { name: 'Registrar compra (40 líneas)' }).click();
    // The app's own message next to the bad line; nothing was sent.
    await page.getByText('La cantidad debe ser un número entero mayor que 0.').waitFor();
    await page.getByLabel('Cantidad de Producto 02').fill('1');
    await shot(page, '05-es-purchase');
    await page.getByRole('button', { name: 'Registrar compra (40 líneas)' }).click();
    await page.getByText('Compra registrada: 40 líneas.').waitFor();
    await page.getByRole('tab', { name: 'Existencias' }).click();
    await page.getByRole('searchbox', { name: 'Buscar…' }).fill('P-01');
    await expect
      .poll(() => page.getByTestId('stock-table').locator('tbody tr').first().locator('td').nth(2).textContent())
      .toBe('10');
    // P-02…P-05 have 1 of a minimum of 3; P-01 has 10.
    await expect.poll(() => page.getByTestId('nav-low-stock').textContent()).toBe('4');
    await page.getByRole('tab', { name: /Bajo mínimo/ }).click();
    await page.getByTestId('low-stock-table').getByRole('cell', { name: 'P-05' }).waitFor();
    await shot(page, '06-es-low-stock');
  });

  it('posts a stock count as adjustments and shows them in the product’s history with the running balance', async () => {
    await page.getByRole('tab', { name: 'Recuento' }).click();
    const scan = page.getByLabel('Añadir producto');
    for (const code of ['P-02', 'P-03']) {
      await scan.fill(code);
      await scan.press('Enter');
      await page.locator(`tr[data-sku="${code}"]`).waitFor();
    }
    await page.getByLabel('Cantidad contada de Producto 02').fill('7');
    await page.getByLabel('Cantidad contada de Producto 03').fill('1');
    await shot(page, '07-es-count');
    await page.getByRole('button', { name: 'Registrar recuento (2 productos)' }).click();
    await page.getByText('Recuento registrado: 1 productos ajustados, 1 sin cambios.').waitFor();
    await page.getByRole('tab', { name: 'Existencias' }).click();
    await page.getByRole('searchbox', { name: 'Buscar…' }).fill('P-02');
    await page.getByTestId('stock-table').getByRole('button', { name: 'Movimientos' }).first().click();
    const history = page.getByRole('dialog', { name: 'Movimientos de «Producto 02»' });
    await history.waitFor();
    const rows = history.getByTestId('history-table').locator('tbody tr');
    await expect.poll(() => rows.count()).toBe(2);
    const cells = async (index: number) => (await rows.nth(index).locator('td').allTextContents()).slice(1);
    expect(await cells(0)).toEqual(['Ajuste', '+6', '7', 'Administrador', 'Esta estación', 'Recuento']);
    expect(await cells(1)).toEqual([
      'Compra',
      '+1',
      '1',
      'Administrador',
      'Esta estación',
      'Distribuidora Sur · ALB-7',
    ]);
    await shot(page, '08-es-history');
    await page.keyboard.press('Escape');
    await history.waitFor({ state: 'detached' });
  });

  it('reports the sales made here: the day’s total and the top product with its margin', async () => {
    const totals = [
      await sell([{ sku: 'P-01', quantity: 3 }]),
      await sell([
        { sku: 'P-01', quantity: 1 },
        { sku: 'P-10', quantity: 2 },
      ]),
      await sell([{ sku: 'P-20', quantity: 1 }]),
    ];
    // Prices were imported as n,50: P-01 1,50; P-10 10,50; P-20 20,50.
    expect(totals).toEqual([450, 150 + 2100, 2050]);
    await nav('Informes').click();
    const table = page.getByTestId('report-table');
    await table.waitFor();
    const today = await page.evaluate(() => {
      const d = new Date();
      return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')}`;
    });
    const row = table.locator('tbody tr').filter({ has: page.getByRole('cell', { name: today, exact: true }) });
    expect(await row.locator('td').allTextContents()).toEqual([today, '3', '47,50', '0', '0,00']);
    await page.getByTestId('report-chart').waitFor();
    await shot(page, '09-es-report-days');
    await page.getByTestId('report-select').selectOption('product');
    const first = table.locator('tbody tr').first();
    await expect.poll(() => first.locator('td').first().textContent()).toBe('P-10');
    const p01 = table.locator('tbody tr').filter({ has: page.getByRole('cell', { name: 'P-01', exact: true }) });
    // 4 sold at 1,50 = 6,00; cost 0,40 each = 1,60; margin 4,40.
    expect((await p01.locator('td').allTextContents()).slice(3)).toEqual(['4', '6,00', '1,60', '4,40']);
    await shot(page, '10-es-report-products');
  });

  it("shows a sale made at a station in the owner's browser view within about a second", async () => {
    const owner = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    try {
      await owner.goto(`${server.url}/owner/`);
      await owner.getByLabel('Usuario').fill('admin');
      await owner.getByLabel('Contraseña').fill(server.adminPassword);
      await owner.getByRole('button', { name: 'Entrar' }).click();
      const today = owner.getByTestId('today');
      await expect.poll(() => today.textContent(), { timeout: 10_000 }).toMatch(/^3 ventas · 47,50/);
      await owner.locator('#stations').getByText('Oficina').waitFor();
      await owner.locator('#by-cashier').getByText('Administrador').waitFor();
      const soldAt = Date.now();
      await sell([{ sku: 'P-05', quantity: 1 }]);
      await expect.poll(() => today.textContent(), { timeout: 10_000, intervals: [50] }).toMatch(/^4 ventas · 53,00/);
      console.log(`owner's view showed the sale ${Date.now() - soldAt} ms after it was made`);
      await owner
        .locator('#latest')
        .getByText(/^OF|^[A-Z0-9]+-/)
        .first()
        .waitFor();
      await shot(owner, '11a-es-owner-view');
    } finally {
      await owner.close();
    }
  });

  it('reports a cash session: who opened and closed it, here, the cash expected and counted, the difference, as CSV too', async () => {
    const call = (channel: string, body: unknown) =>
      page.evaluate(
        async ([name, request]) => {
          const response = await fetch(`/api/${name}`, {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify(request),
          });
          if (!response.ok) throw new Error(`${name}: ${response.status} ${await response.text()}`);
          return response.json();
        },
        [channel, body] as const,
      );
    await call('cash:open', { float: 5000 });
    // 50,00 float + 20,50 in cash = 70,50 expected; 70,00 counted: 0,50 missing.
    await sell([{ sku: 'P-20', quantity: 1 }]);
    await call('cash:close', { counts: { '5000': 1, '2000': 1 } });
    await nav('Informes').click();
    await page.getByTestId('report-select').selectOption('cash');
    const row = page.getByTestId('report-table').locator('tbody tr').first();
    await expect
      .poll(async () => (await row.locator('td').allTextContents()).slice(1))
      .toEqual([
        'Esta estación',
        'Administrador',
        expect.stringMatching(/\d/),
        'Administrador',
        '50,00',
        '70,50',
        '70,00',
        '-0,50',
      ]);
    await shot(page, '10b-es-report-cash');
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('button', { name: 'Exportar CSV' }).click(),
    ]);
    const csv = readFileSync((await download.path()) as string, 'utf8').split('\r\n');
    expect(csv[0]).toBe('Apertura,Estación,Abrió,Cierre,Cerró,Fondo,Esperado,Contado,Diferencia');
    expect(csv[1]).toMatch(/^[^,]+,Esta estación,Administrador,[^,]+,Administrador,50\.00,70\.50,70\.00,-0\.50$/);
  });

  const allSent = () =>
    expect.poll(() => page.getByTestId('status-pending').textContent(), { timeout: 15_000 }).toBe('Todo enviado');

  /**
   * This station saves product `sku` while the server is down and stays frozen while it comes
   * back, so `other`'s product with the same code reaches the server first and this one is
   * refused; then the list of refused records is opened.
   */
  /**
   * This station saves a product with `barcode` while the server is down and stays frozen
   * while it comes back, so another station's product with that barcode reaches the server
   * first and this one is refused. (The same SKU would merge the two into one product.)
   */
  async function refusedHere(other: TestStation, sku: string, barcode: string, name: string, otherName: string) {
    await server.stop();
    await nav('Productos').click();
    await page.getByRole('button', { name: 'Nuevo producto' }).click();
    const form = page.getByRole('dialog', { name: 'Nuevo producto' });
    await form.getByLabel('Código', { exact: true }).fill(sku);
    await form.getByLabel('Código de barras').fill(barcode);
    await form.getByLabel('Nombre', { exact: true }).fill(name);
    await form.getByLabel('Precio', { exact: true }).fill('1,00');
    await form.getByRole('button', { name: 'Guardar' }).click();
    await form.waitFor({ state: 'detached' });
    station.signal('SIGSTOP');
    await server.start();
    other.shop.save('products', { sku: `OTRO-${sku}`, barcode, name: otherName, price: 100, active: true });
    await other.sync.pushOutbox();
    station.signal('SIGCONT');
    const refused = page.getByRole('button', { name: '1 registro rechazado' });
    await refused.waitFor({ timeout: 30_000 });
    await refused.click();
    return { refused, list: page.getByRole('dialog', { name: 'Registros rechazados por el servidor' }) };
  }

  it('shows a conflict field by field and restores the lost version as a new edit', async () => {
    // Another station (in this process) has P-30 as it was, and edits it without seeing the edit below.
    const other = await openTestStation(server as unknown as TestServer, 'Caja Sur');
    try {
      const p30 = other.dump().tables.products.find((p) => p.sku === 'P-30');
      await nav('Productos').click();
      await page.getByRole('searchbox', { name: 'Buscar…' }).fill('P-30');
      await page
        .getByTestId('products-table')
        .locator('tbody tr')
        .filter({ has: page.getByRole('cell', { name: 'P-30', exact: true }) })
        .getByRole('button', { name: 'Editar' })
        .click();
      const dialog = page.getByRole('dialog', { name: 'Editar producto «Producto 30»' });
      await dialog.getByLabel('Precio', { exact: true }).fill('99,00');
      await dialog.getByRole('button', { name: 'Guardar' }).click();
      await dialog.waitFor({ state: 'detached' });
      await allSent();
      other.shop.save('products', { id: p30?.id, price: 7700 });
      await other.sync.pushOutbox();
      // The other edit won (it is the later one): this station shows 77,00 once it pulls.
      await page.getByRole('cell', { name: '77,00' }).waitFor({ timeout: 15_000 });
      await nav('Conflictos').click();
      const conflict = page.getByTestId('conflict').filter({ hasText: 'Producto «Producto 30»' });
      await conflict.waitFor({ timeout: 15_000 });
      expect(await conflict.locator('tbody tr').first().locator('td').allTextContents()).toEqual([
        'Precio',
        '99,00',
        '77,00',
      ]);
      await shot(page, '11b-es-conflicts');
      await conflict.getByRole('button', { name: 'Restaurar esta versión' }).click();
      await page.getByRole('dialog').getByRole('button', { name: 'Restaurar esta versión' }).click();
      await page.getByText('Versión de «Producto 30» restaurada').waitFor();
      await allSent();
      await other.sync.pullChanges();
      expect(other.get('products', p30?.id as string)?.price).toBe(9900);
    } finally {
      other.close();
    }
  });

  it('names a refused record in plain words and fixes it from the list', async () => {
    const other = await openTestStation(server as unknown as TestServer, 'Caja Este');
    try {
      const { refused, list } = await refusedHere(other, 'DUP-1', '7790001', 'Duplicado', 'El primero');
      await list.getByText('Producto «Duplicado»').waitFor();
      await list.getByText(/otro registro ya usa el mismo código/).waitFor();
      await shot(page, '11c-es-refused');
      await list.getByRole('button', { name: 'Corregir' }).click();
      const fix = page.getByRole('dialog', { name: 'Editar producto «Duplicado»' });
      await fix.getByLabel('Código de barras').fill('7790002');
      await fix.getByRole('button', { name: 'Guardar' }).click();
      await refused.waitFor({ state: 'detached', timeout: 30_000 });
      await allSent();
      await other.sync.pullChanges();
      expect(
        other
          .dump()
          .tables.products.filter((p) => String(p.barcode).startsWith('779000'))
          .map((p) => `${p.sku} ${p.barcode}`)
          .sort(),
      ).toEqual(['DUP-1 7790002', 'OTRO-DUP-1 7790001']);
    } finally {
      station.signal('SIGCONT');
      other.close();
    }
  });

  it('discards a held record from the list: withdrawn on the server and undone here', async () => {
    const other = await openTestStation(server as unknown as TestServer, 'Caja Oeste');
    try {
      const { refused, list } = await refusedHere(other, 'DUP-3', '7790003', 'Repetido', 'El bueno');
      await list.getByText('Producto «Repetido»').waitFor();
      await list.getByRole('button', { name: 'Descartar' }).click();
      const confirm = page.getByRole('dialog', { name: '¿Descartar este cambio retenido?' });
      await confirm.getByRole('button', { name: 'Descartar el cambio' }).click();
      await list.getByText('Cambio descartado: se ha deshecho en esta estación.').waitFor({ timeout: 30_000 });
      await shot(page, '11d-es-refused-discarded');
      expect(await list.getByText('Producto «Repetido»').count()).toBe(0);
      await list.getByRole('button', { name: 'Cerrar' }).click();
      await refused.waitFor({ state: 'detached', timeout: 15_000 });
      // Undone here: the server's product with that barcode is the only one, at this station too.
      await page.getByRole('searchbox', { name: 'Buscar…' }).fill('7790003');
      await page.getByRole('cell', { name: 'El bueno' }).waitFor({ timeout: 15_000 });
      await expect.poll(() => page.getByRole('cell', { name: 'Repetido' }).count(), { timeout: 15_000 }).toBe(0);
      await allSent();
    } finally {
      station.signal('SIGCONT');
      other.close();
    }
  });

  it('backs up the running station from the Stations screen', async () => {
    await nav('Estaciones').click();
    await page.getByRole('button', { name: 'Copia de seguridad de esta estación' }).click();
    await page
      .getByTestId('backup-done')
      .filter({ hasText: /Copia guardada en .*station-.*\.db/ })
      .waitFor();
    await shot(page, '11-es-stations-backup');
  });

  it('says "Sin conexión" within seconds of the API freezing (SIGSTOP), and recovers when it thaws', async () => {
    await nav('Informes').click();
    await expect.poll(() => page.getByTestId('status-online').textContent(), { timeout: 15_000 }).toBe('Conectado');
    server.signal('SIGSTOP');
    const frozenAt = Date.now();
    await expect.poll(() => page.getByTestId('status-online').textContent(), { timeout: 15_000 }).toBe('Sin conexión');
    console.log(`status bar offline ${Date.now() - frozenAt} ms after SIGSTOP`);
    // Work done meanwhile waits, counted as a person counts it: one sale of two lines is one sale.
    await sell([
      { sku: 'P-01', quantity: 1 },
      { sku: 'P-10', quantity: 1 },
    ]);
    await expect
      .poll(() => page.getByTestId('status-pending').textContent(), { timeout: 15_000 })
      .toBe('1 venta pendiente de enviar');
    await page.evaluate(async () => {
      const response = await fetch('/api/rows:save', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ table: 'customers', row: { name: 'Cliente sin conexión' } }),
      });
      if (!response.ok) throw new Error(await response.text());
    });
    await expect
      .poll(() => page.getByTestId('status-pending').textContent(), { timeout: 15_000 })
      .toBe('1 venta y 1 cambio pendientes de enviar');
    await shot(page, '12-es-frozen-api');
    server.signal('SIGCONT');
    await expect.poll(() => page.getByTestId('status-online').textContent(), { timeout: 30_000 }).toBe('Conectado');
    await expect.poll(() => page.getByTestId('status-pending').textContent(), { timeout: 30_000 }).toBe('Todo enviado');
  });

  it('keeps two stations in one browser logged in side by side', async () => {
    // One browser context shares cookies, as two tabs of one browser do.
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    try {
      const first = await context.newPage();
      await first.goto(station.url);
      await logIn(first, 'admin', server.adminPassword);
      const other = await context.newPage();
      await enrollAndLogIn(other, second, 'Caja 2');
      for (const tab of [first, other]) {
        await tab.reload();
        await tab.getByTestId('status-bar').waitFor();
        expect(await tab.getByRole('heading', { name: 'Iniciar sesión' }).count()).toBe(0);
      }
      await shot(other, '12b-es-second-station-same-browser');
    } finally {
      await context.close();
    }
  });

  it('shows the same screens in English', async () => {
    await page.getByLabel('Idioma').selectOption('en');
    const en = (name: string) => page.getByRole('navigation').getByRole('button', { name, exact: false });
    await en('Reports').click();
    await page.getByRole('heading', { name: 'Reports' }).waitFor();
    await page.getByTestId('report-select').selectOption('category');
    await page.getByTestId('report-table').waitFor();
    await shot(page, '13-en-report-categories');
    await en('Stock').click();
    await page.getByRole('tab', { name: /Below minimum/ }).click();
    await shot(page, '14-en-low-stock');
    await page.getByRole('tab', { name: 'Purchase from provider' }).click();
    await shot(page, '15-en-purchase');
    await page.getByRole('tab', { name: 'Stock count' }).click();
    await shot(page, '16-en-count');
    await en('Products').click();
    await page.getByRole('button', { name: 'Import CSV' }).click();
    await page.getByRole('dialog', { name: 'Import Products from CSV' }).waitFor();
    await shot(page, '17-en-csv-import');
    await page.keyboard.press('Escape');
    await page.getByRole('button', { name: 'New product' }).click();
    await page.getByRole('dialog', { name: 'New product' }).getByRole('button', { name: 'Save' }).click();
    await page.getByText('This field is required.').first().waitFor();
    await shot(page, '18-en-product-validation');
    await page.keyboard.press('Escape');
    await en('Stations').click();
    await shot(page, '19-en-stations');
    await page.getByLabel('Language').selectOption('es');
  });
});
