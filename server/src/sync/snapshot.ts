import {
  isTableName,
  MostradorError,
  ROLES,
  type Role,
  SnapshotQuery,
  TABLE_NAMES,
  type TableName,
} from '@mostrador/common';
import type { FastifyInstance } from 'fastify';
import type pg from 'pg';
import { requireStation } from '../auth/guards.js';
import { inTransaction } from '../db/pool.js';
import { SYNC_STATE_SQL, type SyncStateRow } from './epoch.js';
import { sendPage } from './page-encoding.js';
import { columnsBodyBytes } from './pull-body.js';
import { BEGIN_PULL, type PullPage } from './pull-page.js';
import { quote, tableSql } from './table-sql.js';

/**
 * The bootstrap snapshot (GET /sync/snapshot): one table's rows in id order, after an id,
 * as a columnar pull page. A station fills an empty database with it table by table, so
 * every pulled row lands at the end of its table's B-tree instead of at a random leaf.
 *
 * Pages are read in separate snapshots, so together they are not one state of the server;
 * what makes them one is the cursor. Each page answers the head of its own snapshot as its
 * `cursor`: every commit up to that head is in it, and in every later page. A station that
 * read all the pages and then pulls changes from the FIRST page's cursor meets again every
 * row committed after it (with the version guard taking the newest), whichever page read
 * the row's older or newer state; rows committed up to it are in the pages as they were or
 * newer. Nothing is skipped: a row inserted behind the reading position has a later seq.
 */

const NIL_UUID = '00000000-0000-0000-0000-000000000000';

/**
 * The page's rows as they are sent, one JSON text per row. Not joined in SQL: PostgreSQL
 * answers thousands of small values much faster than one value of megabytes (a 5,000-row
 * page of products: ~15 ms against ~45–80 ms here, see bench/REPORT.md), and the API joins
 * them into the body it writes anyway.
 */
function snapshotSql(table: TableName, ceiling: Role): string {
  return `SELECT ${tableSql(table).jsonArray[ceiling]}::text AS r FROM ${quote(table)} WHERE id > $1 ORDER BY id LIMIT $2`;
}

/** Per table and ceiling of the asking station (what users' fields it receives, see table-sql.ts). */
const SNAPSHOT_SQL = new Map(
  TABLE_NAMES.flatMap((table) => ROLES.map((ceiling) => [`${table}:${ceiling}`, snapshotSql(table, ceiling)])),
);

/** One page of the snapshot, as a columnar pull page whose cursor and head are its snapshot's head. */
export async function readSnapshotPage(
  db: pg.Pool,
  table: TableName,
  after: string,
  limit: number,
  ceiling: Role,
): Promise<PullPage> {
  return inTransaction(db, BEGIN_PULL, async (client) => {
    const { rows: states } = await client.query<SyncStateRow>({ name: 'snapshot-head', text: SYNC_STATE_SQL });
    const { rows } = await client.query<[string]>({
      name: `snapshot-${table}-${ceiling}`,
      text: SNAPSHOT_SQL.get(`${table}:${ceiling}`) as string,
      values: [after, limit],
      rowMode: 'array',
    });
    const head = Number(states[0]?.head ?? 0);
    const count = rows.length;
    return {
      // The table's block even when empty: the station reads on from the table's place.
      parts: [{ table, count, json: rows.map((row) => row[0]).join(',') }],
      count,
      cursor: head,
      head,
      // This table may hold rows after this page (the station asks on until a short page).
      hasMore: count === limit,
      epoch: states[0]?.epoch ?? '',
      purgedSeq: Number(states[0]?.purgedSeq ?? 0),
    };
  });
}

export async function snapshotRoutes(app: FastifyInstance): Promise<void> {
  app.get<{ Querystring: SnapshotQuery }>(
    '/sync/snapshot',
    { schema: { querystring: SnapshotQuery }, preHandler: requireStation },
    async (request, reply) => {
      const station = request.station;
      if (!station) throw new MostradorError('UNAUTHORIZED');
      const { table, after = NIL_UUID, limit } = request.query;
      if (!isTableName(table)) throw new MostradorError('UNKNOWN_TABLE', `"${table}" is not a synced table.`);
      const page = await readSnapshotPage(app.db, table, after, limit, station.ceiling);
      return sendPage(request, reply, columnsBodyBytes(page));
    },
  );
}
