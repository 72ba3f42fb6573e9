/**
 * The station side of `station serve` (serve.ts), imported once its bridge listens: the
 * station opened and logged in, its commands read from stdin, and taken online.
 */
import { readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { MostradorError, WITHHELD_PASSWORD_HASH } from '@mostrador/common';
import type { UiBridge } from '../bridge/server.js';
import { Station } from '../core/index.js';
import { LiveClient } from '../core/live/live-client.js';
import { stationOptionsFromEnv } from './options.js';
import type { ServeFlags } from './serve.js';
import { parseCommandLine } from './serve-commands.js';
import { write } from './serve-output.js';
import { ServeSession } from './serve-session.js';

/** How long `quit` waits for the outbox to reach the server before leaving it for next time. */
const QUIT_FLUSH_MS = 5_000;

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

function appVersion(): string {
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version?: string };
  return pkg.version ?? '0.0.0';
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
  // One line per notice would be noise in a shop's log: only while tracing a change's trip.
  if (process.env.MOSTRADOR_TRACE === '1') live.on('noticed', ({ cursor }) => write({ event: 'noticed', cursor }));
}

class Server {
  private live: LiveClient | null = null;
  private station: Station | null = null;
  private session: ServeSession | null = null;
  private stopping = false;
  private readonly keepAlive = setInterval(() => {}, 1 << 30);

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

  get liveClient(): LiveClient | null {
    return this.live;
  }
}

/** Open the station (with a UI, an empty folder is fine: its first-run screen enrolls it) and serve it. */
export async function serveStation(flags: ServeFlags, bridge: UiBridge | null): Promise<void> {
  let station: Station | null = null;
  try {
    station = Station.open(stationOptionsFromEnv(flags.data));
  } catch (error) {
    if (!(bridge && error instanceof MostradorError && error.code === 'NOT_ENROLLED')) throw error;
  }
  if (station && flags.password !== null) {
    try {
      await loginEnrollingUser(station, flags.password);
    } catch (error) {
      station.close();
      throw error;
    }
  }
  const server = new Server();
  const stopOnSignal = () => void server.stop(false).then(() => server.exit());
  process.on('SIGTERM', stopOnSignal);
  process.on('SIGINT', stopOnSignal);
  server.readCommands();
  await bridge?.attach({
    station,
    onStation: (enrolled) => server.goOnline(enrolled),
    liveOf: () => server.liveClient,
  });
  if (station) await server.goOnline(station);
}
