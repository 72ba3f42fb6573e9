/**
 * Reconnect delays: exponential with "equal jitter" (half fixed, half random), capped, so a
 * restarted server is met by stations spread over time instead of all at once.
 */
export interface BackoffOptions {
  initialMs: number;
  maxMs: number;
}

export const DEFAULT_BACKOFF: BackoffOptions = { initialMs: 250, maxMs: 10_000 };

export function reconnectDelay(attempt: number, options: BackoffOptions, random: () => number = Math.random): number {
  const ceiling = Math.min(options.maxMs, options.initialMs * 2 ** attempt);
  return ceiling / 2 + random() * (ceiling / 2);
}
