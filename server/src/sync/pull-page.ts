import { ROLES, type Role, TABLE_NAMES, type TableName } from '@mostrador/common';
import type pg from 'pg';
import { inTransaction } from '../db/pool.js';
import { SYNC_STATE_SQL, type SyncStateRow } from './epoch.js';
import { quote, tableSql } from './table-sql.js';

/**
 * One page of changes after a cursor, across every synced table, as JSON text built by
 * PostgreSQL. The server never parses these rows: PostgreSQL writes each row's JSON text
 * and the server joins each table's rows and splices them into the response. (Joined in
 * SQL, a page would come back as one value of megabytes, which PostgreSQL sends several
 * times slower than the same text as thousands of rows: see snapshot.ts.)
 */

export type PullFormat = 'rows' | 'columns';

export interface PageTable {
  /** The table, or null for the `rows` format, whose one part mixes every table. */
  readonly table: TableName | null;
  readonly count: number;
  /** The rows, comma-separated JSON (objects for `rows`, arrays in `columnsOf` order for `columns`). */
  readonly json: string;
}

export interface PullPage {
  readonly parts: PageTable[];
  readonly count: number;
  readonly cursor: number;
  readonly head: number;
  readonly hasMore: boolean;
  /** The server's identity (see epoch.ts). */
  readonly epoch: string;
  /** A cursor below this may have missed a purged delete (see horizon.ts). */
  readonly purgedSeq: number;
}

/**
 * The union over the tables, filtered on each `seq` index and ordered by seq, runs as a
 * Merge Append: rows come out in sequence order and JSON is built only for the rows the
 * LIMIT takes.
 */
function pageSql(format: PullFormat, ceiling: Role): string {
  const parts = TABLE_NAMES.map((table) => {
    const sql = tableSql(table);
    const json =
      format === 'columns'
        ? sql.jsonArray[ceiling]
        : `'{"table":"${table}","row":' || ${sql.jsonObject[ceiling]}::text || '}'`;
    return `SELECT seq, '${table}' AS t, ${json}::text AS r FROM ${quote(table)}`;
  });
  return `SELECT seq, t, r FROM (${parts.join(' UNION ALL ')}) AS c WHERE seq > $1 AND seq <= $2 ORDER BY seq LIMIT $3`;
}

/** Per format, per ceiling of the pulling station (what users' fields it receives, see table-sql.ts). */
const PAGE_SQL: Record<PullFormat, Record<Role, string>> = {
  rows: Object.fromEntries(ROLES.map((c) => [c, pageSql('rows', c)])) as Record<Role, string>,
  columns: Object.fromEntries(ROLES.map((c) => [c, pageSql('columns', c)])) as Record<Role, string>,
};

/**
 * Walking the seq indexes in order is always the right plan here (a page is a LIMIT
 * over them), but right after a bulk push the statistics are stale and the planner
 * would rather sort every row above the cursor, JSON included: ten times slower.
 * Those penalties inflate the estimated cost past the JIT threshold, and compiling the
 * query would then cost more than running it, hence no JIT.
 */
export const BEGIN_PULL =
  'BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY; SET LOCAL enable_sort = off; SET LOCAL enable_bitmapscan = off; SET LOCAL enable_seqscan = off; SET LOCAL jit = off';

/**
 * readPullPage's statements are prepared once per connection and run on their generic
 * plan: planning the union over every table cost as much PostgreSQL CPU as reading a
 * 10k-row page of one table (planning ~15-50 ms, executing ~30-55 ms, on a million rows).
 * The plan does not depend on the values: with sorts, bitmap and sequential scans off it
 * is always the Merge Append of the seq index scans, whatever the cursor.
 */
const BEGIN_PULL_PREPARED = `${BEGIN_PULL}; SET LOCAL plan_cache_mode = force_generic_plan`;

const HEAD_SQL = SYNC_STATE_SQL;
type HeadRow = SyncStateRow;
const TABLE_POSITION = new Map<TableName | null, number>(TABLE_NAMES.map((table, i) => [table, i]));
const position = (table: TableName | null) => TABLE_POSITION.get(table) ?? -1;
type PageRow = { seq: number | string; t: TableName; r: string };

