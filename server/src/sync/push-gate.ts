import { MostradorError } from '@mostrador/common';
import type { FastifyReply, FastifyRequest } from 'fastify';

/**
 * Pushes run one at a time anyway (each holds the sequence lock to commit), so letting
 * every concurrent push take a pooled connection only to wait on that lock would starve
 * pulls and logins of connections. The gate lets a few in at once (one writing, one
 * ready to take the lock next) and queues the rest in memory, in arrival order.
 *
 * The queue is bounded: `admission` (an onRequest hook, after the station's token) counts
 * every push from its first byte to its answer, refuses a station's push beyond
 * `perStation` in flight, and any push beyond `maxQueued` in flight in all, with 429 and a
 * `Retry-After` from the recent push times. So a station (or many) cannot make the server
 * hold an unbounded number of 32 MB bodies.
 */

export interface PushLimits {
  /** Pushes of one station in flight at once (reading, queued or applying); default 2. */
  readonly perStation: number;
  /** Pushes in flight in all on this instance; default 64. */
  readonly maxQueued: number;
}

export const DEFAULT_PUSH_LIMITS: PushLimits = { perStation: 2, maxQueued: 64 };

export class PushGate {
  private active = 0;
  private readonly waiting: (() => void)[] = [];
  private readonly inFlight = new Map<string, number>();
  private total = 0;
  /** Moving average of a push's time through the gate, for Retry-After. */
  private averageMs = 200;

  constructor(
    private readonly concurrency = 2,
    private readonly limits: PushLimits = DEFAULT_PUSH_LIMITS,
  ) {}

  async run<T>(work: () => Promise<T>): Promise<T> {
    if (this.active >= this.concurrency) await new Promise<void>((resolve) => this.waiting.push(resolve));
    else this.active += 1;
    const started = performance.now();
    try {
      return await work();
    } finally {
      this.averageMs = 0.8 * this.averageMs + 0.2 * (performance.now() - started);
      const next = this.waiting.shift();
      if (next) next();
      else this.active -= 1;
    }
  }

  /** Pushes in flight (being read, queued or applied). */
  get size(): number {
    return this.total;
  }

  /** Seconds a refused push should wait: the queue ahead of it, drained at the recent pace. */
  retryAfterSeconds(): number {
    return Math.min(60, Math.max(1, Math.ceil((this.total * this.averageMs) / this.concurrency / 1000)));
  }

  /** onRequest hook (after the station guard): admit the push or answer 429 with Retry-After. */
  readonly admission = async (request: FastifyRequest, reply: FastifyReply): Promise<void> => {
    const station = request.station?.id ?? '';
    const mine = this.inFlight.get(station) ?? 0;
    const why =
      mine >= this.limits.perStation
        ? `this station already has ${mine} pushes in progress`
        : this.total >= this.limits.maxQueued
          ? 'the server has too many pushes queued'
          : null;
    if (why) {
      reply.header('retry-after', String(this.retryAfterSeconds()));
      throw new MostradorError('RATE_LIMITED', `Push refused: ${why}; retry later.`);
    }
    this.inFlight.set(station, mine + 1);
    this.total += 1;
    let released = false;
    const release = () => {
      if (released) return;
      released = true;
      this.total -= 1;
      const left = (this.inFlight.get(station) ?? 1) - 1;
      if (left > 0) this.inFlight.set(station, left);
      else this.inFlight.delete(station);
    };
    reply.raw.once('close', release);
    reply.raw.once('finish', release);
  };
}
