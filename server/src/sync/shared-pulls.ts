/**
 * Concurrent identical pulls share one read. After a live notice every station that is not
 * at the notice's `from` pulls at once, nearly all from the same cursor: without sharing,
 * 200 stations cost 200 snapshots of the same rows, 200 JSON bodies and 200 encodings.
 *
 * A pull's answer depends only on its key: the cursor, the limit, the format and the
 * station's ceiling (which users' password verifiers it receives, `asSentTo`), plus the
 * snapshot it reads. So a request joins a read of the same key that is in flight, or that
 * ended less than `reuseMs` ago, as long as that read is fresh enough:
 *
 * - A read is only shared within the "generation" it started in. `newHead()` starts a new
 *   one; the live plugin calls it for every head the notifier hears, before the notice goes
 *   to any socket, and the app after every write request it answers (a push, a review
 *   decision), before the answer leaves. PostgreSQL delivers a NOTIFY only after its commit
 *   is visible, so a read started in the current generation sees every commit this instance
 *   has announced or answered: a station pulling because of a notice from this instance, or
 *   after its own push, never gets an answer older than that.
 * - A station notified by another instance may, for a few milliseconds, get a read that
 *   started before the commit it was told about (this instance has not heard it yet). Its
 *   answer is then simply older than the notice, like a pull sent a moment earlier: the
 *   cursor still moves in order and nothing is skipped, and stations pull again while a
 *   notice is ahead of their cursor (live-client.ts). `reuseMs` bounds how old that is.
 *
 * A failed read is never reused by a later request (only those already waiting share it).
 */
import { performance } from 'node:perf_hooks';

/** How long a finished read may answer requests with the same key (same generation only). */
export const DEFAULT_PULL_REUSE_MS = 25;

interface Flight<T> {
  readonly generation: number;
  readonly result: Promise<T>;
  /** When the read ended (performance.now()), or null while in flight. */
  endedAt: number | null;
}

export class SharedPulls<T> {
  private readonly flights = new Map<string, Flight<T>>();
  private generation = 0;
  /** Reads started and requests answered by a read another request started (for benchmarks). */
  reads = 0;
  shared = 0;

  constructor(
    private readonly reuseMs: number = DEFAULT_PULL_REUSE_MS,
    private readonly now: () => number = () => performance.now(),
  ) {}

  /** The answer for `key`: the shared read when a fresh one exists, else `read()`'s. */
  get(key: string, read: () => Promise<T>): Promise<T> {
    const flight = this.flights.get(key);
    if (flight && this.fresh(flight)) {
      this.shared += 1;
      return flight.result;
    }
    return this.start(key, read);
  }

  /**
   * A commit was announced (or notices may have been lost): reads started before now must
   * not answer requests made after it.
   */
  newHead(): void {
    this.generation += 1;
    this.flights.clear();
  }

  /** Reads held (in flight or reusable): bounded by the distinct keys asked for within `reuseMs`. */
  get size(): number {
    return this.flights.size;
  }

  private fresh(flight: Flight<T>): boolean {
    if (flight.generation !== this.generation) return false;
    return flight.endedAt === null || this.now() - flight.endedAt <= this.reuseMs;
  }

  private start(key: string, read: () => Promise<T>): Promise<T> {
    this.reads += 1;
    const result = read();
    const flight: Flight<T> = { generation: this.generation, result, endedAt: null };
    this.flights.set(key, flight);
    const forget = () => {
      if (this.flights.get(key) === flight) this.flights.delete(key);
    };
    result.then(() => {
      flight.endedAt = this.now();
      if (this.reuseMs <= 0) forget();
      else setTimeout(forget, this.reuseMs).unref();
    }, forget);
    return result;
  }
}
