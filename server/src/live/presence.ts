/**
 * Presence in PostgreSQL, so any API instance can say who is online. This instance
 * heartbeats its row in `api_instances`; each open station socket has a row in
 * `station_connections` naming the instance. A station is online while it has a
 * connection row whose instance heartbeat is fresh: when an instance crashes, its rows
 * stay behind but stop counting within `freshMs`, and are swept later by any instance.
 *
 * Status reports are batched: a station reports after every pull, and writing each one
 * at once would put a write per station per change on the database. The newest report per
 * station is kept and all of them are written in one statement, at most every `statusFlushMs`.
 */
import { newId, type StatusMessage } from '@mostrador/common';
import type pg from 'pg';
import { notifyPresence, PRESENCE_CHANNEL } from './channels.js';

export interface PresenceTiming {
  heartbeatMs: number;
  /** A heartbeat older than this means the instance is gone. */
  freshMs: number;
  statusFlushMs: number;
}

export const DEFAULT_PRESENCE_TIMING: PresenceTiming = { heartbeatMs: 5_000, freshMs: 15_000, statusFlushMs: 100 };

/**
 * Per station `s`: `online` (a connection on an instance whose heartbeat is fresh; $1 is
 * the freshness in ms) and `heldAt`, the newest heartbeat of an instance holding one of its
 * connections: when it was last known connected, even if that instance has since died.
 */
export const PRESENCE_SQL = `LEFT JOIN LATERAL (
  SELECT bool_or(i."heartbeatAt" > now() - make_interval(secs => $1::double precision / 1000)) AS online,
         max(i."heartbeatAt") AS "heldAt"
  FROM station_connections c JOIN api_instances i ON i.id = c."instanceId"
  WHERE c."stationId" = s.id) p ON true`;

export class Presence {
  readonly instanceId = newId();
  private heartbeatTimer: NodeJS.Timeout | null = null;
  private flushTimer: NodeJS.Timeout | null = null;
  private readonly reports = new Map<string, StatusMessage>();
  private flushing: Promise<void> = Promise.resolve();

  constructor(
    private readonly db: pg.Pool,
    readonly timing: PresenceTiming = DEFAULT_PRESENCE_TIMING,
  ) {}

  async start(): Promise<void> {
    await this.db.query('INSERT INTO api_instances (id) VALUES ($1)', [this.instanceId]);
    this.heartbeatTimer = setInterval(() => void this.heartbeat().catch(() => {}), this.timing.heartbeatMs);
    this.heartbeatTimer.unref();
  }

  /** Leave cleanly: this instance's stations go offline at once instead of after `freshMs`. */
  async stop(): Promise<void> {
    if (this.heartbeatTimer) clearInterval(this.heartbeatTimer);
    await this.flush().catch(() => {});
    await this.db
      .query(
        `WITH gone AS (DELETE FROM station_connections WHERE "instanceId" = $1 RETURNING "stationId")
         UPDATE stations SET "lastSeenAt" = now() WHERE id IN (SELECT DISTINCT "stationId" FROM gone ORDER BY 1)`,
        [this.instanceId],
      )
      .catch(() => {});
    await this.db.query('DELETE FROM api_instances WHERE id = $1', [this.instanceId]).catch(() => {});
    await this.db.query('SELECT pg_notify($1, $2)', [PRESENCE_CHANNEL, '*']).catch(() => {});
  }

  /**
   * Record an open socket; returns the connection id to pass to `disconnected`, and whether
   * the station was revoked meanwhile (a revocation between the upgrade's token check and
   * this row would otherwise leave the socket open: its NOTIFY came before the socket joined).
   * One row per statement, no transaction: presence writes never wait on each other's locks.
   */
  async connected(stationId: string): Promise<{ connectionId: string; revoked: boolean }> {
    const connectionId = newId();
    await this.db.query('INSERT INTO station_connections (id, "stationId", "instanceId") VALUES ($1, $2, $3)', [
      connectionId,
      stationId,
      this.instanceId,
    ]);
    const { rows } = await this.db.query<{ revoked: boolean }>(
      'SELECT "revokedAt" IS NOT NULL AS revoked FROM stations WHERE id = $1',
      [stationId],
    );
    await notifyPresence(this.db, stationId);
    return { connectionId, revoked: rows[0]?.revoked ?? true };
  }

  async disconnected(connectionId: string, stationId: string): Promise<void> {
    await this.db.query('DELETE FROM station_connections WHERE id = $1', [connectionId]);
    await this.db.query('UPDATE stations SET "lastSeenAt" = now() WHERE id = $1', [stationId]);
    await notifyPresence(this.db, stationId);
  }

  report(stationId: string, status: StatusMessage): void {
    this.reports.set(stationId, status);
    if (this.flushTimer) return;
    this.flushTimer = setTimeout(() => {
      this.flushTimer = null;
      void this.flush().catch(() => {});
    }, this.timing.statusFlushMs);
  }

  /** Write every pending status report in one statement. */
  flush(): Promise<void> {
    this.flushing = this.flushing.then(() => this.writeReports());
    return this.flushing;
  }

  private async writeReports(): Promise<void> {
    if (this.reports.size === 0) return;
    const batch = [...this.reports];
    this.reports.clear();
    await this.db.query(
      `UPDATE stations s SET cursor = r.cursor, pending = r.pending, "appVersion" = r."appVersion",
         "lastError" = r."lastError", "lastSeenAt" = now(),
         "clockOffsetMs" = coalesce(r."clockOffsetMs", s."clockOffsetMs"),
         -- Issue 9: the last moment the station reported being fully in sync, for "overdue".
         "syncedAt" = CASE WHEN r.pending = 0 AND r.cursor >= (SELECT head FROM sync_state WHERE id = 1)
                           THEN now() ELSE s."syncedAt" END
       FROM unnest($1::uuid[], $2::bigint[], $3::int[], $4::text[], $5::text[], $6::bigint[])
         AS r(id, cursor, pending, "appVersion", "lastError", "clockOffsetMs")
       WHERE s.id = r.id`,
      [
        batch.map(([id]) => id),
        batch.map(([, s]) => s.cursor),
        batch.map(([, s]) => s.pending),
        batch.map(([, s]) => s.appVersion),
        batch.map(([, s]) => s.lastError ?? null),
        batch.map(([, s]) => s.clockOffsetMs ?? null),
      ],
    );
    await notifyPresence(this.db, batch.length === 1 ? (batch[0]?.[0] ?? '*') : '*');
  }

  // Only this instance's row: a connected station's "last seen" is its instance's latest
  // heartbeat (PRESENCE_SQL's heldAt), so no station row is written while it stays connected.
  private async heartbeat(): Promise<void> {
    await this.db.query(
      'INSERT INTO api_instances (id) VALUES ($1) ON CONFLICT (id) DO UPDATE SET "heartbeatAt" = now()',
      [this.instanceId],
    );
    await this.sweepDeadInstances();
  }

  // Rows of an instance that stopped heartbeating long ago: they already count as offline;
  // deleting them keeps the tables small. The grace period (4 × freshness) avoids racing an
  // instance that is merely slow.
  private async sweepDeadInstances(): Promise<void> {
    const { rowCount } = await this.db.query(
      `WITH dead AS (DELETE FROM api_instances
         WHERE "heartbeatAt" < now() - make_interval(secs => $1::double precision / 1000) RETURNING id)
       DELETE FROM station_connections WHERE "instanceId" IN (SELECT id FROM dead)`,
      [this.timing.freshMs * 4],
    );
    if (rowCount) await notifyPresence(this.db, '*');
  }
}
