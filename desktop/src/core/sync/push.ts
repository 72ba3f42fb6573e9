import {
  type AnyRow,
  type Change,
  isVersion,
  newId,
  PushResponse,
  TABLE_NAMES,
  type TableName,
} from '@mostrador/common';
import type { LocalStore } from '../store/store.js';
import type { ServerClient } from './client.js';

export interface PushResult {
  /** Rows the server acknowledged (applied, or answered with a newer winner we adopted). */
  count: number;
  rejected: number;
  cursor: number | null;
}

interface SentRow {
  table: TableName;
  id: string;
  version: string;
}

/**
 * Push the outbox in pages: the CURRENT state of each queued row with the version it was
 * based on. Tables go in registry order so a sale reaches the server before its items.
 * Each entry is sent at most once per call (so a CLOCK_AHEAD retry cannot loop), and a
 * write landing during the push stays queued for the next one.
 */
export async function pushOutbox(store: LocalStore, client: ServerClient, pageSize: number): Promise<PushResult> {
  const result: PushResult = { count: 0, rejected: 0, cursor: null };
  for (const table of TABLE_NAMES) {
    let afterId = '';
    for (;;) {
      const entries = store.outbox.nextPage(table, afterId, pageSize);
      if (entries.length === 0) break;
      afterId = entries.at(-1)?.rowId ?? afterId;
      const changes: Change[] = [];
      const sent: SentRow[] = [];
      for (const entry of entries) {
        const row = store.rows.get(table, entry.rowId);
        if (!row) continue;
        changes.push({ table, row, baseVersion: entry.baseVersion });
        sent.push({ table, id: row.id, version: row.version });
      }
      if (changes.length === 0) continue;
      const answer = await client.request(PushResponse, 'POST', '/sync/push', { batchId: newId(), changes });
      const outcome = applyPushAnswer(store, sent, answer);
      result.count += outcome.acknowledged;
      result.rejected += outcome.rejected;
      result.cursor = answer.cursor;
    }
  }
  return result;
}

/**
 * Settle the outbox from the server's answer in ONE transaction. An entry is cleared only
 * if the row still holds the version that was sent: an edit made meanwhile stays queued,
 * now based on the version the server holds.
 */
export function applyPushAnswer(
  store: LocalStore,
  sent: SentRow[],
  answer: PushResponse,
): { acknowledged: number; rejected: number } {
  const sentVersion = new Map(sent.map((row) => [`${row.table}\u0000${row.id}`, row.version]));
  const unchanged = (table: TableName, id: string) => {
    const version = sentVersion.get(`${table}\u0000${id}`);
    return version !== undefined && store.rows.get(table, id)?.version === version;
  };
  let acknowledged = 0;
  let rejected = 0;
  store.transaction(() => {
    for (const { table, id } of answer.applied) {
      const name = table as TableName;
      const version = sentVersion.get(`${name}\u0000${id}`);
      if (version === undefined) continue;
      acknowledged += 1;
      if (unchanged(name, id)) store.outbox.clear(name, id);
      else store.outbox.rebaseOn(name, id, version);
    }
    for (const { table, id, row } of answer.superseded) {
      const name = table as TableName;
      if (!sentVersion.has(`${name}\u0000${id}`)) continue;
      acknowledged += 1;
      if (isVersion(row.version)) store.clock.receive(row.version);
      // Edited again meanwhile: that edit is pushed next and meets the winner on the server.
      if (!unchanged(name, id)) continue;
      store.rows.put(name, row as AnyRow);
      store.outbox.clear(name, id);
    }
    const now = store.nowIso();
    for (const { table, id, code, message } of answer.rejected) {
      const name = table as TableName;
      if (!sentVersion.has(`${name}\u0000${id}`)) continue;
      rejected += 1;
      if (unchanged(name, id)) store.outbox.flag(name, id, code, message, now);
    }
    store.saveClock();
  });
  return { acknowledged, rejected };
}
