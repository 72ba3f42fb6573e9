import { EventEmitter } from 'node:events';
import { performance } from 'node:perf_hooks';
import { MostradorError, type TableName, WithdrawResponse } from '@mostrador/common';
import { deferIndexes, restoreIndexes } from '../store/deferred-indexes.js';
import type { PendingWork } from '../store/outbox.js';
import type { LocalStore } from '../store/store.js';
import { type CheckResult, checkIntegrity } from './checksum.js';
import { ServerClient, type ServerTimeSample } from './client.js';
import {
  type AppliedPage,
  applyPulledPage,
  type PullPage,
  type PullProgress,
  pullAll,
  type SkippedRow,
} from './pull.js';
import { type PushResult, pushOutbox } from './push.js';
import { HistoryChanged, prepareRebootstrap, type ReconcileResult, reconcile } from './reconcile.js';
import { CoalescedRun, Mutex } from './serial.js';
import { pullSnapshot } from './snapshot.js';

export interface SyncOptions {
  /** Rows per pull page once bootstrapped. */
  pullLimit?: number;
  /** Rows per pull page while the station is empty (cursor 0). */
  bootstrapLimit?: number;
  /** Outbox entries per push request. */
  pushPageSize?: number;
  /** The station's uncorrected clock (the HLC's wall clock), to measure the server offset. */
  wallClock?: () => number;
  /** Deadline of each request; no request holds the sync lock longer (times its retries). */
  requestTimeoutMs?: number;
  /** Out of sync for longer than this, the station says so (status bar, monitor). */
  overdueMs?: number;
  /** Ask for gzipped pages (default: unless the server is on this machine; see ClientOptions). */
  compressedPages?: boolean;
}

export const DEFAULT_OVERDUE_MS = 10 * 60_000;
const IN_SYNC_WRITE_MS = 30_000;

export interface PushedEvent {
  count: number;
  cursor: number | null;
  /** Tables whose rows here the answer changed (a winner adopted, a rejected group undone). */
  tables: TableName[];
}
export interface PulledEvent {
  count: number;
  cursor: number;
  ids: string[];
  /** Tables that had rows among them (absent: any table may have changed). */
  tables?: TableName[];
  /** On page events: ms spent applying the page and waiting for its download. */
  applyMs?: number;
  waitMs?: number;
}
export interface SyncStatus {
  /** The last request reached the server (null before any request). */
  reachable: boolean | null;
  syncing: boolean;
  cursor: number;
  head: number;
  pending: number;
  /** The pending rows' groups as a person counts them: sales and other changes. */
  pendingWork: PendingWork;
  flagged: number;
  lastError: { code: string; message: string } | null;
  /** Last time fully in sync (nothing waiting, at the head), and whether that is longer ago than expected. */
  syncedAt: string | null;
  overdue: boolean;
  /** Last reconcile with a new server history; last integrity check and its outcome. */
  reconciledAt: string | null;
  checkedAt: string | null;
  checkResult: string | null;
}
export interface SyncResult {
  pushed: number;
  pulled: number;
  cursor: number;
}

export interface SyncEvents {
  pushed: [PushedEvent];
  pulled: [PulledEvent];
  progress: [PullProgress];
  error: [MostradorError];
  status: [SyncStatus];
  /** A bootstrap's secondary indexes (and report rollups) were rebuilt, in `ms`. */
  bootstrapped: [{ ms: number }];
  /** Pulled rows the station refused to store (the cursor moved past them), with the reason. */
  skipped: [SkippedRow[]];
  /** The server's history changed (restored or replaced database) and the station reconciled. */
  reconciled: [ReconcileResult];
  /** The server purged deletes past its horizon: the station bootstrapped again. */
  resynced: [{ reason: string }];
  /** An integrity check compared checksums (and repaired what differed). */
  checked: [CheckResult];
}

/**
 * Bootstrap page sizes, measured with bench/bootstrap.bench.ts (140,000 rows): pages of
 * 10,000 are as fast as 50,000 (the download of the next page hides behind the apply of
 * this one either way) and keep the station's peak memory ~80 MB lower. Reading the
 * snapshot of a million rows (bench/bootstrap-million.bench.ts), pages of 5,000 took no more
 * CPU than 10,000 and peaked at ~195 MB instead of 240-260 MB; 2,500 saved no more memory.
 */
