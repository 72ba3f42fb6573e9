/**
 * `station serve --data DIR [--ui HOST:PORT] [--password-file FILE]`: the station online for
 * as long as it runs. At start it logs in as the enrolling user with the password in
 * MOSTRADOR_PASSWORD (or the first line of --password-file); without one, writes are
 * refused with NOT_LOGGED_IN until a `login` command.
 * JSON lines in and out (PROTOCOL.md): commands on stdin, one reply each (with the
 * command's tag), and unprompted events: ready, online, offline, pushed, pulled.
 * It keeps running when stdin closes (a script may just listen); SIGTERM and SIGINT stop
 * it cleanly. With --ui it also serves the renderer to a browser on that address.
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { MostradorError } from '@mostrador/common/errors';
import { listenUiBridge, type UiBridge } from '../bridge/server.js';
import { write } from './serve-output.js';

/**
 * How long the station core waits to load for a browser to ask for the page. Loading it keeps
 * this process too busy to answer the login screen briskly, so it waits for the login screen
 * to have its first answers (issue 11); with no browser, the station goes online this much later.
 */
const LOGIN_SCREEN_FIRST_MS = 1_000;
/**
 * Once a browser has the page, how long the core waits at most for its login screen's first
 * calls: running the renderer's script can take longer than the wait above on a busy computer,
 * and a page that never runs it must not keep the station offline.
 */
const LOGIN_SCREEN_LOAD_MS = 5_000;

const USAGE = 'station serve --data DIR [--ui HOST:PORT [--ui-allow-hosts NAME,…]] [--password-file FILE]';

export interface ServeFlags {
  data: string;
  ui: { host: string; port: number; allowedHosts: string[] } | null;
  password: string | null;
}

function parseServeFlags(args: string[]): ServeFlags {
  let values: { data?: string; ui?: string; 'ui-allow-hosts'?: string; 'password-file'?: string };
  try {
    ({ values } = parseArgs({
      args,
      options: {
        data: { type: 'string' },
        ui: { type: 'string' },
        'ui-allow-hosts': { type: 'string' },
        'password-file': { type: 'string' },
      },
      strict: true,
    }));
  } catch (error) {
    throw new MostradorError('BAD_COMMAND', `${(error as Error).message}. Usage: ${USAGE}`);
  }
  if (!values.data) throw new MostradorError('BAD_COMMAND', `Missing --data. Usage: ${USAGE}`);
  // Beyond loopback the bridge needs the names browsers will use (no Host check otherwise).
  const allowedHosts = (values['ui-allow-hosts'] ?? '')
    .split(',')
    .map((name) => name.trim())
    .filter(Boolean);
  return {
    data: values.data,
    ui: values.ui === undefined ? null : { ...parseAddress(values.ui), allowedHosts },
    password: readPassword(values['password-file']),
  };
}

/** The start-up password: the first line of --password-file, else MOSTRADOR_PASSWORD, else none. */
function readPassword(file: string | undefined): string | null {
  if (file === undefined) return process.env.MOSTRADOR_PASSWORD || null;
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new MostradorError('BAD_COMMAND', `Cannot read --password-file ${file}: ${(error as Error).message}`);
  }
  const password = text.split(/\r?\n/)[0] ?? '';
  if (password === '') throw new MostradorError('BAD_COMMAND', `--password-file ${file} is empty.`);
  return password;
}

function parseAddress(text: string): { host: string; port: number } {
  const match = /^(.+):(\d{1,5})$/.exec(text);
  const port = Number(match?.[2]);
  if (!match?.[1] || port > 65_535) throw new MostradorError('BAD_COMMAND', `--ui wants HOST:PORT, got "${text}".`);
  return { host: match[1].replace(/^\[(.*)\]$/, '$1'), port };
}

async function listenUi(address: NonNullable<ServeFlags['ui']>, dataDir: string): Promise<UiBridge> {
  const bridge = await listenUiBridge({ ...address, dataDir });
  write({ event: 'ui', url: bridge.url });
  return bridge;
}

async function loginScreenFirst(bridge: UiBridge): Promise<void> {
  const after = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
  const loading = await Promise.race([
    bridge.firstCall.then(() => false),
    bridge.pageServed.then(() => true),
    after(LOGIN_SCREEN_FIRST_MS).then(() => false),
  ]);
  if (loading) await Promise.race([bridge.firstCall, after(LOGIN_SCREEN_LOAD_MS)]);
}

export async function serveCommand(args: string[]): Promise<void> {
  const flags = parseServeFlags(args);
  // Listen first (issue 11): the login screen is served before the station core loads.
  const bridge = flags.ui ? await listenUi(flags.ui, flags.data) : null;
  if (bridge) await loginScreenFirst(bridge);
  try {
    const { serveStation } = await import('./serve-station.js');
    await serveStation(flags, bridge);
  } catch (error) {
    await bridge?.close();
    throw error;
  }
}
