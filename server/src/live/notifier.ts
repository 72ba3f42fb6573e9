/**
 * The notifier: one direct PostgreSQL session LISTENing on the live channels, turned into
 * events. pg-listen reconnects and re-LISTENs after the session drops; while it is down
 * NOTIFYs are lost, so once it is back the notifier reads the current head and emits it as
 * a `changes` event: stations then pull whatever was committed in the gap.
 */
import { EventEmitter } from 'node:events';
import type pg from 'pg';
import pgListen, { type Subscriber } from 'pg-listen';
import { CHANGES_CHANNEL, PRESENCE_CHANNEL, REVOCATIONS_CHANNEL, USERS_CHANNEL } from './channels.js';

export interface NotifierEvents {
  /**
   * The head moved to `head` (or may have, after a reconnect). `previous` is the head of
   * the NOTIFY just before it on the same LISTEN session, or null when there is none or
   * notices may have been missed in between (first notice, reconnect): only then do the
   * two bound exactly the rows this commit added (pushes take seq under the head's lock,
   * so commits, and their NOTIFYs, come in head order).
   */
  changes: [head: number, previous: number | null];
  revoked: [stationId: string];
  presence: [stationId: string];
  /** A user's sessions ended (password, role, activity or deletion changed). */
  user: [userId: string];
  /** The LISTEN session is up (first time or after a reconnect). */
  ready: [];
  /** The LISTEN session dropped; notices are not arriving until `ready` again. */
  lost: [error: Error | null];
}

const MAX_RETRY_MS = 2_000;

// pg-listen is CommonJS with an `exports.default`: Node's ESM import sees the exports object.
const createSubscriber = pgListen.default;

/** The LISTEN session's `application_name` (its last query may be pg-listen's `SELECT 1` check). */
export const LISTEN_APPLICATION_NAME = 'mostrador-listen';

export class Notifier extends EventEmitter<NotifierEvents> {
  private readonly subscriber: Subscriber;
  private listening = false;
  private closed = false;
  /** The last head NOTIFYed on this LISTEN session; null when unknown (see `changes`). */
  private lastNotified: number | null = null;

  constructor(
    databaseUrl: string,
    private readonly db: pg.Pool,
  ) {
    super();
    this.subscriber = createSubscriber(
      // Named, so an admin (and a test) finds this session in pg_stat_activity.
      { connectionString: databaseUrl, application_name: LISTEN_APPLICATION_NAME },
      {
        // Keep trying for as long as the process lives: giving up would leave /health at 503 forever.
        retryLimit: Number.POSITIVE_INFINITY,
        retryTimeout: Number.POSITIVE_INFINITY,
        retryInterval: (attempt) => Math.min(MAX_RETRY_MS, 100 * 2 ** attempt),
        paranoidChecking: 10_000,
        // Payloads are plain text (a head or an id), not JSON.
        parse: (payload) => payload,
        serialize: (payload) => String(payload),
      },
    );
    this.subscriber.notifications.on(CHANGES_CHANNEL, (payload: string) => this.onChangesPayload(payload));
    this.subscriber.notifications.on(REVOCATIONS_CHANNEL, (id: string) => this.emit('revoked', id));
    this.subscriber.notifications.on(PRESENCE_CHANNEL, (id: string) => this.emit('presence', id));
    this.subscriber.notifications.on(USERS_CHANNEL, (id: string) => this.emit('user', id));
    this.subscriber.events.on('reconnect', () => this.markLost(null));
    this.subscriber.events.on('error', (error) => this.markLost(error));
    this.subscriber.events.on('connected', () => void this.onReconnected());
  }

  /** True while the LISTEN session is up: /health answers 200 only then. */
  get ready(): boolean {
    return this.listening;
  }

  async start(): Promise<void> {
    await this.subscriber.connect();
    for (const channel of [CHANGES_CHANNEL, REVOCATIONS_CHANNEL, PRESENCE_CHANNEL, USERS_CHANNEL]) {
      await this.subscriber.listenTo(channel);
    }
    this.listening = true;
    this.emit('ready');
  }

  async stop(): Promise<void> {
    this.closed = true;
    this.listening = false;
    await this.subscriber.close().catch(() => {});
  }

  private onChangesPayload(payload: string): void {
    const head = Number(payload);
    if (!Number.isSafeInteger(head) || head < 0) return;
    const previous = this.lastNotified;
    // A head that went back (a restored backup) breaks the sequence too.
    this.lastNotified = previous === null || head > previous ? head : null;
    this.emit('changes', head, previous !== null && head > previous ? previous : null);
  }

  private markLost(error: Error | null): void {
    // Whatever was NOTIFYed while the session was down is lost: the sequence starts afresh.
    this.lastNotified = null;
    if (!this.listening || this.closed) return;
    this.listening = false;
    this.emit('lost', error);
  }

  // pg-listen emits `connected` after the first connect (before our LISTENs: start() handles
  // that one) and after every reconnect, once it has re-LISTENed every channel.
  private async onReconnected(): Promise<void> {
    if (this.closed || this.listening || !this.subscriber.getSubscribedChannels().length) return;
    this.listening = true;
    this.emit('ready');
    try {
      const { rows } = await this.db.query<{ head: string | number }>('SELECT head FROM sync_state WHERE id = 1');
      const head = Number(rows[0]?.head ?? 0);
      this.emit('changes', head, null);
    } catch {
      // The database is unreachable right now; the next push's NOTIFY will carry the head.
    }
  }
}
