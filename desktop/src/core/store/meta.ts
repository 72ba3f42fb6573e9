import type { Db } from './database.js';

/**
 * The station's own settings and progress, kept in its database (never in a side file) so
 * they commit atomically with the data they describe: the cursor with its pulled page, the
 * clock with the write it stamped, the sale sequence with its sale.
 */
export type MetaKey =
  | 'stationId'
  | 'stationName'
  | 'stationCode'
  | 'stationToken'
  | 'serverUrl'
  | 'nodeId'
  | 'cursor'
  | 'head'
  | 'hlc'
  /** The highest version received from elsewhere: a clock re-set after running ahead stays above it. */
  | 'hlcSeen'
  | 'clockOffset'
  | 'saleSeq'
  | 'enrolledBy'
  /** Set by the app shell once the first pull has finished (see desktop/src/app). */
  | 'bootstrapped'
  | 'deferredIndexes'
  /** Where a bootstrap is in the server's snapshot, while it reads it (see core/sync/snapshot.ts). */
  | 'snapshot'
  // Issue 9 (self-healing sync): the server identity this station's cursor counts in, when it
  // last reconciled with a new one, last compared checksums (and the outcome), last was fully in sync.
  | 'epoch'
  | 'reconciledAt'
  | 'checkedAt'
  | 'checkResult'
  | 'syncedAt'
  /** The server's tombstone cut-off last seen: checksums leave older tombstones out. */
  | 'purgedBefore'
  /** issue 10: the short code sale numbers start with (`C1` in `C1-000123`), when an admin set one. */
  | 'ticketCode'
  /** issue 13: the time zone the report rollups' days and hours are in (see core/reports). */
  | 'reportTimeZone';

export class Meta {
  private readonly select;
  private readonly upsert;
  private readonly remove;

  constructor(db: Db) {
    this.select = db.prepare<[string], { value: string | null }>('SELECT value FROM meta WHERE key = ?');
    this.upsert = db.prepare<[string, string]>(
      'INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value',
    );
    this.remove = db.prepare<[string]>('DELETE FROM meta WHERE key = ?');
  }

  get(key: MetaKey): string | null {
    return this.select.get(key)?.value ?? null;
  }

  getNumber(key: MetaKey, fallback = 0): number {
    const value = this.get(key);
    return value === null ? fallback : Number(value);
  }

  set(key: MetaKey, value: string | number | null): void {
    if (value === null) this.remove.run(key);
    else this.upsert.run(key, String(value));
  }
}
