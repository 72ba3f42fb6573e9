import { EventEmitter } from 'node:events';
import {
  type AnyRow,
  type Change,
  groupSigningBytes,
  HybridLogicalClock,
  isTableName,
  MostradorError,
  newId,
  newNodeId,
  signGroup,
  type TableName,
  type WallClock,
  WITHHELD_PASSWORD_HASH,
  type WriteGroupBody,
} from '@mostrador/common';
import { LocalConflicts } from './conflicts.js';
import { type Db, openDatabase } from './database.js';
import { Keyring } from './keyring.js';
import { Meta } from './meta.js';
import { Outbox } from './outbox.js';
import { Repository } from './repository.js';

/**
 * Seals the station token at rest (the Electron shell passes one backed by the OS keychain,
 * `safeStorage`); the core stays free of Electron. Both directions are synchronous.
 */
export interface TokenSealer {
  seal(token: string): string;
  open(sealed: string): string;
}

/** Marks a station token stored sealed by a TokenSealer. */
const SEALED_TOKEN = 'sealed1:';

export interface StoreOptions {
  /** Seals the station token at rest; without one it is stored as is (protected by the folder's mode). */
  tokenSealer?: TokenSealer | null;
  /** Create the folder and database when absent (enrollment); otherwise NOT_ENROLLED. */
  create?: boolean;
  /** The station's physical clock; tests skew it. Defaults to Date.now. */
  wallClock?: WallClock;
}

/**
 * The station's local store: its SQLite database with the synced rows, the outbox, the
 * meta settings and the station's HLC. The clock is restored from the database on open
 * and saved with every write, so a restart never issues a version below one already used.
 */
/** Local writes that just committed: the signal to push as soon as writes land. */
export interface CommittedWrites {
  tables: TableName[];
  count: number;
}

/** The write group of the transaction in progress: its user, its time and the rows it wrote. */
interface OpenGroup {
  userId: string;
  version: string;
  rows: Map<string, { table: TableName; id: string; baseVersion: string | null }>;
}

/** How long a server time sample stays good enough to judge the clock ahead. */
const CLOCK_CHECK_FRESH_MS = 5 * 60_000;

export class LocalStore extends EventEmitter<{ written: [CommittedWrites] }> {
  readonly meta: Meta;
  private depth = 0;
  private written = new Map<TableName, number>();
  private group: OpenGroup | null = null;
  readonly rows: Repository;
  readonly outbox: Outbox;
  readonly conflicts: LocalConflicts;
  readonly clock: HybridLogicalClock;
  /** The signing keys of the users logged in here (memory only). */
  readonly keyring = new Keyring();

  private constructor(
    readonly db: Db,
    wallClock: WallClock,
    private readonly tokenSealer: TokenSealer | null,
  ) {
    super();
    this.meta = new Meta(db);
    this.rows = new Repository(db);
    this.outbox = new Outbox(db);
    this.conflicts = new LocalConflicts(db);
    let node = this.meta.get('nodeId');
    if (!node) {
      node = newNodeId();
      this.meta.set('nodeId', node);
    }
    this.clock = new HybridLogicalClock(node, wallClock);
    this.clock.setOffset(this.meta.getNumber('clockOffset'));
    const seen = this.meta.get('hlcSeen');
    if (seen) this.clock.receive(seen);
    const last = this.meta.get('hlc');
    if (last) this.clock.resume(last);
  }

  static open(dataDir: string, options: StoreOptions = {}): LocalStore {
    const db = openDatabase(dataDir, { create: options.create ?? false });
    const store = new LocalStore(db, options.wallClock ?? Date.now, options.tokenSealer ?? null);
    // A token stored in the clear before a sealer was available gets sealed now.
    const token = store.meta.get('stationToken');
    if (store.tokenSealer && token && !token.startsWith(SEALED_TOKEN)) store.setStationToken(token);
    return store;
  }

