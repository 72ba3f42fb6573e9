import { MostradorError } from '@mostrador/common';
import type { FastifyReply, FastifyRequest } from 'fastify';

/**
 * Admission for pushes. Pushes are applied by the group commit (group-commit.ts): the ones
 * that arrive while a commit is in flight share the next one, so a push waiting costs only
 * its body's memory, never a pooled connection.
 *
 * That queue is bounded: `admission` (an onRequest hook, after the station's token) counts
 * every push from its first byte to its answer, refuses a station's push beyond
 * `perStation` in flight, and any push beyond `maxQueued` in flight in all, with 429 and a
 * `Retry-After` from the recent push times. So a station (or many) cannot make the server
 * hold an unbounded number of 32 MB bodies.
 */

export interface PushLimits {
  /** Pushes of one station in flight at once (reading, queued or applying); default 2. */
  readonly perStation: number;
  /** Pushes in flight in all on this instance; default 256 (a crowd of 200 stations fits). */
  readonly maxQueued: number;
}

export const DEFAULT_PUSH_LIMITS: PushLimits = { perStation: 2, maxQueued: 256 };

export class PushGate {
  private readonly inFlight = new Map<string, number>();
  private total = 0;
  /** Moving average of a push's time from admission to answer, for Retry-After. */
  private averageMs = 200;

  constructor(private readonly limits: PushLimits = DEFAULT_PUSH_LIMITS) {}

  /** Run a push's work, keeping the recent push times that Retry-After is based on. */
  async timed<T>(work: () => Promise<T>): Promise<T> {
    const started = performance.now();
    try {
      return await work();
    } finally {
      this.averageMs = 0.8 * this.averageMs + 0.2 * (performance.now() - started);
    }
  }

  /** Pushes in flight (being read, queued or applied). */
  get size(): number {
    return this.total;
  }

  /**
   * Seconds a refused push should wait. The queue ahead of it drains a commit at a time,
   * each taking many pushes, so a push's recent time through the queue is the wait.
   */
  retryAfterSeconds(): number {
    return Math.min(60, Math.max(1, Math.ceil(this.averageMs / 1000)));
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
