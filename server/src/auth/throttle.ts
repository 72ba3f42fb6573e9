/**
 * Login throttling in PostgreSQL, so every API instance counts the same attempts:
 * - per client address: at most `max` attempts per `timeWindowMs` (fixed window), right or
 *   wrong, so one address cannot try many usernames;
 * - per username: after `freeFailures` consecutive wrong passwords, each further attempt
 *   must wait 1 s, 2 s, 4 s … up to `maxBackoffMs`; a right password clears it. The cap is
 *   short on purpose: someone guessing gets a handful of tries an hour, and someone
 *   failing on purpose locks the real user out for at most that long.
 * The client address is Fastify's `request.ip`: with TRUST_PROXY set to the proxies in
 * front, the address the last trusted proxy saw, never a header the client chose.
 */
import { MostradorError } from '@mostrador/common';
import type pg from 'pg';

export interface LoginRateLimit {
  /** Attempts per client address per window. */
  readonly max: number;
  readonly timeWindowMs: number;
  /** Wrong passwords for one username before the backoff starts; default 5. */
  readonly freeFailures?: number;
  /** Longest wait the backoff imposes; default 60 s. */
  readonly maxBackoffMs?: number;
}

/** Rows untouched this long are swept (attempts long past their window and backoff). */
const SWEEP_AFTER = '1 day';

function limited(retryAfterSeconds: number, why: string): MostradorError {
  const seconds = Math.max(1, Math.ceil(retryAfterSeconds));
  const error = new MostradorError('RATE_LIMITED', `Too many login attempts ${why}; try again in ${seconds} s.`);
  return Object.assign(error, { retryAfter: seconds });
}

export class LoginThrottle {
  private readonly freeFailures: number;
  private readonly maxBackoffMs: number;

  constructor(
    private readonly db: pg.Pool,
    private readonly limit: LoginRateLimit,
  ) {
    this.freeFailures = limit.freeFailures ?? 5;
    this.maxBackoffMs = limit.maxBackoffMs ?? 60_000;
  }

  /** Count an attempt from `address` for `username`; throws RATE_LIMITED (with `retryAfter`) when over a limit. */
  async admit(address: string, username: string): Promise<void> {
    const { rows } = await this.db.query<{ count: number; retry: number }>(
      `INSERT INTO login_throttle (key, count, "windowStart") VALUES ($1, 1, now())
       ON CONFLICT (key) DO UPDATE SET
         count = CASE WHEN login_throttle."windowStart" <= now() - $2 * interval '1 millisecond' THEN 1
                      ELSE login_throttle.count + 1 END,
         "windowStart" = CASE WHEN login_throttle."windowStart" <= now() - $2 * interval '1 millisecond' THEN now()
                      ELSE login_throttle."windowStart" END
       RETURNING count, extract(epoch FROM "windowStart" + $2 * interval '1 millisecond' - now())::float8 AS retry`,
      [`ip:${address}`, this.limit.timeWindowMs],
    );
    const byAddress = rows[0];
    if (byAddress && byAddress.count > this.limit.max) throw limited(byAddress.retry, 'from this address');

    const blocked = await this.db.query<{ retry: number }>(
      `SELECT extract(epoch FROM "blockedUntil" - now())::float8 AS retry FROM login_throttle
       WHERE key = $1 AND "blockedUntil" > now()`,
      [userKey(username)],
    );
    if (blocked.rows[0]) throw limited(blocked.rows[0].retry, 'for this user');
  }

  /** A wrong password for `username`: past the free failures, the next attempt waits (doubling). */
  async failed(username: string): Promise<void> {
    await this.db.query(
      `INSERT INTO login_throttle (key, count, "windowStart") VALUES ($1, 1, now())
       ON CONFLICT (key) DO UPDATE SET count = login_throttle.count + 1, "windowStart" = now(),
         "blockedUntil" = CASE WHEN login_throttle.count + 1 >= $2
           THEN now() + least($3::float8, 1000 * 2 ^ least(login_throttle.count + 1 - $2, 30)) * interval '1 millisecond'
           ELSE NULL END`,
      [userKey(username), this.freeFailures, this.maxBackoffMs],
    );
  }

  /** The right password: the username's failures are forgotten. */
  async succeeded(username: string): Promise<void> {
    await this.db.query('DELETE FROM login_throttle WHERE key = $1', [userKey(username)]);
  }

  /** Forget rows nobody touched for a day (rotating usernames or addresses leave many). */
  async sweep(): Promise<number> {
    const { rowCount } = await this.db.query(
      `DELETE FROM login_throttle WHERE "windowStart" < now() - interval '${SWEEP_AFTER}'
       AND ("blockedUntil" IS NULL OR "blockedUntil" < now())`,
    );
    return rowCount ?? 0;
  }
}

function userKey(username: string): string {
  return `user:${username.trim().toLowerCase()}`;
}
