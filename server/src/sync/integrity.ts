import {
  CHECKSUM_BUCKETS,
  ChecksumsRequest,
  ChecksumsResponse,
  CompareRequest,
  CompareResponse,
  columnsOf,
  isTableName,
  MostradorError,
  type Role,
  RowsQuery,
  TABLE_NAMES,
  type TableName,
} from '@mostrador/common';
import type { FastifyInstance } from 'fastify';
import type pg from 'pg';
import { requireStation } from '../auth/guards.js';
import { inTransaction } from '../db/pool.js';
import { SYNC_STATE_SQL, type SyncStateRow } from './epoch.js';
import { sendPage } from './page-encoding.js';
import { quote, tableSql } from './table-sql.js';

/**
 * Integrity routes (DESIGN.md "Integrity"), generic over the registry:
 * - compare: which of a station's rows the server lacks or holds older (reconcile after an
 *   epoch change re-pushes exactly those);
 * - checksums: per table and per bucket (the id's first hex digit) a count and a hash over
 *   each row's content, at the head, in one snapshot;
 * - rows: one bucket's rows, so a mismatch is repaired by re-pulling that range only.
 * The row hash is the first 48 bits of md5 over the row as a JSON array in `columnsOf`
 * order, summed (so order does not matter); the station computes the same from SQLite
 * (desktop/src/core/sync/checksum.ts). Content, not only versions, is hashed: a row edited
 * by hand behind the server's back keeps its version but not its hash.
 *
 * Rows are hashed and sent as the asking station receives them (issue 12: users rows carry
 * only the password verifiers of who logs in there), so a station's withheld verifiers never
 * look like damage; and when an admin changes a station's ceiling, its next check finds the
 * users buckets that differ and the repair brings or withdraws the verifiers.
 */

const SNAPSHOT = 'BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY';
const MAX_ROWS_PAGE = 200_000;

function knownTable(table: string): TableName {
  if (!isTableName(table)) throw new MostradorError('UNKNOWN_TABLE', `"${table}" is not a synced table.`);
  return table;
}

function checksumSql(table: TableName, ceiling: Role): string {
  const row = tableSql(table).jsonArray[ceiling];
  return `SELECT substr(id::text, 1, 1) AS bucket, count(*)::int AS n,
            coalesce(sum(('x' || substr(md5(${row}::text), 1, 12))::bit(48)::bigint), 0)::text AS hash
          FROM ${quote(table)}
          WHERE NOT (id = ANY($1::uuid[])) AND ("deletedAt" IS NULL OR $2::text IS NULL OR "deletedAt" >= $2::text)
          GROUP BY 1`;
}

type Checksum = { count: number; hash: string };

function tableChecksums(rows: { bucket: string; n: number; hash: string }[]) {
  const buckets: Checksum[] = Array.from({ length: CHECKSUM_BUCKETS }, () => ({ count: 0, hash: '0' }));
  let count = 0;
  let hash = 0n;
  for (const row of rows) {
    buckets[Number.parseInt(row.bucket, 16)] = { count: row.n, hash: row.hash };
    count += row.n;
    hash += BigInt(row.hash);
  }
  return { total: { count, hash: hash.toString() }, buckets };
}

async function readChecksums(
  db: pg.Pool,
  exclude: Record<string, string[]>,
  ceiling: Role,
): Promise<ChecksumsResponse> {
  return inTransaction(db, SNAPSHOT, async (client) => {
    const { rows: states } = await client.query<SyncStateRow>(SYNC_STATE_SQL);
    const state = states[0];
    const purgedBefore = state?.purgedBefore ?? null;
    const tables: ChecksumsResponse['tables'] = {};
    for (const table of TABLE_NAMES) {
      const { rows } = await client.query(checksumSql(table, ceiling), [exclude[table] ?? [], purgedBefore]);
      tables[table] = tableChecksums(rows);
    }
    return { cursor: Number(state?.head ?? 0), epoch: state?.epoch ?? '', purgedBefore, tables };
  });
}

/** A row the server lacks is behind unless it is a tombstone older than the purge (NULL-safe: nothing purged yet). */
async function compareRows(db: pg.Pool, { table, rows }: CompareRequest): Promise<CompareResponse> {
  const name = knownTable(table);
  const { rows: behind } = await db.query<{ id: string; version: string | null }>(
    `SELECT s.id, t.version
     FROM unnest($1::uuid[], $2::text[], $3::text[]) AS s(id, version, "deletedAt")
     LEFT JOIN ${quote(name)} t ON t.id = s.id
     CROSS JOIN (SELECT "purgedBefore" FROM sync_state WHERE id = 1) AS h
     WHERE (t.id IS NULL AND NOT coalesce(s."deletedAt" < h."purgedBefore" COLLATE "C", false))
        OR t.version < s.version COLLATE "C"`,
    [rows.map((r) => r[0]), rows.map((r) => r[1]), rows.map((r) => r[2])],
  );
  return { behind };
}

