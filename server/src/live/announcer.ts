/**
 * Turns the notifier's heads into `changes` notices for the hub. When the new head H follows
 * the head P last announced with nothing missed in between, the notice carries the changes
 * in (P, H] as a columnar page (built once, for every socket): a station at P applies it
 * without sending a pull, which is what keeps propagation fast with many stations connected.
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

export class Announcer {
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
    if (this.slow || this.hub.size === 0 || !this.pageNotice) return null;
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