const BOOTSTRAP_PAGE = 5_000;
const FIRST_BOOTSTRAP_PAGE = 2_000;

/** Offsets under this are noise of the `Date` header's one-second resolution. */
const OFFSET_NOISE_MS = 1_500;

/**
 * Moves the station's changes both ways. Events fire only after the transaction they
 * describe has committed. Push, pull and sync never interleave; see CoalescedRun for how
 * repeated requests are folded.
 */
export class SyncManager extends EventEmitter<SyncEvents> {
  private readonly mutex = new Mutex();
  private readonly pushes = new CoalescedRun(() => this.mutex.lock(() => this.pushNow()));
  private readonly pulls = new CoalescedRun(() => this.mutex.lock(() => this.pullNow()));
  private readonly syncs = new CoalescedRun(() => this.syncNow());
  private reachable: boolean | null = null;
  private active = 0;
  private lastError: MostradorError | null = null;
  private inSyncNotedAt = 0;

  constructor(
    private readonly store: LocalStore,
    private readonly options: SyncOptions = {},
  ) {
    super();
  }

  /** Send the outbox; a call during a push runs once more after it (writes made meanwhile). */
  pushOutbox(): Promise<PushedEvent> {
    return this.pushes.run();
  }

  /** Pull until up to date; a call during a pull runs once more after it (a newer notice). */
  pullChanges(): Promise<PulledEvent> {
    return this.pulls.run();
  }

  /**
   * Discard a group of this station that the server holds for review (issue 13): the server
   * withdraws it, the push that follows is answered `rejected` with the server's rows and
   * undoes it here whole (as an admin's rejection would), and it leaves the outbox.
   * False when the group is not held here; throws when the server cannot be asked.
   */
  async discardHeld(groupId: string): Promise<boolean> {
    if (this.store.outbox.byId(groupId)?.state !== 'held') return false;
    await this.mutex.lock(() =>
      this.tracked(() =>
        this.client().request(WithdrawResponse, 'POST', `/sync/review/${encodeURIComponent(groupId)}/withdraw`),
      ),
    );
    await this.pushOutbox();
    return this.store.outbox.dismissRejected(groupId);
  }

  /**
   * Apply the changes a live notice carried (those in (from, cursor]) exactly as a pulled
   * page: one transaction with the new cursor, the same guards, then `pulled`. It waits its
   * turn like a pull, and applies nothing (answering null) unless the station is still at
   * `from` by then: the caller pulls instead, so no change is ever skipped.
   */
  applyNoticePage(from: number, cursor: number, page: Pick<PullPage, 'tables' | 'count'>): Promise<PulledEvent | null> {
    // No request leaves: nothing to announce before it (a `status` now would cost the screens
    // and the server a report, and the change a few ms); the one after it has the new cursor.
    return this.mutex.lock(() =>
      this.tracked(async () => {
        if (this.cursor !== from || cursor <= from) return null;
        const head = Math.max(cursor, this.store.meta.getNumber('head'));
        const applied = applyPulledPage(this.store, {
          tables: page.tables,
          count: page.count,
          cursor,
          head,
          hasMore: false,
        });
        const event = { count: applied.count, cursor: applied.cursor, ids: applied.ids, tables: applied.tables };
        this.noteInSync();
        this.reportSkipped(applied.skipped);
        if (event.count > 0) this.emit('pulled', event);
        this.retryWaiting(event.count);
        return event;
      }, false),
    );
  }

  /**
   * One push then one pull that include every write made before the call: a call while a
   * sync runs gets the next one (its push may be past already), never the one in flight.
   */
  sync(): Promise<SyncResult> {
    return this.syncs.run();
  }

  get pending(): number {
    return this.store.outbox.size;
  }

  get cursor(): number {
    return this.store.meta.getNumber('cursor');
  }

  get head(): number {
    return Math.max(this.store.meta.getNumber('head'), this.cursor);
  }

  status(): SyncStatus {
    return {
      reachable: this.reachable,
      syncing: this.active > 0,
      cursor: this.cursor,
      head: this.head,
      pending: this.pending,
      pendingWork: this.store.outbox.pendingWork(),
      flagged: this.store.outbox.flaggedRows,
      lastError: this.lastError ? { code: this.lastError.code, message: this.lastError.message } : null,
      syncedAt: this.store.meta.get('syncedAt'),
      overdue: this.overdue(),
      reconciledAt: this.store.meta.get('reconciledAt'),
      checkedAt: this.store.meta.get('checkedAt'),
      checkResult: this.store.meta.get('checkResult'),
    };
  }

