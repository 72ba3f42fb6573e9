/**
 * The station's live channel. After the startup sync it keeps a WebSocket to /sync/ws:
 * - on every (re)connect it pushes what is waiting and pulls at once, so notices missed
 *   while away cost nothing;
 * - on a `changes` notice it pulls, unless its cursor is already there; one pull runs at a
 *   time with at most one more queued, however many notices arrive meanwhile. A notice
 *   that carries its page of changes starting at this station's cursor is applied instead,
 *   with no request at all (anything else, or any doubt, and it pulls);
 * - a local write is pushed as soon as it commits; writes landing during a push go in the
 *   next one (SyncManager folds them), with no fixed delay that would add to every change;
 * - it reports its status (cursor, outbox size, last error) when connecting and whenever
 *   they change, corrects its clock by the hello's serverTime, and reconnects with backoff
 *   and jitter. A revoked or unknown token stops it for good.
 */
import { EventEmitter } from 'node:events';
import { type ChangesMessage, type HelloMessage, MostradorError, type StatusMessage } from '@mostrador/common';
import WebSocket from 'ws';
import type { Station } from '../station.js';
import { type BackoffOptions, DEFAULT_BACKOFF, reconnectDelay } from './backoff.js';
import { liveUrl, parseServerMessage } from './messages.js';

export interface LiveClientOptions {
  appVersion: string;
  backoff?: BackoffOptions;
  /** With no frame nor ping from the server for this long, the connection is presumed dead. */
  silenceMs?: number;
  /** The station's uncorrected clock, to measure its offset to the server's. */
  wallClock?: () => number;
  /** An opening handshake still unanswered after this long is dropped (and retried with backoff). */
  handshakeMs?: number;
  /** How often, while online, the station compares checksums with the server (0: never). */
  checkEveryMs?: number;
}

export interface LiveClientEvents {
  online: [];
  offline: [];
  /** A sync that failed, or the end of the live channel (STATION_REVOKED, UNAUTHORIZED). */
  error: [MostradorError];
  /** A `changes` notice arrived (before it is applied or pulled), for tracing a change's trip. */
  noticed: [{ cursor: number }];
}

const REVOKED_CLOSE = 4401;
const MAX_ERROR_LENGTH = 500;
const RETRY_MS = 1_000;
const MAX_PULL_ROUNDS = 10;
const STATUS_INTERVAL_MS = 250;
const HANDSHAKE_MS = 10_000;
const CHECK_EVERY_MS = 10 * 60_000;

export class LiveClient extends EventEmitter<LiveClientEvents> {
  private socket: WebSocket | null = null;
  private isOnline = false;
  private stopped = true;
  private attempt = 0;
  private reconnectTimer: NodeJS.Timeout | null = null;
  private retryTimer: NodeJS.Timeout | null = null;
  private silenceTimer: NodeJS.Timeout | null = null;
  private noticed = 0;
  private epoch: string | null = null;
  private pulling = false;
  private pullAgain = false;
  private lastStatus = '';
  private statusTimer: NodeJS.Timeout | null = null;
  private statusDue = false;
  private checkTimer: NodeJS.Timeout | null = null;
  private readonly onWritten = () => this.pushSoon();
  private readonly onSyncChange = () => this.sendStatus();

  constructor(
    private readonly station: Station,
    private readonly options: LiveClientOptions,
  ) {
    super();
  }

