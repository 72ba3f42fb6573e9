/**
 * The admins' view of every station: online now on any API instance (see live/presence),
 * last seen, app version, cursor and lag behind the head, outbox size, last error.
 */
import type { Role, StationView } from '@mostrador/common';
import type pg from 'pg';
import { PRESENCE_SQL } from '../live/presence.js';

interface StationRecord {
  id: string;
  name: string;
  online: boolean;
  lastSeenAt: Date | null;
  appVersion: string | null;
  cursor: string | number;
  head: string | number;
  pending: number;
  lastError: string | null;
  revokedAt: Date | null;
  ceiling: Role;
  syncedAt: Date | null;
  reconciledAt: Date | null;
  checkedAt: Date | null;
  repairedAt: Date | null;
  overdue: boolean;
  clockOffsetMs: string | number | null;
}

const iso = (date: Date | null) => (date ? date.toISOString() : null);

function toView(record: StationRecord): StationView {
  const cursor = Number(record.cursor);
  return {
    id: record.id,
    name: record.name,
    online: record.online,
    lastSeenAt: iso(record.lastSeenAt),
    appVersion: record.appVersion,
    cursor,
    lag: Math.max(0, Number(record.head) - cursor),
    pending: record.pending,
    lastError: record.lastError,
    revokedAt: iso(record.revokedAt),
    ceiling: record.ceiling,
    syncedAt: iso(record.syncedAt),
    overdue: record.overdue,
    reconciledAt: iso(record.reconciledAt),
    checkedAt: iso(record.checkedAt),
    repairedAt: iso(record.repairedAt),
    clockOffsetMs: record.clockOffsetMs === null ? null : Number(record.clockOffsetMs),
  };
}

/** Out of sync (offline, behind, or with writes waiting) for longer than this is overdue. SYNC_OVERDUE_MS. */
const OVERDUE_MS = Number(process.env.SYNC_OVERDUE_MS) > 0 ? Number(process.env.SYNC_OVERDUE_MS) : 10 * 60_000;

export async function listStations(db: pg.Pool, freshMs: number, overdueMs = OVERDUE_MS): Promise<StationView[]> {
  const { rows } = await db.query<StationRecord>(
    // Last seen: the later of the station's own stamp (requests, status, disconnect) and the
    // last heartbeat of an instance holding its socket, up to date within a heartbeat.
    `SELECT s.id, s.name, coalesce(p.online, false) AS online, greatest(s."lastSeenAt", p."heldAt") AS "lastSeenAt",
            s."appVersion", s.cursor, s.pending, s."lastError", s."revokedAt", s.ceiling, s."clockOffsetMs",
            (SELECT head FROM sync_state WHERE id = 1) AS head,
            s."syncedAt", s."reconciledAt", s."checkedAt", s."repairedAt",
            (s."revokedAt" IS NULL
             AND NOT (coalesce(p.online, false) AND s.pending = 0 AND s.cursor >= (SELECT head FROM sync_state WHERE id = 1))
             AND coalesce(s."syncedAt", s."createdAt") < now() - make_interval(secs => $2::double precision / 1000)) AS overdue
     FROM stations s ${PRESENCE_SQL} ORDER BY s.name, s.id`,
    [freshMs, overdueMs],
  );
  return rows.map(toView);
}
