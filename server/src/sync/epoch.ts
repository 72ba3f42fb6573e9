/**
 * The server's identity, sent with every pull page and in the live hello (an extension of
 * PROTOCOL.md). It changes when the database is replaced or restored, so a station that
 * sees it change reconciles instead of trusting a cursor from another history:
 * - a fresh database draws a new random `sync_state.epoch` (its migration's default);
 * - a database restored from a pg_dump keeps that value, but its tables are created anew,
 *   so the oid of `sync_state` differs: the public epoch folds it in.
 * A physical restore (a file-level copy) keeps both; stations then still notice a head below
 * their cursor (see desktop/src/core/sync/reconcile.ts).
 */
export const EPOCH_SQL = `epoch::text || '.' || 'sync_state'::regclass::oid::text`;

/** The head, the epoch and the tombstone horizon, read together (one row, one snapshot). */
export const SYNC_STATE_SQL = `SELECT head, ${EPOCH_SQL} AS epoch, "purgedSeq", "purgedBefore" FROM sync_state WHERE id = 1`;

export interface SyncStateRow {
  head: number | string;
  epoch: string;
  purgedSeq: number | string;
  purgedBefore: string | null;
}
