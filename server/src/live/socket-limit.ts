import { MostradorError } from '@mostrador/common';
import type { FastifyReply, FastifyRequest } from 'fastify';

/**
 * At most `max` open sockets per key (a station, a user) on this instance. A slot is taken
 * at the upgrade, after the token is checked, and given back when the connection closes
 * (whether it became a WebSocket or was refused), so 500 sockets from one station cannot
 * pile up. Over the limit the upgrade is answered 429 with Retry-After.
 */
export class SocketLimit {
  private readonly open = new Map<string, number>();

  constructor(
    private readonly max: number,
    private readonly what: string,
  ) {}

  /** Take a slot for `key` until the request's connection closes; throws RATE_LIMITED when full. */
  take(key: string, request: FastifyRequest, reply: FastifyReply): void {
    const count = this.open.get(key) ?? 0;
    if (count >= this.max) {
      reply.header('retry-after', '5');
      throw new MostradorError('RATE_LIMITED', `This ${this.what} already has ${count} live connections open.`);
    }
    this.open.set(key, count + 1);
    request.raw.socket.once('close', () => {
      const left = (this.open.get(key) ?? 1) - 1;
      if (left > 0) this.open.set(key, left);
      else this.open.delete(key);
    });
  }

  countOf(key: string): number {
    return this.open.get(key) ?? 0;
  }
}
