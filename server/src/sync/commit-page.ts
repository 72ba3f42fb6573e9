import { TABLE_NAMES, type TableName } from '@mostrador/common';
import type { PageTable } from './pull-page.js';

/**
 * The rows a commit wrote, kept by the instance that committed them so that its live
 * notice carries them straight away instead of reading them back (live/plugin.ts).
 */

/** A written row as the columnar pull sends it: PostgreSQL's own JSON text (table-sql.ts `returningPage`). */
export interface WrittenRow {
  readonly table: TableName;
  readonly seq: number;
  readonly json: string;
}

/**
 * Every row with a seq in (from, to], all written by one commit that moved the head from
 * `from` to `to`: exactly what a pull from `from` reads up to `to`. Only tables every
 * ceiling receives alike (table-sql.ts `sentAlike`), so it suits every station.
 */
export interface CommittedPage {
  readonly from: number;
  readonly to: number;
  readonly rows: readonly WrittenRow[];
}

/** The page's parts as a columnar pull builds them: one per table, in registry order, rows in seq order. */
export function committedParts(page: CommittedPage): PageTable[] {
  const sorted = [...page.rows].sort((a, b) => a.seq - b.seq);
  return TABLE_NAMES.flatMap((table) => {
    const rows = sorted.filter((row) => row.table === table);
    return rows.length === 0 ? [] : [{ table, count: rows.length, json: rows.map((row) => row.json).join(',') }];
  });
}
