// `npm start`: the API (on an embedded PostgreSQL unless DATABASE_URL is set) plus a station.
// The station is the Electron app when its binary is installed, otherwise the same app in a
// browser (`station serve --ui`), with its address printed. `npm start -- --demo` starts two
// browser-mode stations side by side to watch live sync; `--browser` skips Electron.
// Station data lives under .data/stations/ (DATA_DIR), so a second start finds it enrolled.
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const args = new Set(process.argv.slice(2));
const demo = args.has('--demo');
const env = process.env;
const dataDir = resolve(env.DATA_DIR ?? join(ROOT, '.data'));
const apiPort = Number(env.PORT ?? 3000);
const apiUrl = `http://127.0.0.1:${apiPort}`;
const uiPort = Number(env.UI_PORT ?? 4310);
const children = [];

function electronBinary() {
  // Never require('electron') here: without its binary it tries to download one.
  const pathFile = join(ROOT, 'node_modules/electron/path.txt');
  if (!existsSync(pathFile)) return null;
  const binary = join(ROOT, 'node_modules/electron/dist', readFileSync(pathFile, 'utf8').trim());
  return existsSync(binary) ? binary : null;
}

function run(command, commandArgs, options = {}) {
  const child = spawn(command, commandArgs, { cwd: ROOT, stdio: ['ignore', 'inherit', 'inherit'], ...options });
  children.push(child);
  child.on('exit', (code, signal) => {
    if (!stopping) {
      console.error(`mostrador: ${commandArgs[0] ?? command} stopped (${signal ?? code}); stopping everything.`);
      void stop(1);
    }
  });
  return child;
}

/**
 * The API says when it listens (an IPC message from server/src/main.ts); then /health must
 * answer 200 (database and LISTEN ready). No polling while it starts.
 */
function waitForApi(api) {
  return new Promise((done, fail) => {
    const onExit = () => fail(new Error(`the API stopped before answering on ${apiUrl}/health`));
    api.once('exit', onExit);
    api.on('message', async (message) => {
      if (message?.event !== 'listening') return;
      api.off('exit', onExit);
      try {
        const health = await fetch(`${apiUrl}/health`);
        if (health.ok) done();
        else fail(new Error(`the API answered ${health.status} on ${apiUrl}/health: ${await health.text()}`));
      } catch (error) {
        fail(error);
      }
    });
  });
}

/** A browser-mode station; resolves with the address it printed once listening. */
function startBrowserStation(name, port) {
  const folder = join(dataDir, 'stations', name);
  mkdirSync(folder, { recursive: true });
  const child = run(
    process.execPath,
    ['desktop/bin/station.js', 'serve', '--data', folder, '--ui', `127.0.0.1:${port}`],
    {
      stdio: ['ignore', 'pipe', 'inherit'],
      env: { ...env, MOSTRADOR_SERVER_URL: apiUrl },
    },
  );
  return new Promise((done, fail) => {
    const lines = createInterface({ input: child.stdout });
    lines.on('line', (line) => {
      try {
        const message = JSON.parse(line);
        if (message.event === 'ui') done(message.url);
      } catch {}
    });
    child.once('exit', () => fail(new Error(`station ${name} exited before listening`)));
  });
}

let stopping = false;
async function stop(code = 0) {
  if (stopping) return;
  stopping = true;
  const exits = children
    .filter((child) => child.exitCode === null && child.signalCode === null)
    .map(
      (child) =>
        new Promise((done) => {
          child.once('exit', done);
          child.kill('SIGTERM');
        }),
    );
  await Promise.all(exits);
  process.exit(code);
}
process.on('SIGINT', () => void stop(0));
process.on('SIGTERM', () => void stop(0));

async function main() {
  // The API and the station start side by side: the station works offline and goes online
  // (its live client retries with a short backoff) as soon as the API listens.
  const api = run(process.execPath, ['server/dist/main.js'], {
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    env: { ...env, PORT: String(apiPort), HOST: env.HOST ?? '127.0.0.1' },
  });
  const apiReady = waitForApi(api);
  const electron = demo || args.has('--browser') ? null : electronBinary();
  if (electron) {
    await apiReady;
    run(electron, ['desktop'], { env: { ...env, MOSTRADOR_SERVER_URL: apiUrl } });
    console.log(`\n  Mostrador: API on ${apiUrl}; the station opens in its own window.\n`);
    return;
  }
  const names = demo ? ['station-1', 'station-2'] : ['station-1'];
  const stations = Promise.all(names.map((name, index) => startBrowserStation(name, uiPort + index)));
  const [urls] = await Promise.all([stations, apiReady]);
  const note =
    electron === null && !demo && !args.has('--browser')
      ? "  (Electron's binary is not installed, so the station runs in the browser; see README.)\n"
      : '';
  console.log(`\n  Mostrador: API on ${apiUrl}`);
  for (const [index, url] of urls.entries()) console.log(`  Station ${index + 1}: open ${url} in a browser`);
  console.log(`${note}  First run: server address ${apiUrl}, user "admin" and the password printed above`);
  console.log('  (or ADMIN_PASSWORD). Ctrl+C stops everything.\n');
}

main().catch((error) => {
  console.error(`mostrador: ${error.message}`);
  void stop(1);
});
