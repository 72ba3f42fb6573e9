import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { type Ceiling, MostradorError, ROLES } from '@mostrador/common';
import { Station } from '../core/index.js';
import { stationOptionsFromEnv } from './options.js';

export type Flags = Record<string, string | undefined>;

function required(flags: Flags, name: string): string {
  const value = flags[name];
  if (!value) throw new MostradorError('BAD_COMMAND', `Missing --${name}.`);
  return value;
}

/** MOSTRADOR_TRACE=1: one JSON line per pushed/pulled page on stderr, to see where the time goes. */
function traceTo(station: Station): void {
  if (process.env.MOSTRADOR_TRACE !== '1') return;
  const started = performance.now();
  // atMs: since tracing began (after the enrollment, for `enroll`); at: the machine's clock.
  const line = (event: string, fields: Record<string, unknown>) =>
    process.stderr.write(
      `${JSON.stringify({ trace: event, atMs: Math.round(performance.now() - started), at: Date.now(), ...fields })}\n`,
    );
  const mb = (bytes: number) => Math.round(bytes / 1048576);
  station.sync.on('pulled', ({ count, cursor, applyMs, waitMs }) => {
    const { rss, heapUsed, external } = process.memoryUsage();
    line('pulled', { count, cursor, applyMs, waitMs, rssMb: mb(rss), heapMb: mb(heapUsed), externalMb: mb(external) });
  });
  station.sync.on('pushed', ({ count, cursor }) => line('pushed', { count, cursor }));
  station.sync.on('bootstrapped', ({ ms }) => line('bootstrap-finish', { ms: Math.round(ms) }));
  line('traced', {});
}

/** The password of `MOSTRADOR_PASSWORD`, for commands whose `--password` is left out (kept out of `ps`). */
export function passwordFromEnv(): string {
  const password = process.env.MOSTRADOR_PASSWORD;
  if (!password) throw new MostradorError('BAD_COMMAND', 'Missing --password (or MOSTRADOR_PASSWORD).');
  return password;
}

function ceilingOf(text: string | undefined): Ceiling | undefined {
  if (text === undefined) return undefined;
  if (!(ROLES as readonly string[]).includes(text)) {
    throw new MostradorError('BAD_COMMAND', `--ceiling is one of ${ROLES.join(', ')}, not "${text}".`);
  }
  return text as Ceiling;
}

/**
 * The enrolling admin's password: `--password-file FILE` or MOSTRADOR_PASSWORD are the quiet
 * ways; `--password` still works for scripts but shows in the process list (`ps`), so it
 * warns on stderr.
 */
export function enrollPassword(flags: Flags, env: NodeJS.ProcessEnv = process.env): string {
  if (flags.password) {
    process.stderr.write(
      'warning: --password shows in the process list to every user of this computer; use --password-file FILE or MOSTRADOR_PASSWORD instead.\n',
    );
    return flags.password;
  }
  const file = flags['password-file'];
  if (file) {
    try {
      return readFileSync(file, 'utf8').replace(/\r?\n$/, '');
    } catch (error) {
      throw new MostradorError('BAD_COMMAND', `Cannot read --password-file ${file}: ${(error as Error).message}`);
    }
  }
  if (env.MOSTRADOR_PASSWORD) return env.MOSTRADOR_PASSWORD;
  throw new MostradorError('BAD_COMMAND', 'Missing the password: --password-file FILE or MOSTRADOR_PASSWORD.');
}

/** `station enroll`: enroll with admin credentials, then bootstrap from cursor 0. */
export async function enroll(flags: Flags): Promise<{ stationId: string; rows: number; cursor: number }> {
  const station = await Station.enroll({
    ...stationOptionsFromEnv(required(flags, 'data')),
    serverUrl: required(flags, 'server'),
    name: required(flags, 'name'),
    username: required(flags, 'user'),
    password: enrollPassword(flags),
    ceiling: ceilingOf(flags.ceiling),
  });
  traceTo(station);
  try {
    const pulled = await station.sync.pullChanges();
    return { stationId: station.id, rows: pulled.count, cursor: pulled.cursor };
  } finally {
    station.close();
  }
}

/** `station sync`: one push then one pull (resuming an interrupted bootstrap too). */
export async function sync(flags: Flags): Promise<{ pushed: number; pulled: number; cursor: number }> {
  const station = Station.open(stationOptionsFromEnv(required(flags, 'data')));
  traceTo(station);
  try {
    return await station.sync.sync();
  } finally {
    station.close();
  }
}

/** `station dump`: the whole local state, comparable with the server's state pulled from 0. */
export function dump(flags: Flags) {
  const station = Station.open(stationOptionsFromEnv(required(flags, 'data')));
  try {
    return station.dump();
  } finally {
    station.close();
  }
}