  /** Not in sync now, and not since longer than `overdueMs` (an idle, up-to-date station is never overdue). */
  private overdue(): boolean {
    const inSync = this.pending === 0 && this.cursor >= this.head && this.reachable !== false;
    if (inSync) return false;
    const since = Date.parse(this.store.meta.get('syncedAt') ?? '');
    const now = (this.options.wallClock ?? Date.now)() + this.store.clock.offset;
    return Number.isNaN(since) || now - since > (this.options.overdueMs ?? DEFAULT_OVERDUE_MS);
  }

  /** Correct the station clock from a server time (a `Date` header, or a live hello's serverTime). */
  adoptServerTime({ serverMs, receivedAt }: ServerTimeSample): void {
    this.store.clockCheckedAt = Date.now();
    const raw = serverMs - receivedAt;
    const offset = Math.abs(raw) < OFFSET_NOISE_MS ? 0 : raw;
    if (offset === this.store.clock.offset) return;
    this.store.clock.setOffset(offset);
    this.store.meta.set('clockOffset', offset);
  }

  private client(): ServerClient {
    const baseUrl = this.store.meta.get('serverUrl');
    const token = this.store.stationToken();
    if (!baseUrl || !token) throw new MostradorError('NOT_ENROLLED');
    return new ServerClient({
      baseUrl,
      token,
      wallClock: this.options.wallClock,
      timeoutMs: this.options.requestTimeoutMs,
      compressedPages: this.options.compressedPages,
      onServerTime: (sample) => this.adoptServerTime(sample),
    });
  }

  private async syncNow(): Promise<SyncResult> {
    const pushed = await this.pushOutbox();
    const pulled = await this.pullChanges();
    return { pushed: pushed.count, pulled: pulled.count, cursor: pulled.cursor };
  }

  private pushNow(): Promise<PushedEvent> {
    return this.tracked(async () => {
      const result = await this.pushReconciling();
      this.noteInSync(true);
      const event = { count: result.count, cursor: result.cursor, tables: result.tables };
      if (result.count > 0 || result.rejected > 0 || result.tables.length > 0) this.emit('pushed', event);
      return event;
    });
  }

  /**
   * Push the outbox. A server on another history (restored since this station last pulled)
   * refuses it whole: the station reconciles first (queueing again what the server lost,
   * which its waiting groups may name), then pushes; its next pull starts over from 0.
   */
  private async pushReconciling(): Promise<PushResult> {
    const pageSize = this.options.pushPageSize ?? 1_000;
    try {
      return await pushOutbox(this.store, this.client(), pageSize);
    } catch (error) {
      if (!(error instanceof MostradorError && error.code === 'HISTORY_CHANGED')) throw error;
      const result = await reconcile(this.store, this.client(), error.message);
      this.emit('reconciled', result);
      return pushOutbox(this.store, this.client(), pageSize);
    }
  }

  /**
   * Pull until up to date. A server on another history (new epoch, head below the cursor)
   * is reconciled with first; a server that purged deletes this station may have missed
   * (RESYNC_REQUIRED) is bootstrapped from again, unpushed writes kept. A pull after either
   * ends with an integrity check. A first bootstrap does not: it wrote every row it holds
   * from pages of one server history, in cursor order, into an empty database, so a check
   * would re-read a million rows (18 s) to find what the pull just did. Its first check is
   * the periodic one (LiveClient), or `checkIntegrity()` when asked.
   */
  private pullNow(): Promise<PulledEvent> {
    return this.tracked(async () => {
      const { pulled, check } = await this.pullRecovering();
      // A check that cannot run now (an older server, a dropped line) waits for the next one.
      if (check) await this.checkNow().catch(() => null);
      this.retryWaiting(pulled.count);
      return pulled;
    });
  }

  /** Pull, recovering from another server history or a purge; `check` says an integrity check is due. */
  private async pullRecovering(): Promise<{ pulled: PulledEvent; check: boolean }> {
    try {
      const pulled = await this.pullPages();
      this.noteInSync(true);
      return { pulled, check: false };
    } catch (error) {
      if (error instanceof HistoryChanged) {
        const result = await reconcile(this.store, this.client(), error.reason);
        this.emit('reconciled', result);
      } else if (error instanceof MostradorError && error.code === 'RESYNC_REQUIRED') {
        prepareRebootstrap(this.store);
        this.emit('resynced', { reason: error.message });
      } else {
        throw error;
      }
    }
    const pulled = await this.pullPages();
    this.noteInSync(true);
    return { pulled, check: true };
  }

