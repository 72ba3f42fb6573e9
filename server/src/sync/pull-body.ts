import { columnsOf } from '@mostrador/common';
import type { PullPage } from './pull-page.js';

/**
 * Pull response bodies assembled from PostgreSQL's JSON text without parsing it: the
 * rows are already valid JSON, so the server only joins a few strings.
 */

function tail(page: PullPage): string {
  return `"cursor":${page.cursor},"head":${page.head},"hasMore":${page.hasMore},"epoch":${JSON.stringify(page.epoch)}`;
}

/** `{changes:[{table,row}…], cursor, head, hasMore}` (PullResponse). */
export function changesBody(page: PullPage): string {
  return `{"changes":[${page.parts.map((p) => p.json).join(',')}],${tail(page)}}`;
}

/** `"tables":{<t>:{columns,rows}},"count":n` of a columnar page. */
function columnarTables(page: PullPage): string {
  const tables = page.parts.flatMap(({ table, json }) =>
    table === null ? [] : [`"${table}":{"columns":${JSON.stringify(columnsOf(table))},"rows":[${json}]}`],
  );
  return `"tables":{${tables.join(',')}},"count":${page.count}`;
}

/** `{tables:{<t>:{columns,rows}}, count, cursor, head, hasMore}` (ColumnarPullResponse). */
export function columnsBody(page: PullPage): string {
  return `{${columnarTables(page)},${tail(page)}}`;
}

/**
 * A live `changes` notice carrying the columnar page of the changes in (from, page.cursor]
 * (ChangesMessage with `from` and `page`): a station at `from` applies it without pulling.
 */
export function changesNoticeWithPage(page: PullPage, from: number): string {
  return `{"type":"changes","cursor":${page.cursor},"from":${from},"page":{${columnarTables(page)}}}`;
}
