import { CompareResponse, TABLE_NAMES, type TableName } from '@mostrador/common';
import type { LocalStore } from '../store/store.js';
import type { ServerClient } from './client.js';
import type { PullPage } from './pull.js';

/**
 * Reconciling with a server whose history is not the one this station's cursor counts in:
 * its database was replaced or restored (a new epoch), or it has forgotten commits this
 * station saw (its head is below the station's cursor). The cursor means nothing there, so
 * instead of trusting it the station
 *   1. asks which of its rows the server lacks or holds older (POST /sync/compare, by pages
 *      of ids and versions) and queues exactly those in the outbox, to be pushed again;
 *   2. pulls again from 0, taking whatever the server holds that is newer.
 * Nothing held on either side is lost, and rows both hold alike cost one comparison.
 */

/** Thrown by a pull that met another history; the sync manager reconciles, then pulls again. */
export class HistoryChanged extends Error {
  constructor(readonly reason: string) {
    super(reason);
    this.name = 'HistoryChanged';
  }
}

/** Why a pulled page shows the server's history is not the station's, or null when it is. */
export function historyChange(store: LocalStore, page: Pick<PullPage, 'epoch' | 'head'>, from: number): string | null {
  const known = store.meta.get('epoch');
  if (page.epoch && known && page.epoch !== known) return `the server's epoch changed (${known} → ${page.epoch})`;
  if (page.head < from) return `the server's head ${page.head} is below this station's cursor ${from}`;
  return null;
}

const COMPARE_PAGE = 2_000;

export interface ReconcileResult {
  reason: string;
  /** Rows queued to push again: the server lacked them or held an older version. */
  requeued: number;
}

export async function reconcile(store: LocalStore, client: ServerClient, reason: string): Promise<ReconcileResult> {
  let requeued = 0;
  for (const table of TABLE_NAMES) requeued += await requeueBehind(store, client, table);
  store.transaction(() => {
    store.meta.set('cursor', 0);
    store.meta.set('head', 0);
    // A bootstrap in another history starts its snapshot over.
    store.meta.set('snapshot', null);
    // Adopted again from the first page of the pull from 0.
    store.meta.set('epoch', null);
    store.meta.set('reconciledAt', store.nowIso());
  });
  return { reason, requeued };
}

async function requeueBehind(store: LocalStore, client: ServerClient, table: TableName): Promise<number> {
  // Rows already queued go out anyway; only the rest need asking about.
  const page = store.db.prepare<[string, number], { id: string; version: string; deletedAt: string | null }>(
    `SELECT id, version, deletedAt FROM "${table}" t
     WHERE id > ? AND NOT EXISTS (SELECT 1 FROM outbox_rows WHERE tableName = '${table}' AND rowId = t.id)
     ORDER BY id LIMIT ?`,
  );
  let afterId = '';
  let requeued = 0;
  for (;;) {
    const rows = page.all(afterId, COMPARE_PAGE);
    if (rows.length === 0) return requeued;
    afterId = rows.at(-1)?.id ?? afterId;
    const answer = await client.request(CompareResponse, 'POST', '/sync/compare', {
      table,
      rows: rows.map((r) => [r.id, r.version, r.deletedAt]),
    });
    if (answer.behind.length === 0) continue;
    store.transaction(() => {
      for (const { id, version } of answer.behind) {
        const row = store.rows.get(table, id);
        if (row) store.requeueRow(table, row, version);
      }
    });
    requeued += answer.behind.length;
  }
}

/**
 * The server purged deletes this station may have missed (RESYNC_REQUIRED): drop every row
 * that is not waiting to be pushed and pull everything again from 0. Unpushed writes stay.
 */
export function prepareRebootstrap(store: LocalStore): void {
  store.transaction(() => {
    for (const table of TABLE_NAMES) {
      store.db
        .prepare(
          `DELETE FROM "${table}" WHERE NOT EXISTS (SELECT 1 FROM outbox_rows WHERE tableName = '${table}' AND rowId = "${table}".id)`,
        )
        .run();
    }
    store.meta.set('cursor', 0);
    store.meta.set('head', 0);
    store.meta.set('snapshot', null);
  });
}
