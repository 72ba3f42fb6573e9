import { performance } from 'node:perf_hooks';
import {
  ColumnarPullResponse,
  columnarRowChecker,
  columnsOf,
  isTableName,
  MostradorError,
  type TableName,
} from '@mostrador/common';
import { Type } from '@sinclair/typebox';
import { TypeCompiler } from '@sinclair/typebox/compiler';
import { toSqlValue } from '../store/rows.js';
import type { LocalStore } from '../store/store.js';
import type { ServerClient } from './client.js';
import { HistoryChanged, historyChange } from './reconcile.js';

export type PullPage = ColumnarPullResponse;

export interface AppliedPage {
  /** Rows in the page (whether or not they replaced a local row). */
  count: number;
  cursor: number;
  head: number;
  ids: string[];
  /** Tables that had rows in the page, so screens re-read only what changed. */
  tables: TableName[];
  /** Rows refused by the station's own checks (never stored), with the reason: the cursor moves past them. */
  skipped: SkippedRow[];
  /** Time spent writing the page, and waiting for it beforehand (for tracing). */
  applyMs?: number;
  waitMs?: number;
}

export interface SkippedRow {
  table: TableName;
  id: string;
  reason: string;
}

/**
 * The page as the client checks it on arrival: the envelope, with each row only required to
 * be an array (below). Each row's values are checked as the row is applied (once, by
 * columnarRowChecker), not a second time here: on a bootstrap that is a million rows.
 */
const PullPageEnvelope = Type.Object({
  ...ColumnarPullResponse.properties,
  tables: Type.Record(
    Type.String(),
    Type.Object({ columns: Type.Array(Type.String()), rows: Type.Array(Type.Unknown()) }),
  ),
});
let fullPageChecker: ReturnType<typeof TypeCompiler.Compile<typeof ColumnarPullResponse>> | null = null;

export function fetchPullPage(client: ServerClient, cursor: number, limit: number): Promise<PullPage> {
  return fetchPage(client, `/sync/pull?cursor=${cursor}&limit=${limit}&format=columns`);
}

/** A columnar page from `path` (a pull, or a bootstrap's snapshot page). */
export async function fetchPage(client: ServerClient, path: string): Promise<PullPage> {
  const page = await client.request(PullPageEnvelope, 'GET', path);
  for (const block of Object.values(page.tables)) {
    if (block.rows.every(Array.isArray)) continue;
    // Refused whole, with the words of the full schema, as any answer that does not match it.
    fullPageChecker ??= TypeCompiler.Compile(ColumnarPullResponse);
    const first = fullPageChecker.Errors(page).First();
    throw new MostradorError(
      'INTERNAL',
      `Unexpected answer from ${path}: ${first?.path ?? ''} ${first?.message ?? ''}`,
    );
  }
  return page as PullPage;
}

/**
 * Apply one pulled page and its cursor in ONE transaction, so a crash at any moment leaves
 * the station at the end of a whole page. A remote row replaces the local one only if its
 * version is greater and no PENDING local group holds it (the SQL guard in
 * Repository.applyRemoteValues); a held or rejected local version it replaces is kept in
 * the local conflict log. Columns the station does not know are ignored; columns the
 * server did not send are stored as null.
 */
export function applyPulledPage(store: LocalStore, page: PullPage): AppliedPage {
  return applyPage(store, page, () => {
    store.meta.set('cursor', page.cursor);
    store.meta.set('head', page.head);
  });
}

/**
 * The rows of a page, its epoch and the station's new position (`savePosition`: the cursor
 * of a pull, the place in the snapshot of a bootstrap) in one transaction.
 */
