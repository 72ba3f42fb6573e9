/**
 * Login throttling for the bridge (in memory: one bridge serves one station). Per
 * username, wrong passwords beyond `freeFailures` in a row make the next attempt wait 1 s,
 * 2 s, 4 s … up to `maxBackoffMs`; per client address, at most `perMinute` attempts a
 * minute. A right password clears the username's failures.
 */
export interface ThrottleOptions {
  freeFailures: number;
  maxBackoffMs: number;
  perMinute: number;
}

export const DEFAULT_THROTTLE: ThrottleOptions = { freeFailures: 5, maxBackoffMs: 60_000, perMinute: 30 };

export class LoginThrottle {
  private readonly failures = new Map<string, { count: number; blockedUntil: number }>();
  private readonly attempts = new Map<string, { count: number; windowStart: number }>();

  constructor(
    private readonly options: ThrottleOptions = DEFAULT_THROTTLE,
    private readonly now: () => number = Date.now,
  ) {}

  /** Seconds to wait before this attempt may run, or 0 (and the attempt is counted). */
  admit(address: string, username: string): number {
    const now = this.now();
    this.forgetOld(now);
    const window = this.attempts.get(address);
    if (!window || now - window.windowStart >= 60_000) this.attempts.set(address, { count: 1, windowStart: now });
    else if (++window.count > this.options.perMinute) return Math.ceil((window.windowStart + 60_000 - now) / 1000);
    const failed = this.failures.get(username.trim().toLowerCase());
    if (failed && failed.blockedUntil > now) return Math.ceil((failed.blockedUntil - now) / 1000);
    return 0;
  }

  failed(username: string): void {
    const key = username.trim().toLowerCase();
    const count = (this.failures.get(key)?.count ?? 0) + 1;
    const over = count - this.options.freeFailures;
    const blockedUntil =
      over >= 0 ? this.now() + Math.min(this.options.maxBackoffMs, 1000 * 2 ** Math.min(over, 30)) : 0;
    this.failures.set(key, { count, blockedUntil });
  }

  succeeded(username: string): void {
    this.failures.delete(username.trim().toLowerCase());
  }

  /** Keep the maps small: windows long past and backoffs long over. */
  private forgetOld(now: number): void {
    if (this.attempts.size + this.failures.size < 1000) return;
    for (const [key, window] of this.attempts) if (now - window.windowStart >= 60_000) this.attempts.delete(key);
    for (const [key, failed] of this.failures) if (failed.blockedUntil < now - 3_600_000) this.failures.delete(key);
  }
}
