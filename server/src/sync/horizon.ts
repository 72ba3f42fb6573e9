import { TABLE_NAMES } from '@mostrador/common';
import type { FastifyInstance } from 'fastify';
import type pg from 'pg';
import { inTransaction } from '../db/pool.js';
import { quote } from './table-sql.js';

/**
 * The tombstone horizon (DESIGN.md): deleted rows are kept longer than any station stays
 * offline, then purged. `purgedSeq` remembers the highest sequence purged: a station whose
 * cursor is below it may have missed one of those deletes, so its pull is answered
 * RESYNC_REQUIRED and it bootstraps again (keeping its unpushed writes). `purgedBefore` is
 * the cut-off, which checksums and reconcile use to leave such old tombstones out.
 *
 * Configuration: TOMBSTONE_HORIZON_DAYS (default 90), TOMBSTONE_PURGE_INTERVAL_MS (default
 * one hour; 0 disables the timer).
 */

export const DEFAULT_HORIZON_DAYS = 90;
const DAY_MS = 86_400_000;

export interface PurgeResult {
  purged: number;
  purgedSeq: number;
  purgedBefore: string;
}

export async function purgeTombstones(db: pg.Pool, horizonMs: number, nowMs: number): Promise<PurgeResult> {
  const purgedBefore = new Date(nowMs - horizonMs).toISOString();
  // The head row lock serializes the purge with pushes, as every other write.
  return inTransaction(db, 'BEGIN', async (client) => {
    await client.query('SELECT head FROM sync_state WHERE id = 1 FOR UPDATE');
    let purged = 0;
    let maxSeq = 0;
    for (const table of TABLE_NAMES) {
      const { rows } = await client.query<{ n: number; last: string | null }>(
        // The row's last change (its version's time), not only its delete, must be past the
        // horizon: a deleted row edited since would otherwise push purgedSeq up to recent
        // commits and send every station back to bootstrap.
        `WITH gone AS (DELETE FROM ${quote(table)}
                       WHERE "deletedAt" IS NOT NULL AND "deletedAt" < $1 AND version < $1 RETURNING seq)
         SELECT count(*)::int AS n, max(seq) AS last FROM gone`,
        [purgedBefore],
      );
      purged += rows[0]?.n ?? 0;
      maxSeq = Math.max(maxSeq, Number(rows[0]?.last ?? 0));
    }
    const { rows } = await client.query<{ purgedSeq: string }>(
      `UPDATE sync_state SET "purgedSeq" = greatest("purgedSeq", $1), "purgedBefore" = $2 WHERE id = 1 RETURNING "purgedSeq"`,
      [maxSeq, purgedBefore],
    );
    return { purged, purgedSeq: Number(rows[0]?.purgedSeq ?? 0), purgedBefore };
  });
}

function numberFromEnv(name: string, fallback: number): number {
  const value = Number(process.env[name] ?? Number.NaN);
  return Number.isFinite(value) && value >= 0 ? value : fallback;
}

/**
 * Purge now, from the running app: no shared pull read (sync/shared-pulls.ts) from before the
 * purge answers a pull asked after it. (Such a read would still hold the purged deletes, so
 * nothing would be missed; but a station behind the horizon is then told RESYNC_REQUIRED at
 * once, as a single instance has always answered.)
 */
export async function purgeNow(app: FastifyInstance, horizonMs: number): Promise<PurgeResult> {
  const result = await purgeTombstones(app.db, horizonMs, app.settings.now());
  app.sharedPulls.newHead();
  return result;
}

/** Purge on a timer while the server runs. */
export function schedulePurge(app: FastifyInstance): void {
  const horizonMs = numberFromEnv('TOMBSTONE_HORIZON_DAYS', DEFAULT_HORIZON_DAYS) * DAY_MS;
  const everyMs = numberFromEnv('TOMBSTONE_PURGE_INTERVAL_MS', 3_600_000);
  if (everyMs === 0) return;
  let timer: NodeJS.Timeout | null = null;
  app.addHook('onReady', async () => {
    timer = setInterval(() => {
      purgeNow(app, horizonMs).then(
        (result) => result.purged > 0 && app.log.info(result, 'purged tombstones past the horizon'),
        (err: unknown) => app.log.warn({ err }, 'tombstone purge failed'),
      );
    }, everyMs);
    timer.unref();
  });
  app.addHook('onClose', async () => {
    if (timer) clearInterval(timer);
  });
}
