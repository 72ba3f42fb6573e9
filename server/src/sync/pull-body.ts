import { type TableName, columnsOf } from '@mostrador/common';
import type { PullPage } from './pull-page.js';

/**
 * Pull response bodies assembled from PostgreSQL's JSON text without parsing it: the
 * rows are already valid JSON, so the server only joins strings.
 */

function tail(page: PullPage): string {
  return `"cursor":${page.cursor},"head":${page.head},"hasMore":${page.hasMore}`;
}

/** `{changes:[{table,row}…], cursor, head, hasMore}` (PullResponse). */
export function changesBody(page: PullPage): string {
  const changes = page.rows.map((r) => `{"table":"${r.table}","row":${r.json}}`);
  return `{"changes":[${changes.join(',')}],${tail(page)}}`;
}

/** `{tables:{<t>:{columns,rows}}, count, cursor, head, hasMore}` (ColumnarPullResponse). */
export function columnsBody(page: PullPage): string {
  const byTable = new Map<TableName, string[]>();
  for (const row of page.rows) {
    const rows = byTable.get(row.table);
    if (rows) rows.push(row.json);
    else byTable.set(row.table, [row.json]);
  }
  const tables = [...byTable].map(
    ([table, rows]) => `"${table}":{"columns":${JSON.stringify(columnsOf(table))},"rows":[${rows.join(',')}]}`,
  );
  return `{"tables":{${tables.join(',')}},"count":${page.rows.length},${tail(page)}}`;
}