  /**
   * A transaction whose commit may be lost in a power cut because what it writes can be had
   * again: a pulled page commits with its cursor, so a lost page is simply pulled again. It
   * skips the commit's fsync (`synchronous = NORMAL`; in WAL mode the database stays
   * consistent, only the newest such commits may be lost), which is most of a small page's
   * apply. The next durable commit (any local write) syncs everything before it, so nothing a
   * person wrote on top of a pulled row can outlive it. Only for work that seals no write group.
   */
  replaceableTransaction<T>(work: () => T): T {
    if (this.depth > 0) return this.transaction(work);
    this.db.pragma('synchronous = NORMAL');
    try {
      return this.transaction(() => {
        const value = work();
        if (this.group && this.group.rows.size > 0)
          throw new Error('replaceableTransaction: local writes need a durable commit');
        return value;
      });
    } finally {
      this.db.pragma('synchronous = FULL');
    }
  }

  /**
   * Nested calls join the outer transaction (as a savepoint); `written` fires once the
   * outermost one commits. The synced rows written by the outermost transaction become ONE
   * write group, signed and queued in the outbox as the last step of that same transaction.
   */
  transaction<T>(work: () => T): T {
    const outermost = this.depth === 0;
    // Rows only ever join the group at its end, so undoing a savepoint is forgetting the last ones.
    const groupBefore = this.group;
    const rowsBefore = this.group?.rows.size ?? 0;
    this.depth += 1;
    let committed = false;
    try {
      const result = this.db.transaction(() => {
        const value = work();
        if (outermost) this.sealGroup();
        return value;
      })();
      committed = true;
      return result;
    } catch (error) {
      // A nested savepoint rolled back: so do the rows it added to the group.
      if (outermost || !groupBefore) this.group = null;
      else forgetAfter(groupBefore.rows, rowsBefore);
      throw error;
    } finally {
      this.depth -= 1;
      if (this.depth === 0) {
        this.group = null;
        this.announceWrites(committed);
      }
    }
  }

  /**
   * Called by the writer for each synced row it writes, inside a transaction: the row joins
   * the transaction's group. One group has one user: a second user in it is refused.
   */
  noteWrite(table: TableName, id: string, baseVersion: string | null, version: string, userId: string): void {
    if (this.depth === 0) throw new MostradorError('INTERNAL', 'Synced rows are written inside a transaction.');
    if (!this.group) this.group = { userId, version, rows: new Map() };
    else if (this.group.userId !== userId) {
      throw new MostradorError('FORBIDDEN', 'One transaction writes as one user.');
    }
    const key = `${table}\u0000${id}`;
    // A row written twice keeps the version its first write started from.
    if (!this.group.rows.has(key)) this.group.rows.set(key, { table, id, baseVersion });
    this.written.set(table, (this.written.get(table) ?? 0) + 1);
  }

  /**
   * Queue again a row the server lacks or holds older (a restored server, a checksum
   * repair): as a group of its last writer, signed now when that user is logged in here,
   * otherwise at their next login.
   */
  requeueRow(table: TableName, row: AnyRow, baseVersion: string | null): void {
    // A users row sent here without its password verifiers (issue 12) is not this station's
    // to re-push: pushed back it would blank them. The stations that hold them re-push it.
    if (table === 'users' && row.passwordHash === WITHHELD_PASSWORD_HASH) return;
    const userId = String(row.updatedBy);
    if (!this.keyring.get(userId)) {
      this.outbox.requeue(table, row, baseVersion);
      return;
    }
    const body: WriteGroupBody = { id: newId(), userId, version: row.version, changes: [{ table, row, baseVersion }] };
    this.outbox.add({ ...body, signature: this.signGroup(body) });
  }

