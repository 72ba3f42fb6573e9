import { performance } from 'node:perf_hooks';
import { TABLE_NAMES, type TableName } from '@mostrador/common';
import type { LocalStore } from '../store/store.js';
import type { ServerClient } from './client.js';
import { type AppliedPage, applyPage, fetchPage, type PullPage, type PullProgress } from './pull.js';
import { HistoryChanged, historyChange } from './reconcile.js';

/**
 * Bootstrap from the server's snapshot (GET /sync/snapshot; see the server's snapshot.ts).
 * The synced tables are keyed by random-looking UUIDs: rows pulled in sequence order land
 * at a random leaf of each table's B-tree, and past SQLite's page cache every page of rows
 * dirties thousands of pages. Read table by table in id order instead, every row is an
 * append to its table, written once, where it stays.
 *
 * Each page commits with the station's place in the snapshot (`snapshot` in meta): the
 * cursor to pull changes from once the snapshot is read (the first page's), the table and
 * the last id read. A station that dies midway reads on from there; the cursor stays 0
 * until the last page, which commits the snapshot's cursor instead. Pulling changes from it
 * then brings every row committed while the snapshot was read.
 */

interface SnapshotPlace {
  /** The first page's cursor: every commit up to it is in every page. */
  cursor: number;
  table: TableName;
  /** The last id of `table` read, or null at the table's start. */
  after: string | null;
}

const FIRST_PLACE: Omit<SnapshotPlace, 'cursor'> = { table: TABLE_NAMES[0] as TableName, after: null };

function savedPlace(store: LocalStore): SnapshotPlace | null {
  const saved = store.meta.get('snapshot');
  return saved ? (JSON.parse(saved) as SnapshotPlace) : null;
}

function pagePath({ table, after }: Omit<SnapshotPlace, 'cursor'>, limit: number): string {
  return `/sync/snapshot?table=${table}&limit=${limit}${after ? `&after=${after}` : ''}`;
}

/** Where the snapshot goes on after `page` (read at `place`), or null when it was the last. */
function placeAfter(place: Omit<SnapshotPlace, 'cursor'>, page: PullPage): Omit<SnapshotPlace, 'cursor'> | null {
  if (page.hasMore) return { table: place.table, after: lastId(page, place.table) };
  const table = TABLE_NAMES[TABLE_NAMES.indexOf(place.table) + 1];
  return table ? { table, after: null } : null;
}

/** The greatest id of the page's rows (ids compare as text in both databases). */
function lastId(page: PullPage, table: TableName): string {
  const block = page.tables[table];
  const at = block?.columns.indexOf('id') ?? -1;
  let last = '';
  for (const row of block?.rows ?? []) if ((row[at] as string) > last) last = row[at] as string;
  return last;
}

/**
 * Read the snapshot from where the station is in it (the start, or where a stopped one
 * left off), each page's download overlapping the previous page's apply. Ends with the
 * station's cursor at the snapshot's cursor; the caller pulls on from there.
 */
export async function pullSnapshot(
  store: LocalStore,
  client: ServerClient,
  limit: number,
  onPage: (page: AppliedPage, progress: PullProgress) => void,
  firstLimit = limit,
): Promise<{ count: number; cursor: number }> {
  const saved = savedPlace(store);
  let place: Omit<SnapshotPlace, 'cursor'> | null = saved ?? FIRST_PLACE;
  let cursor = saved?.cursor ?? null;
  let next: Promise<PullPage> | null = fetchPage(client, pagePath(place, Math.min(limit, firstLimit)));
  let done = 0;
  while (next && place) {
    const waitStarted = performance.now();
    const page: PullPage = await next;
    const waitMs = performance.now() - waitStarted;
    const changed = historyChange(store, page, 0);
    if (changed) throw new HistoryChanged(changed);
    const from = cursor ?? page.cursor;
    place = placeAfter(place, page);
    next = place ? fetchPage(client, pagePath(place, limit)) : null;
    // Keep a failed prefetch from surfacing as an unhandled rejection while we apply.
    next?.catch(() => {});
    const after = place;
    const applyStarted = performance.now();
    const applied = applyPage(store, page, () => {
      store.meta.set('snapshot', after ? JSON.stringify({ cursor: from, ...after }) : null);
      if (!after) store.meta.set('cursor', from);
      store.meta.set('head', page.head);
    });
    cursor = from;
    done += applied.count;
    const event = { ...applied, cursor: after ? 0 : from, waitMs, applyMs: performance.now() - applyStarted };
    onPage(event, { done, total: Math.max(done, page.head) });
  }
  return { count: done, cursor: cursor ?? 0 };
}
