/**
 * Turns the notifier's heads into `changes` notices for the hub. When the new head H follows
 * the head P last announced with nothing missed in between, the notice carries the changes
 * in (P, H] as a columnar page (built once, for every socket): a station at P applies it
 * without sending a pull, which is what keeps propagation fast with many stations connected.
 *
 * The instance that made a commit knows its rows already (sync/commit-page.ts): when the
 * stations were last told exactly the head that commit started from, its notice goes out
 * at once with those rows as the page, without reading them back; its NOTIFY, arriving
 * later, is then a repeat. Any other commit is announced from its NOTIFY, as below.
 *
 * A page is only an optimisation: whenever it is not certainly right (first notice, the
 * LISTEN session dropped, a head out of sequence) or not cheap (too many rows, the database
 * slow or failing), the plain notice goes out and stations pull as before.
 */
import type { FastifyBaseLogger } from 'fastify';
import type { StationHub } from './hub.js';

/** Builds the notice text for (from, to], or null when it must be the plain one. */
export type PageNotice = (from: number, to: number) => Promise<string | null>;

export interface AnnouncerOptions {
  /** How long a page may take before the plain notice goes out without it. */
  budgetMs: number;
}

/** A commit of this instance still to be announced, by the head it moves to. */
interface OwnCommit {
  readonly from: number;
  readonly notice: () => string;
  readonly committed: Promise<boolean>;
}

export class Announcer {
  private readonly ownCommits = new Map<number, OwnCommit>();
  /** The newest head heard from the notifier (-1 before the first). */
  private received = -1;
  /** Some head since the last announcement may have been missed: no page for the next one. */
  private doubt = true;
  private draining = false;
  /** A page build that outlived its budget: none is started until it is over. */
  private slow: Promise<unknown> | null = null;

  constructor(
    private readonly hub: StationHub,
    /** null: notices never carry pages (and go out at once, with nothing to wait for). */
    private readonly pageNotice: PageNotice | null,
    private readonly options: AnnouncerOptions,
    private readonly log: FastifyBaseLogger,
  ) {}

  /** A head from the notifier; `previous` is the one NOTIFYed just before it, or null if unknown. */
  notice(head: number, previous: number | null): void {
    if (head <= this.received) {
      // A repeat (reconnect) or a head that went back: only the latter breaks the sequence.
      if (head < this.received) this.doubt = true;
      return;
    }
    if (previous === null || previous !== this.received) this.doubt = true;
    this.received = head;
    if (!this.draining) void this.drain();
  }

  /**
   * A commit of this instance about to move the head from `from` to `to`; `notice` is its
   * notice with every row it wrote as the page, `committed` whether the COMMIT went through.
   * Once it has, and the last announcement was `from` with nothing newer heard, its notice
   * goes out at once. If its NOTIFY is heard first (PostgreSQL may deliver it before the
   * COMMIT's answer), the announcement waits for that answer rather than reading the page.
   * A commit that failed sends nothing: a NOTIFY it never made would be another commit's.
   */
  commit(from: number, to: number, notice: () => string, committed: Promise<boolean>): void {
    const own: OwnCommit = { from, notice, committed };
    this.ownCommits.set(to, own);
    void committed.then((ok) => {
      if (this.ownCommits.get(to) === own) this.ownCommits.delete(to);
      if (!ok || this.received !== from || this.hub.announced !== from || this.hub.size === 0) return;
      this.received = to;
      this.fromCommits += 1;
      this.hub.broadcast(to, notice());
    });
  }

  /** Notices whose page came from this instance's own commit, not read back (for logs and tests). */
  fromCommits = 0;

  /** Notices may have been lost (the LISTEN session dropped). */
  lost(): void {
    this.doubt = true;
  }

  // One announcement at a time, in head order. Heads arriving while a page is built are
  // folded into the next announcement, whose page then spans all of them.
  private async drain(): Promise<void> {
    this.draining = true;
    try {
      while (this.received > this.hub.announced) {
        const to = this.received;
        const from = this.doubt || this.hub.announced < 0 || !this.pageNotice ? null : this.hub.announced;
        this.doubt = false;
        const notice = from === null ? null : await this.page(from, to);
        this.hub.broadcast(to, notice);
      }
    } finally {
      this.draining = false;
    }
  }

  private async page(from: number, to: number): Promise<string | null> {
    if (this.hub.size === 0) return null;
    const own = this.ownCommits.get(to);
    if (own?.from === from && (await own.committed)) {
      this.fromCommits += 1;
      return own.notice();
    }
    if (this.slow || !this.pageNotice) return null;
    const built = this.pageNotice(from, to);
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<'late'>((resolve) => {
      timer = setTimeout(() => resolve('late'), this.options.budgetMs);
    });
    try {
      const result = await Promise.race([built, late]);
      if (result !== 'late') return result;
      const slow = built
        .catch(() => null)
        .finally(() => {
          if (this.slow === slow) this.slow = null;
        });
      this.slow = slow;
      return null;
    } catch (err) {
      this.log.warn({ err, from, to }, 'live: could not build the page of a notice; sending it plain');
      return null;
    } finally {
      clearTimeout(timer);
    }
  }
}