  /**
   * Re-stamp what a clock that ran ahead wrote (issue 9): the clock comes back to the
   * corrected time, and each pending group stamped beyond `marginMs` ahead of it (or refused
   * as CLOCK_AHEAD) gets fresh versions on the rows it still holds, in write order, signed
   * again by its user (or at that user's next login here). A version from the future is
   * thus never sent, and cannot later overwrite edits made after it in real time. Nothing is
   * judged ahead until the server has told this process its time lately (a restarted station
   * may hold a stale offset). Returns how many groups were re-stamped.
   */
  restampAhead(marginMs: number): number {
    const checked = this.clockCheckedAt !== null && Date.now() - this.clockCheckedAt < CLOCK_CHECK_FRESH_MS;
    if (!checked) return 0;
    const ahead = this.outbox.aheadOf(this.clock.physicalNow() + marginMs);
    if (ahead.length === 0) {
      if (this.clock.rewind(marginMs)) this.transaction(() => this.saveClock());
      return 0;
    }
    this.transaction(() => {
      this.clock.rewind(marginMs);
      for (const group of ahead) {
        const changes: Change[] = [];
        for (const { table, row, baseVersion } of group.changes) {
          if (!isTableName(table)) continue;
          const current = this.rows.get(table, row.id);
          // A row written again since belongs to that later group (re-stamped in its turn).
          if (!current || current.version !== row.version) continue;
          const restamped = { ...current, version: this.clock.tick() } as AnyRow;
          this.rows.put(table, restamped);
          changes.push({ table, row: restamped, baseVersion });
        }
        const first = changes[0];
        if (!first) {
          this.outbox.remove(group.seq);
          continue;
        }
        // A new group id: the new versions make it another group (the server may know the old one).
        const body: WriteGroupBody = { id: newId(), userId: group.userId, version: first.row.version, changes };
        const signature = this.keyring.get(group.userId) ? this.signGroup(body) : null;
        this.outbox.restamp(group.seq, body.id, body.version, changes, signature);
      }
      this.saveClock();
    });
    return ahead.length;
  }

  /** Sign a group body with its user's key (NOT_LOGGED_IN without one) for this station. */
  signGroup(body: WriteGroupBody): string {
    const key = this.keyring.get(body.userId);
    if (!key) throw new MostradorError('NOT_LOGGED_IN', 'Log in again: this user has no signing key here.');
    const stationId = this.meta.get('stationId');
    if (!stationId) throw new MostradorError('NOT_ENROLLED');
    return signGroup(key, groupSigningBytes(body, stationId));
  }

  private sealGroup(): void {
    const group = this.group;
    this.group = null;
    if (!group || group.rows.size === 0) return;
    const changes: Change[] = [];
    for (const { table, id, baseVersion } of group.rows.values()) {
      const row = this.rows.get(table, id);
      if (row) changes.push({ table, row, baseVersion });
    }
    const body: WriteGroupBody = { id: newId(), userId: group.userId, version: group.version, changes };
    this.outbox.add({ ...body, signature: this.signGroup(body) });
  }

  private announceWrites(committed: boolean): void {
    const written = this.written;
    this.written = new Map();
    if (!committed || written.size === 0) return;
    const count = [...written.values()].reduce((sum, n) => sum + n, 0);
    this.emit('written', { tables: [...written.keys()], count });
  }

  /** The station token, opened with the sealer when it is stored sealed. */
  stationToken(): string | null {
    const stored = this.meta.get('stationToken');
    if (!stored?.startsWith(SEALED_TOKEN)) return stored;
    if (!this.tokenSealer) {
      throw new MostradorError(
        'UNAUTHORIZED',
        "This station's token is sealed by the desktop app's keychain; open the station with that app.",
      );
    }
    return this.tokenSealer.open(stored.slice(SEALED_TOKEN.length));
  }

  setStationToken(token: string): void {
    this.meta.set('stationToken', this.tokenSealer ? SEALED_TOKEN + this.tokenSealer.seal(token) : token);
  }

  /** Call inside the transaction that used or received versions. */
  saveClock(): void {
    this.meta.set('hlc', this.clock.peek());
    this.meta.set('hlcSeen', this.clock.peekSeen());
  }

  /**
   * When the server last told this process its time (a response's Date header, a live
   * hello): only a clock checked lately may be judged ahead and re-stamped.
   */
  clockCheckedAt: number | null = null;

  /** The corrected physical time as an ISO string, for createdAt/updatedAt/deletedAt. */
  nowIso(): string {
    return new Date(this.clock.physicalNow()).toISOString();
  }

  close(): void {
    if (this.db.open) this.db.close();
  }
}

/** Drop the entries of a map past its first `keep` (in insertion order). */
function forgetAfter<K, V>(map: Map<K, V>, keep: number): void {
  let index = 0;
  for (const key of [...map.keys()]) {
    if (index >= keep) map.delete(key);
    index += 1;
  }
}
