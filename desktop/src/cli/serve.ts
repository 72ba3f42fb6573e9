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
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import { MostradorError, WITHHELD_PASSWORD_HASH } from '@mostrador/common';
import { Station } from '../core/index.js';
import { LiveClient } from '../core/live/live-client.js';
import { stationOptionsFromEnv } from './options.js';
import { parseCommandLine } from './serve-commands.js';
import { ServeSession } from './serve-session.js';

const USAGE = 'station serve --data DIR [--ui HOST:PORT [--ui-allow-hosts NAME,…]] [--password-file FILE]';
/** How long `quit` waits for the outbox to reach the server before leaving it for next time. */
const QUIT_FLUSH_MS = 5_000;

interface ServeFlags {
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

/** Log in as the user who enrolled the station; a wrong password stops `serve` (INVALID_CREDENTIALS). */
async function loginEnrollingUser(station: Station, password: string): Promise<void> {
  const enrolledBy = station.enrolledBy;
  const user = enrolledBy ? station.get('users', enrolledBy) : null;
  if (!user)
    throw new MostradorError('NOT_FOUND', 'The user who enrolled this station is not on it; run `station sync`.');
  // A counter station does not hold the enrolling admin's password (issue 12): nobody is
  // logged in at start, and its cashiers log in with `login` commands.
  if (user.passwordHash === WITHHELD_PASSWORD_HASH) return;
  await station.login(user.username as string, password);
}

function parseAddress(text: string): { host: string; port: number } {
  const match = /^(.+):(\d{1,5})$/.exec(text);
  const port = Number(match?.[2]);
  if (!match?.[1] || port > 65_535) throw new MostradorError('BAD_COMMAND', `--ui wants HOST:PORT, got "${text}".`);
  return { host: match[1].replace(/^\[(.*)\]$/, '$1'), port };
}

function appVersion(): string {
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version?: string };
  return pkg.version ?? '0.0.0';
}

function write(message: Record<string, unknown>): void {
  process.stdout.write(`${JSON.stringify(message)}\n`);
}

/** Forward the station's sync and live events as JSON lines. */
function announce(station: Station, live: LiveClient): void {
  station.sync.on('pushed', ({ count, cursor }) => write({ event: 'pushed', count, cursor }));
  station.sync.on('pulled', ({ count, cursor, ids }) => write({ event: 'pulled', count, cursor, ids }));
  station.sync.on('skipped', (rows) => write({ event: 'skipped', rows }));
  station.sync.on('reconciled', ({ reason, requeued }) => write({ event: 'reconciled', reason, requeued }));
  station.sync.on('resynced', ({ reason }) => write({ event: 'resynced', reason }));
  station.sync.on('checked', ({ status, repaired }) => write({ event: 'checked', status, repaired }));
  live.on('online', () => write({ event: 'online' }));
  live.on('offline', () => write({ event: 'offline' }));
  live.on('error', (error) => write({ event: 'error', error: { code: error.code, message: error.message } }));
}

class Server {
  private live: LiveClient | null = null;
  private station: Station | null = null;
  private session: ServeSession | null = null;
  private stopping = false;
  private readonly keepAlive = setInterval(() => {}, 1 << 30);

  constructor(private readonly dataDir: string) {}

  /** Take an opened station online: the live channel at once, and a startup sync beside it. */
  async goOnline(station: Station): Promise<void> {
    this.station = station;
    const live = new LiveClient(station, { appVersion: appVersion() });
    this.live = live;
    this.session = new ServeSession(station, () => this.live);
    announce(station, live);
    write({ event: 'ready', stationId: station.id });
    // The live channel never waits for the startup sync (a hung request must not keep the
    // station off it); offline is fine: the live client keeps trying and pushes once through.
    if (!this.stopping) live.start();
    await station.sync.sync().catch(() => {});
  }

  readCommands(): void {
    const lines = createInterface({ input: process.stdin, crlfDelay: Number.POSITIVE_INFINITY });
    lines.on('line', (line) => {
      if (line.trim() !== '') void this.answer(line);
    });
  }

  private async answer(line: string): Promise<void> {
    const { tag, command, error } = parseCommandLine(line);
    const reply = (fields: Record<string, unknown>) => write({ ...(tag === undefined ? {} : { tag }), ...fields });
    if (!command) return reply({ ok: false, error: { code: error?.code, message: error?.message } });
    if (command.cmd === 'quit') {
      await this.stop(true);
      reply({ ok: true });
      return this.exit();
    }
    try {
      if (!this.session) throw new MostradorError('NOT_ENROLLED');
      reply({ ok: true, ...(await this.session.run(command)) });
    } catch (failure) {
      const known = failure instanceof MostradorError ? failure : new MostradorError('INTERNAL', String(failure));
      reply({ ok: false, error: { code: known.code, message: known.message } });
    }
  }

  async stop(flush: boolean): Promise<void> {
    if (this.stopping) return;
    this.stopping = true;
    const station = this.station;
    const wasOnline = this.live?.connected ?? false;
    this.live?.stop();
    if (flush && station && wasOnline && station.sync.pending > 0) {
      const timeout = new Promise((resolve) => setTimeout(resolve, QUIT_FLUSH_MS).unref());
      await Promise.race([station.sync.pushOutbox().catch(() => {}), timeout]);
    }
    station?.close();
  }

  exit(): void {
    clearInterval(this.keepAlive);
    // Leave once stdout has been written out, so the last reply is not lost in a pipe.
    process.stdout.write('', () => process.exit(0));
  }

  get folder(): string {
    return this.dataDir;
  }

  get liveClient(): LiveClient | null {
    return this.live;
  }
}

async function startUi(
  server: Server,
  station: Station | null,
  address: { host: string; port: number; allowedHosts: string[] },
): Promise<void> {
  const { startUiBridge } = await import('../bridge/server.js');
  const bridge = await startUiBridge({
    station,
    dataDir: server.folder,
    host: address.host,
    allowedHosts: address.allowedHosts,
    port: address.port,
    onStation: (enrolled) => server.goOnline(enrolled),
    liveOf: () => server.liveClient,
  });
  write({ event: 'ui', url: bridge.url });
}

export async function serveCommand(args: string[]): Promise<void> {
  const flags = parseServeFlags(args);
  let station: Station | null = null;
  try {
    station = Station.open(stationOptionsFromEnv(flags.data));
  } catch (error) {
    // With a browser UI, an empty folder is fine: its first-run screen enrolls the station.
    if (!(flags.ui && error instanceof MostradorError && error.code === 'NOT_ENROLLED')) throw error;
  }
  if (station && flags.password !== null) {
    try {
      await loginEnrollingUser(station, flags.password);
    } catch (error) {
      station.close();
      throw error;
    }
  }
  const server = new Server(flags.data);
  const stopOnSignal = () => void server.stop(false).then(() => server.exit());
  process.on('SIGTERM', stopOnSignal);
  process.on('SIGINT', stopOnSignal);
  server.readCommands();
  if (flags.ui) await startUi(server, station, flags.ui);
  if (station) await server.goOnline(station);
}
