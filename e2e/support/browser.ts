/**
 * What the browser tests share: Debian's Chromium (playwright-core), a real API server
 * process on a fresh database, and the first-run and login screens filled in as a person
 * would. A missing Chromium skips the suites, except under CI=true, where it fails them.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync } from 'node:fs';
import { type Browser, chromium, type Page } from 'playwright-core';
import { createTestDatabase, type TestDatabase } from '../../test/support/pg.js';
import { freePort, RENDERER_INDEX, ServerProcess } from './ui-stations.js';

export const CHROMIUM = '/usr/bin/chromium';
export const hasChromium = existsSync(CHROMIUM);
/** Run a browser suite where Chromium is, and under CI=true always (so a missing one fails). */
export const runBrowserTests = hasChromium || process.env.CI === 'true';

/** Fails early on what a browser suite cannot run without, and makes its screenshot folder. */
export function prepareBrowserSuite(artifacts: string): void {
  if (!hasChromium) throw new Error(`${CHROMIUM} is missing and CI=true: install chromium.`);
  if (!existsSync(RENDERER_INDEX)) throw new Error('The renderer is not built: run `npm run build` first.');
  mkdirSync(artifacts, { recursive: true });
}

/** A full-page screenshot into `artifacts`, named by the test. */
export const screenshotsIn = (artifacts: string) => (page: Page, name: string) =>
  page.screenshot({ path: `${artifacts}/${name}.png`, fullPage: true });

/** A fresh database and the API server process on it, with a random admin password and JWT secret. */
export async function startServer(): Promise<{ database: TestDatabase; server: ServerProcess }> {
  const database = await createTestDatabase();
  const server = new ServerProcess(
    database.url,
    await freePort(),
    `admin-${randomBytes(6).toString('hex')}`,
    randomBytes(32).toString('hex'),
  );
  try {
    await server.start();
  } catch (error) {
    await server.stop();
    await database.drop();
    throw error;
  }
  return { database, server };
}

export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking'],
  });
}

/** The first-run screen at `stationUrl`: enrol the station as the server's admin, until the login shows. */
export async function enroll(
  page: Page,
  stationUrl: string,
  server: { url: string; adminPassword: string },
  name: string,
): Promise<void> {
  await page.goto(stationUrl);
  await page.getByLabel('Dirección del servidor').fill(server.url);
  await page.getByLabel('Nombre de esta estación').fill(name);
  await page.getByLabel('Usuario administrador').fill('admin');
  await page.getByLabel('Contraseña').fill(server.adminPassword);
  await page.getByRole('button', { name: 'Dar de alta la estación' }).click();
  await page.getByRole('heading', { name: 'Iniciar sesión' }).waitFor({ timeout: 60_000 });
}

/** The station's login screen, until the status bar of a logged-in station shows. */
export async function logIn(page: Page, username: string, password: string): Promise<void> {
  await page.getByLabel('Usuario', { exact: true }).fill(username);
  await page.getByLabel('Contraseña').fill(password);
  await page.getByRole('button', { name: 'Entrar' }).click();
  await page.getByTestId('status-bar').waitFor();
}
