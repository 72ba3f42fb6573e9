import type { Role } from '@mostrador/common';
import type pg from 'pg';

/**
 * Roles at write time. Every write of a users row appends the user's role, active state
 * and public key to `user_history`, keyed by the row's version. A group is authorized,
 * and its signature checked, against the newest entry whose version is ≤ the group's
 * version (HLC strings order as strings): a cashier's sale written before a deactivation
 * is accepted when it arrives later; one written after it is not.
 */

export interface HistoryEntry {
  readonly userId: string;
  readonly version: string;
  readonly role: Role;
  readonly active: boolean;
  readonly publicKey: string | null;
}

export class UserHistory {
  /** Per user, entries in ascending version order (a later entry of an equal version wins). */
  private readonly byUser = new Map<string, HistoryEntry[]>();

  static async load(client: Pick<pg.Pool, 'query'>, userIds: readonly string[]): Promise<UserHistory> {
    const history = new UserHistory();
    const ids = userIds.filter((id) => /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/.test(id));
    if (ids.length === 0) return history;
    const { rows } = await client.query<HistoryEntry>(
      `SELECT "userId", version, role, active, "publicKey" FROM user_history
       WHERE "userId" = ANY($1::uuid[]) ORDER BY "userId", version, id`,
      [ids],
    );
    for (const entry of rows) history.add(entry);
    return history;
  }

  add(entry: HistoryEntry): void {
    const entries = this.byUser.get(entry.userId) ?? [];
    let i = entries.length;
    while (i > 0 && (entries[i - 1] as HistoryEntry).version > entry.version) i -= 1;
    entries.splice(i, 0, entry);
    this.byUser.set(entry.userId, entries);
  }

  /** The user as of `version`: the newest entry whose version is ≤ it, or undefined. */
  at(userId: string, version: string): HistoryEntry | undefined {
    const entries = this.byUser.get(userId);
    if (!entries) return undefined;
    for (let i = entries.length - 1; i >= 0; i -= 1) {
      const entry = entries[i] as HistoryEntry;
      if (entry.version <= version) return entry;
    }
    return undefined;
  }

  /** Every key the user has had, but `except`. */
  otherKeys(userId: string, except: string): string[] {
    const keys = (this.byUser.get(userId) ?? []).map((entry) => entry.publicKey);
    return [...new Set(keys)].filter((key): key is string => key !== null && key !== except);
  }

  clone(): UserHistory {
    const copy = new UserHistory();
    for (const [userId, entries] of this.byUser) copy.byUser.set(userId, [...entries]);
    return copy;
  }
}
