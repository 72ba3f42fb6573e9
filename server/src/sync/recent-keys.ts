import type pg from 'pg';
import { UserHistory } from './user-history.js';

/**
 * The users' key history for the early signature checks (startVerification), kept for a
 * second across pushes: a crowd of pushes by the same few users would otherwise ask the
 * database for it once each, and concurrent asks share one query. A stale copy is
 * harmless: planning, under the sequence lock, reuses an early answer only when the key it
 * used is still the user's key as of the group's version (apply.ts, `authorize`), and
 * checks again otherwise.
 */
export class RecentKeys {
  private readonly cache = new Map<string, { readonly history: Promise<UserHistory>; readonly at: number }>();

  constructor(
    private readonly db: Pick<pg.Pool, 'query'>,
    private readonly ttlMs = 1_000,
    private readonly now: () => number = () => performance.now(),
  ) {}

  history(userIds: readonly string[]): Promise<UserHistory> {
    const ids = [...new Set(userIds)].sort();
    const key = ids.join(',');
    const hit = this.cache.get(key);
    if (hit && this.now() - hit.at < this.ttlMs) return hit.history;
    if (this.cache.size >= 1_000) this.cache.clear();
    const history = UserHistory.load(this.db, ids);
    this.cache.set(key, { history, at: this.now() });
    history.catch(() => this.cache.delete(key));
    return history;
  }
}