  /**
   * Pull until up to date. A station at cursor 0 bootstraps: it reads the server's snapshot
   * table by table (snapshot.ts), with the secondary indexes set aside until the end, then
   * pulls the changes committed meanwhile.
   */
  private async pullPages(): Promise<PulledEvent> {
    const bootstrap = this.cursor === 0;
    const limit = bootstrap ? (this.options.bootstrapLimit ?? BOOTSTRAP_PAGE) : (this.options.pullLimit ?? 5_000);
    // A bootstrap's ids are the whole database: nobody needs them all in one list.
    const ids: string[] = [];
    let before = 0;
    const onPage = (page: AppliedPage, progress: PullProgress) => {
      this.reportSkipped(page.skipped);
      if (page.count > 0) this.emit('pulled', page);
      const done = before + progress.done;
      if (bootstrap || progress.total > limit) this.emit('progress', { done, total: before + progress.total });
      if (!bootstrap) ids.push(...page.ids);
    };
    if (!bootstrap) {
      const result = await pullAll(this.store, this.client(), limit, onPage);
      return { count: result.count, cursor: result.cursor, ids };
    }
    deferIndexes(this.store.db);
    try {
      const snapshot = await pullSnapshot(this.store, this.client(), limit, onPage, FIRST_BOOTSTRAP_PAGE);
      before = snapshot.count;
      const changes = await pullAll(this.store, this.client(), limit, onPage);
      return { count: snapshot.count + changes.count, cursor: changes.cursor, ids };
    } finally {
      const started = performance.now();
      restoreIndexes(this.store.db);
      this.emit('bootstrapped', { ms: performance.now() - started });
    }
  }

  /**
   * Compare checksums with the server and repair what differs (pulling first, so both
   * stand at the same cursor). Rows re-queued by a repair go out with the next push.
   */
  checkIntegrity(): Promise<CheckResult> {
    return this.mutex.lock(() =>
      this.tracked(async () => {
        await this.pullRecovering();
        return this.checkNow();
      }),
    );
  }

  private async checkNow(): Promise<CheckResult> {
    const result = await checkIntegrity(this.store, this.client());
    if (result.status !== 'skipped') this.emit('checked', result);
    return result;
  }

  /**
   * Rows just pulled may be the ones a group held for review was waiting for
   * (MISSING_REFERENCE): send it again once this pull is done, and the server applies it.
   * A failure is reported by the push itself.
   */
  private retryWaiting(pulled: number): void {
    if (pulled > 0 && this.store.outbox.waitsForReference()) this.pushOutbox().catch(() => {});
  }

  /**
   * Fully in sync (nothing waiting, at the head): remembered, so a long silence shows. Live
   * notices land often, so outside a pull or push it is written at most every 30 s.
   */
  private noteInSync(always = false): void {
    if (this.pending !== 0 || this.cursor < this.store.meta.getNumber('head')) return;
    const now = Date.now();
    if (!always && now - this.inSyncNotedAt < IN_SYNC_WRITE_MS) return;
    this.inSyncNotedAt = now;
    this.store.meta.set('syncedAt', this.store.nowIso());
  }

  private reportSkipped(skipped: SkippedRow[]): void {
    if (skipped.length > 0) this.emit('skipped', skipped);
  }

  /**
   * Run a request, keeping reachability, lastError and the status event up to date (a status
   * before the work too, saying it is syncing, unless `announce` is false).
   */
  private async tracked<T>(work: () => Promise<T>, announce = true): Promise<T> {
    this.active += 1;
    if (announce) this.emit('status', this.status());
    try {
      const result = await work();
      this.reachable = true;
      this.lastError = null;
      return result;
    } catch (error) {
      const failure = error instanceof MostradorError ? error : new MostradorError('INTERNAL', String(error));
      this.reachable = failure.code !== 'SERVER_UNREACHABLE';
      this.lastError = failure;
      if (this.listenerCount('error') > 0) this.emit('error', failure);
      throw failure;
    } finally {
      this.active -= 1;
      this.emit('status', this.status());
    }
  }
}