  /** True while the socket is up and greeted: changes arrive within milliseconds. */
  get connected(): boolean {
    return this.isOnline;
  }

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.station.store.on('written', this.onWritten);
    this.station.sync.on('status', this.onSyncChange);
    this.scheduleChecks();
    this.connect();
  }

  // Periodic integrity checks while online (DESIGN.md): a mismatch is repaired by re-pulling
  // only the differing range; the outcome shows in the status and on the monitor.
  private scheduleChecks(): void {
    const every = this.options.checkEveryMs ?? CHECK_EVERY_MS;
    if (every <= 0) return;
    this.checkTimer = setInterval(() => {
      if (!this.isOnline || this.pulling) return;
      this.station.sync.checkIntegrity().catch((error: unknown) => this.report(error));
    }, every);
    this.checkTimer.unref();
  }

  stop(): void {
    this.stopped = true;
    this.station.store.off('written', this.onWritten);
    this.station.sync.off('status', this.onSyncChange);
    if (this.reconnectTimer) clearTimeout(this.reconnectTimer);
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.retryTimer = null;
    if (this.checkTimer) clearInterval(this.checkTimer);
    this.checkTimer = null;
    this.socket?.close(1000, 'station stopping');
    this.dropSocket();
  }

  private connect(): void {
    const serverUrl = this.station.store.meta.get('serverUrl');
    const token = this.station.store.stationToken();
    if (!serverUrl || !token) {
      this.fail(new MostradorError('NOT_ENROLLED'));
      return;
    }
    const socket = new WebSocket(liveUrl(serverUrl), {
      headers: { authorization: `Bearer ${token}` },
      handshakeTimeout: this.options.handshakeMs ?? HANDSHAKE_MS,
    });
    this.socket = socket;
    socket.on('message', (data) => this.onMessage(data));
    socket.on('ping', () => this.heardFromServer());
    socket.on('open', () => this.heardFromServer());
    socket.on('unexpected-response', (_request, response) => {
      const status = response.statusCode ?? 0;
      response.resume();
      socket.terminate();
      if (status === 401) this.fail(new MostradorError('STATION_REVOKED', "The server refused this station's token."));
    });
    socket.on('error', () => {}); // Followed by `close`, which decides what next.
    socket.on('close', (code) => this.onClose(socket, code));
  }

  private onMessage(data: WebSocket.RawData): void {
    // A closing socket may still deliver frames after stop(); the station may be closed by then.
    if (this.stopped) return;
    this.heardFromServer();
    const message = parseServerMessage(data);
    if (message?.type === 'hello') this.onHello(message);
    else if (message?.type === 'changes') this.onChanges(message);
  }

  private onHello(hello: HelloMessage): void {
    // Measured against the clock the station stamps with (a skewed one in tests and chaos runs).
    const receivedAt = this.options.wallClock ? this.options.wallClock() : this.station.store.clock.wallNow();
    const serverMs = Date.parse(hello.serverTime);
    if (!Number.isNaN(serverMs)) this.station.sync.adoptServerTime({ serverMs, receivedAt });
    this.attempt = 0;
    // Heads noticed under another server history (a restored database) mean nothing now;
    // the pull below notices the new epoch and reconciles.
    if (hello.epoch && this.epoch && hello.epoch !== this.epoch) this.noticed = 0;
    this.epoch = hello.epoch ?? this.epoch;
    this.noticed = Math.max(this.noticed, hello.head);
    const wasOnline = this.isOnline;
    this.isOnline = true;
    this.lastStatus = '';
    this.writeStatus();
    if (!wasOnline) this.emit('online');
    this.pushSoon();
    this.pullSoon(true);
  }

  private onChanges(notice: ChangesMessage): void {
    this.emit('noticed', { cursor: notice.cursor });
    this.noticed = Math.max(this.noticed, notice.cursor);
    if (notice.cursor <= this.station.sync.cursor) return;
    const { from, page } = notice;
    if (from !== undefined && page && from === this.station.sync.cursor && !this.pulling)
      this.applyPage(from, notice, page);
    else this.pullSoon(false);
  }

  // The notice carries every change after this station's cursor: apply it instead of pulling.
  // It holds the pull slot meanwhile, so notices arriving before it is done queue a pull; if
  // it could not apply (the cursor moved, a bad page), the station pulls.
  private applyPage(from: number, notice: ChangesMessage, page: NonNullable<ChangesMessage['page']>): void {
    this.pulling = true;
    this.pullAgain = false;
    void this.station.sync
      .applyNoticePage(from, notice.cursor, page)
      .then(
        (applied) => applied !== null,
        () => false,
      )
      .then((applied) => {
        this.pulling = false;
        // Stopped meanwhile: the station may be closed, nothing more is asked of it.
        if (this.stopped) return;
        if (!applied || this.pullAgain || this.noticed > this.station.sync.cursor) this.pullSoon(!applied);
      });
  }

  /** One pull at a time, at most one more queued; a queued pull is dropped if the cursor got there. */
  private pullSoon(always: boolean): void {
    if (this.pulling) {
      this.pullAgain = true;
      return;
    }
    this.pulling = true;
    void this.pullLoop(always);
  }

  // Loops while a notice is ahead of the cursor: a pull may answer from a snapshot taken just
  // before the noticed commit, and that notice will not come again. Bounded, in case the
  // server's head went back (a restored backup): the next notice or reconnect resumes.
  private async pullLoop(always: boolean): Promise<void> {
    let force = always;
    let rounds = 0;
    try {
      do {
        this.pullAgain = false;
        if (force || this.noticed > this.station.sync.cursor) await this.station.sync.pullChanges();
        force = false;
      } while (
        (this.pullAgain || this.noticed > this.station.sync.cursor) &&
        this.isOnline &&
        ++rounds < MAX_PULL_ROUNDS
      );
    } catch (error) {
      this.report(error);
    } finally {
      this.pulling = false;
    }
  }

  private pushSoon(): void {
    if (!this.isOnline || this.station.sync.pending === 0) return;
    this.station.sync.pushOutbox().catch((error: unknown) => this.report(error));
  }

  // A push or pull failed while the socket is up (the server answered 503, say): try again
  // shortly rather than waiting for the next write or notice, which may never come.
  private retryLater(): void {
    if (this.retryTimer || this.stopped || !this.isOnline) return;
    this.retryTimer = setTimeout(() => {
      this.retryTimer = null;
      this.pushSoon();
      this.pullSoon(true);
    }, RETRY_MS);
    this.retryTimer.unref();
  }

  // A report goes out at once, then at most one per STATUS_INTERVAL_MS carrying the latest
  // state: every change is reported, but a burst of pulls costs the server one write, not
  // one per pull per station.
  private sendStatus(): void {
    if (this.statusTimer) {
      this.statusDue = true;
      return;
    }
    this.writeStatus();
    this.statusTimer = setTimeout(() => {
      this.statusTimer = null;
      if (!this.statusDue) return;
      this.statusDue = false;
      this.sendStatus();
    }, STATUS_INTERVAL_MS);
    this.statusTimer.unref();
  }

  private writeStatus(): void {
    const socket = this.socket;
    if (!socket || socket.readyState !== WebSocket.OPEN || !this.isOnline) return;
    const status = this.station.sync.status();
    const message: StatusMessage = {
      type: 'status',
      cursor: status.cursor,
      pending: status.pending,
      appVersion: this.options.appVersion,
      // The correction the station applies is server minus station: its clock is ahead by the opposite.
      clockOffsetMs: Math.round(-this.station.store.clock.offset),
      lastError: status.lastError
        ? `${status.lastError.code}: ${status.lastError.message}`.slice(0, MAX_ERROR_LENGTH)
        : null,
    };
    const frame = JSON.stringify(message);
    if (frame === this.lastStatus) return;
    this.lastStatus = frame;
    socket.send(frame);
  }

  private onClose(socket: WebSocket, code: number): void {
    if (this.socket !== socket) return;
    const wasOnline = this.isOnline;
    this.dropSocket();
    if (code === REVOKED_CLOSE) {
      this.fail(new MostradorError('STATION_REVOKED'));
      return;
    }
    if (this.stopped) return;
    if (!wasOnline) this.checkReachable();
    const delay = reconnectDelay(this.attempt, this.options.backoff ?? DEFAULT_BACKOFF);
    this.attempt += 1;
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = null;
      if (!this.stopped) this.connect();
    }, delay);
  }

  // A reconnect attempt failed. The station's idea of whether the server answers may date
  // from a request made while the server was shutting down (still answering): ask once,
  // so it learns the server is gone. Nothing is asked again while it already knows.
  private checkReachable(): void {
    if (this.station.sync.status().reachable !== true) return;
    this.station.sync.pullChanges().catch(() => {});
  }

  private dropSocket(): void {
    if (this.silenceTimer) clearTimeout(this.silenceTimer);
    this.silenceTimer = null;
    this.socket = null;
    if (this.isOnline) {
      this.isOnline = false;
      this.emit('offline');
    }
  }

  private heardFromServer(): void {
    if (this.silenceTimer) clearTimeout(this.silenceTimer);
    const socket = this.socket;
    this.silenceTimer = setTimeout(() => socket?.terminate(), this.options.silenceMs ?? 40_000);
    this.silenceTimer.unref();
  }

  /** The live channel cannot go on: stop reconnecting and say why. */
  private fail(error: MostradorError): void {
    if (this.stopped) return;
    this.stop();
    if (this.listenerCount('error') > 0) this.emit('error', error);
  }

  private report(error: unknown): void {
    const failure = error instanceof MostradorError ? error : new MostradorError('INTERNAL', String(error));
    if (this.listenerCount('error') > 0) this.emit('error', failure);
    this.sendStatus();
    this.retryLater();
  }
}