export function applyPage(store: LocalStore, page: PullPage, savePosition: () => void): AppliedPage {
  const ids: string[] = [];
  const tables: TableName[] = [];
  const skipped: SkippedRow[] = [];
  let newest = '';
  // Pulled again if lost: no fsync for it (see replaceableTransaction).
  store.replaceableTransaction(() => {
    for (const [name, block] of Object.entries(page.tables)) {
      if (!isTableName(name)) continue;
      if (block.rows.length > 0) tables.push(name);
      const positions = columnPositions(name, block.columns);
      const idAt = block.columns.indexOf('id');
      const versionAt = block.columns.indexOf('version');
      if (idAt < 0 || versionAt < 0)
        throw new MostradorError('INTERNAL', `Pulled ${name} rows carry no id or version.`);
      // Rows of held or rejected local groups: a newer server version replaces them, and the
      // local version goes to the conflict log (usually none, so the loop stays lean).
      const refused = store.outbox.refusedRows(name);
      const unsigned = store.outbox.unsignedRows(name);
      const check = columnarRowChecker(name, block.columns);
      // One array of bound values for every row (bound synchronously, so never shared).
      const values: unknown[] = new Array(positions.length);
      for (const row of block.rows) {
        // A row this station could not store or order (a NUL, an impossible date) is left out
        // with its reason rather than stopping the cursor: one bad row must not freeze sync.
        const reason = check(row);
        if (reason) {
          skipped.push({ table: name, id: String(row[idAt]), reason });
          continue;
        }
        for (let i = 0; i < positions.length; i += 1) {
          const at = positions[i] as number;
          values[i] = at < 0 ? null : toSqlValue(row[at]);
        }
        const id = row[idAt] as string;
        const version = row[versionAt] as string;
        let group = refused.size > 0 ? refused.get(id) : undefined;
        let local = group ? store.rows.get(name, id) : null;
        const waiting = unsigned.size > 0 ? unsigned.get(id) : undefined;
        if (waiting) {
          // Queued again to sign at its user's next login here, but the server holds this
          // version or a newer one: nothing is left to send, and the newer one may land.
          const held = store.rows.get(name, id);
          if (!held || version >= String(held.version)) {
            store.outbox.remove(waiting.seq);
            group = { groupId: waiting.groupId, code: 'NOT_LOGGED_IN' };
            local = held;
          }
        }
        const replaced = store.rows.applyRemoteValues(name, values);
        if (local && replaced) {
          store.conflicts.record({
            table: name,
            id,
            localRow: local,
            remoteVersion: version,
            groupId: group?.groupId ?? null,
            code: group?.code ?? null,
            recordedAt: new Date().toISOString(),
          });
        }
        ids.push(id);
        if (version > newest) newest = version;
      }
    }
    // Versions compare as strings, so advancing past the newest covers every pulled version.
    if (newest) {
      store.clock.receive(newest);
      store.saveClock();
    }
    savePosition();
    // The cursor counts in this server history from now on (reconcile.ts).
    if (page.epoch) store.meta.set('epoch', page.epoch);
  });
  return { count: ids.length, cursor: page.cursor, head: page.head, ids, tables, skipped };
}

function columnPositions(table: TableName, sent: string[]): number[] {
  const at = new Map(sent.map((column, index) => [column, index]));
  return columnsOf(table).map((column) => at.get(column) ?? -1);
}

export interface PullProgress {
  done: number;
  total: number;
}

/**
 * Pull until the server has nothing more. Each page's download overlaps the previous
 * page's apply: the next request goes out before the current page is written, so the
 * server's query and the transfer hide behind the SQLite work.
 */
export async function pullAll(
  store: LocalStore,
  client: ServerClient,
  limit: number,
  onPage: (page: AppliedPage, progress: PullProgress) => void,
  firstLimit = limit,
): Promise<{ count: number; cursor: number }> {
  const start = store.meta.getNumber('cursor');
  // A small first page starts the apply early; the large ones after it overlap with it.
  let next: Promise<PullPage> | null = fetchPullPage(client, start, Math.min(limit, firstLimit));
  let done = 0;
  let total = 0;
  let cursor = start;
  while (next) {
    const waitStarted = performance.now();
    const page: PullPage = await next;
    const waitMs = performance.now() - waitStarted;
    const changed = historyChange(store, page, cursor);
    if (changed) throw new HistoryChanged(changed);
    next = page.hasMore ? fetchPullPage(client, page.cursor, limit) : null;
    // Keep a failed prefetch from surfacing as an unhandled rejection while we apply.
    next?.catch(() => {});
    if (total === 0) total = Math.max(page.head - start, page.count);
    const applyStarted = performance.now();
    const applied = { ...applyPulledPage(store, page), waitMs };
    applied.applyMs = performance.now() - applyStarted;
    done += applied.count;
    total = Math.max(total, done);
    cursor = applied.cursor;
    onPage(applied, { done, total });
  }
  return { count: done, cursor };
}
