/**
 * A minimal sync client over real HTTP, for server tests:
 *   push(url, token, changes, batchId?) → { status, body }
 *   pullAll(url, token, { limit?, format? }) → { tables: Map<table, Map<id,row>>, pages, cursor }
 */
import {
  type AnyRow,
  type ColumnarPullResponse,
  type ErrorBody,
  newId,
  type PullResponse,
  type PushResponse,
} from '@mostrador/common';

/** A push answer: the PushResponse on 200, an error body otherwise. */
export type PushReply = PushResponse & Partial<ErrorBody>;

export async function push(
  url: string,
  token: string | undefined,
  changes: unknown[],
  batchId: string = newId(),
): Promise<{ status: number; body: PushReply }> {
  const response = await fetch(`${url}/sync/push`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify({ batchId, changes }),
  });
  return { status: response.status, body: (await response.json()) as PushReply };
}

export async function pullPage(
  url: string,
  token: string,
  cursor: number,
  limit: number,
  format: 'rows' | 'columns' = 'rows',
): Promise<PullResponse | ColumnarPullResponse> {
  const response = await fetch(`${url}/sync/pull?cursor=${cursor}&limit=${limit}&format=${format}`, {
    headers: { authorization: `Bearer ${token}` },
  });
  if (response.status !== 200) throw new Error(`pull failed: ${response.status} ${await response.text()}`);
  return (await response.json()) as PullResponse | ColumnarPullResponse;
}

/** The changes of a page as {table,row}, whichever format it came in. */
export function pageChanges(page: PullResponse | ColumnarPullResponse): { table: string; row: AnyRow }[] {
  if ('changes' in page) return page.changes as { table: string; row: AnyRow }[];
  return Object.entries(page.tables).flatMap(([table, { columns, rows }]) =>
    rows.map((values) => ({ table, row: Object.fromEntries(columns.map((c, i) => [c, values[i]])) as AnyRow })),
  );
}

export async function pullAll(
  url: string,
  token: string,
  options: { limit?: number; format?: 'rows' | 'columns'; from?: number } = {},
): Promise<{ tables: Map<string, Map<string, AnyRow>>; pages: number; cursor: number }> {
  const tables = new Map<string, Map<string, AnyRow>>();
  let cursor = options.from ?? 0;
  let pages = 0;
  for (;;) {
    const page = await pullPage(url, token, cursor, options.limit ?? 1000, options.format);
    pages += 1;
    for (const { table, row } of pageChanges(page)) {
      const rows = tables.get(table) ?? new Map<string, AnyRow>();
      rows.set(row.id, row);
      tables.set(table, rows);
    }
    cursor = page.cursor;
    if (!page.hasMore) return { tables, pages, cursor };
  }
}