async function readBucket(db: pg.Pool, table: TableName, bucket: string, ceiling: Role): Promise<string> {
  return inTransaction(db, SNAPSHOT, async (client) => {
    const { rows: states } = await client.query<SyncStateRow>(SYNC_STATE_SQL);
    // One row per row, joined here: see snapshot.ts on why not in SQL.
    const { rows } = await client.query<[string]>({
      text: `SELECT ${tableSql(table).jsonArray[ceiling]}::text FROM ${quote(table)} WHERE substr(id::text, 1, 1) = $1 LIMIT $2`,
      values: [bucket, MAX_ROWS_PAGE],
      rowMode: 'array',
    });
    const head = Number(states[0]?.head ?? 0);
    const block = `{"columns":${JSON.stringify(columnsOf(table))},"rows":[${rows.map((row) => row[0]).join(',')}]}`;
    return `{"tables":{"${table}":${block}},"count":${rows.length},"cursor":${head},"head":${head},"hasMore":false,"epoch":${JSON.stringify(states[0]?.epoch ?? '')}}`;
  });
}

/** Stamp the monitor's columns; a failure to stamp never fails the request. */
function stamp(
  app: FastifyInstance,
  stationId: string | undefined,
  column: 'reconciledAt' | 'checkedAt' | 'repairedAt',
) {
  if (!stationId) return;
  app.db
    .query(`UPDATE stations SET ${quote(column)} = now() WHERE id = $1`, [stationId])
    .catch((err: unknown) => app.log.warn({ err, stationId }, `could not record ${column}`));
}

/**
 * Hashing every row costs the database ~2 s per 140,000 rows (loaded 2-core machine), and
 * every station checks every few minutes: the answer for a request that excludes nothing is
 * shared for up to CHECKSUM_REUSE_MS while the epoch and head stay the same. A row changed
 * behind the server's back is then caught at most that much later.
 */
const CHECKSUM_REUSE_MS = 60_000;

function checksumCache(db: pg.Pool) {
  // One answer per ceiling: the users rows hash differently for each (see the top).
  const answers = new Map<Role, { answer: ChecksumsResponse; at: number }>();
  return async (exclude: Record<string, string[]>, ceiling: Role): Promise<ChecksumsResponse> => {
    const excludes = Object.values(exclude).some((ids) => ids.length > 0);
    const cached = answers.get(ceiling);
    if (!excludes && cached && Date.now() - cached.at < CHECKSUM_REUSE_MS) {
      const { rows } = await db.query<SyncStateRow>(SYNC_STATE_SQL);
      const state = rows[0];
      const same = Number(state?.head) === cached.answer.cursor && state?.epoch === cached.answer.epoch;
      if (same && (state?.purgedBefore ?? null) === cached.answer.purgedBefore) return cached.answer;
    }
    const answer = await readChecksums(db, exclude, ceiling);
    if (!excludes) answers.set(ceiling, { answer, at: Date.now() });
    return answer;
  };
}

export async function integrityRoutes(app: FastifyInstance): Promise<void> {
  const checksums = checksumCache(app.db);
  app.post<{ Body: CompareRequest }>(
    '/sync/compare',
    { schema: { body: CompareRequest, response: { 200: CompareResponse } }, preHandler: requireStation },
    async (request) => {
      const answer = await compareRows(app.db, request.body);
      stamp(app, request.station?.id, 'reconciledAt');
      return answer;
    },
  );
  app.post<{ Body: ChecksumsRequest }>(
    '/sync/checksums',
    { schema: { body: ChecksumsRequest, response: { 200: ChecksumsResponse } }, preHandler: requireStation },
    async (request) => {
      const station = request.station;
      if (!station) throw new MostradorError('UNAUTHORIZED');
      const answer = await checksums(request.body.exclude ?? {}, station.ceiling);
      stamp(app, request.station?.id, 'checkedAt');
      return answer;
    },
  );
  app.get<{ Querystring: RowsQuery }>(
    '/sync/rows',
    { schema: { querystring: RowsQuery }, preHandler: requireStation },
    async (request, reply) => {
      const station = request.station;
      if (!station) throw new MostradorError('UNAUTHORIZED');
      const body = await readBucket(app.db, knownTable(request.query.table), request.query.bucket, station.ceiling);
      stamp(app, request.station?.id, 'repairedAt');
      return sendPage(request, reply, Buffer.from(body));
    },
  );
}
