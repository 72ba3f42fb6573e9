import { TABLE_NAMES, type TableName } from '@mostrador/common';
import type pg from 'pg';
import { inTransaction } from '../db/pool.js';
import { quote, tableSql } from './table-sql.js';

/**
 * One page of changes after a cursor, across every synced table, as JSON text built by
 * PostgreSQL. The union over the tables, each filtered on its `seq` index and ordered by
 * seq, is planned as a Merge Append: rows come out in sequence order and the JSON is
 * built only for the rows the LIMIT takes. The server never parses these rows; it
 * splices the text into the response.
 */

export type PullFormat = 'rows' | 'columns';

export interface PulledRow {
  readonly seq: number;
  readonly table: TableName;
  /** The row as JSON text: an object (`rows`) or an array in `columnsOf` order (`columns`). */
  readonly json: string;
}

export interface PullPage {
  readonly rows: PulledRow[];
  readonly cursor: number;
  readonly head: number;
  readonly hasMore: boolean;
}

function pageSql(format: PullFormat): string {
  const parts = TABLE_NAMES.map((table) => {
    const sql = tableSql(table);
    const json = format === 'columns' ? sql.jsonArray : sql.jsonObject;
    return `SELECT seq, '${table}' AS t, ${json}::text AS r FROM ${quote(table)}`;
  });
  return `SELECT seq, t, r FROM (${parts.join(' UNION ALL ')}) AS c WHERE seq > $1 AND seq <= $2 ORDER BY seq LIMIT $3`;
}

const PAGE_SQL: Record<PullFormat, string> = { rows: pageSql('rows'), columns: pageSql('columns') };

/**
 * Head and page are read in one REPEATABLE READ snapshot: pushes commit their rows and
 * the head together, so every row up to that head is visible and the cursor handed back
 * never skips a commit.
 */
export function readPullPage(db: pg.Pool, cursor: number, limit: number, format: PullFormat): Promise<PullPage> {
  return inTransaction(db, 'BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY', async (client) => {
    const { rows: heads } = await client.query<{ head: number }>('SELECT head FROM sync_state WHERE id = 1');
    const head = heads[0]?.head ?? 0;
    const result = await client.query<[number, TableName, string]>({
      text: PAGE_SQL[format],
      values: [cursor, head, limit],
      rowMode: 'array',
    });
    const rows = result.rows.map(([seq, table, json]) => ({ seq, table, json }));
    const last = rows.at(-1);
    const next = rows.length === limit && last ? last.seq : Math.max(head, cursor);
    return { rows, cursor: next, head, hasMore: next < head };
  });
}