/**
 * The page the query's rows make (in seq order); `bound` is the last seq the page could
 * reach (head, or less). The `columns` format has a part per table, in registry order; the
 * `rows` format one part mixing them (each row names its table).
 */
function toPullPage(
  heads: HeadRow[],
  rows: PageRow[],
  format: PullFormat,
  cursor: number,
  limit: number,
  bound: number,
): PullPage {
  const head = Number(heads[0]?.head ?? 0);
  const texts = new Map<TableName | null, string[]>();
  for (const row of rows) {
    const table = format === 'columns' ? row.t : null;
    const list = texts.get(table);
    if (list) list.push(row.r);
    else texts.set(table, [row.r]);
  }
  const parts = [...texts]
    .map(([table, list]) => ({ table, count: list.length, json: list.join(',') }))
    .sort((a, b) => position(a.table) - position(b.table));
  const count = rows.length;
  const last = Number(rows.at(-1)?.seq ?? 0);
  const next = count === limit ? last : Math.max(bound, cursor);
  const epoch = heads[0]?.epoch ?? '';
  const purgedSeq = Number(heads[0]?.purgedSeq ?? 0);
  return { parts, count, cursor: next, head, hasMore: next < head, epoch, purgedSeq };
}

/**
 * Head and page are read in one REPEATABLE READ snapshot: pushes commit their rows and
 * the head together, so every row up to that head is visible and the cursor handed back
 * never skips a commit.
 */
export function readPullPage(
  db: pg.Pool,
  cursor: number,
  limit: number,
  format: PullFormat,
  /** The pulling station's ceiling: users rows carry the verifiers of the roles that log in there. */
  ceiling: Role,
  /** Stop at this seq even if the head is further on (the live page of one notice). */
  upTo?: number,
): Promise<PullPage> {
  return inTransaction(db, BEGIN_PULL_PREPARED, async (client) => {
    const { rows: heads } = await client.query<HeadRow>({ name: 'pull-head', text: HEAD_SQL });
    const head = Number(heads[0]?.head ?? 0);
    const bound = upTo === undefined ? head : Math.min(head, upTo);
    const { rows } = await client.query<PageRow>({
      name: `pull-page-${format}-${ceiling}`,
      text: PAGE_SQL[format][ceiling],
      values: [cursor, bound, limit],
    });
    return toPullPage(heads, rows, format, cursor, limit, bound);
  });
}

/**
 * The page of changes in (cursor, upTo] exactly as readPullPage reads it (same SQL, same
 * REPEATABLE READ snapshot and settings), in ONE round trip: BEGIN, head, page and COMMIT go
 * as one multi-statement query. A live notice waits for this page, so the three round trips
 * saved are latency on every change. Such a query takes no parameters, hence the values
 * inlined: they are checked to be safe integers first. The page is the one an admin-ceiling
 * station pulls (every user's verifiers): one page goes to every station, so the live
 * channel never sends one holding users rows (plugin.ts); those stations pull.
 */
export async function readPullPageAtOnce(db: pg.Pool, cursor: number, limit: number, upTo: number): Promise<PullPage> {
  if (![cursor, limit, upTo].every((n) => Number.isSafeInteger(n) && n >= 0)) throw new Error('bad page bounds');
  const values: Record<string, number> = { $1: cursor, $2: upTo, $3: limit };
  const page = PAGE_SQL.columns.admin.replace(/\$[123]\b/g, (name) => String(values[name]));
  const client = await db.connect();
  let broken = false;
  try {
    const results = (await client.query(`${BEGIN_PULL}; ${HEAD_SQL}; ${page}; COMMIT`)) as unknown as pg.QueryResult[];
    const heads = (results.at(-3)?.rows ?? []) as HeadRow[];
    const rows = (results.at(-2)?.rows ?? []) as PageRow[];
    // A snapshot whose head is short of upTo cannot hold the whole range: the cursor says so.
    return toPullPage(heads, rows, 'columns', cursor, limit, Math.min(Number(heads[0]?.head ?? 0), upTo));
  } catch (error) {
    // A failed statement leaves the session in an aborted transaction: end it, or drop it.
    await client.query('ROLLBACK').catch(() => {
      broken = true;
    });
    throw error;
  } finally {
    client.release(broken);
  }
}
