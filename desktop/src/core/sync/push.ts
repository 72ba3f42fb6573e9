import {
  type AnyRow,
  isTableName,
  isVersion,
  newId,
  PROTOCOL_VERSION,
  PushResponse,
  type TableName,
  type WriteGroup,
} from '@mostrador/common';
import type { OutboxGroup } from '../store/outbox.js';
import type { LocalStore } from '../store/store.js';
import type { ServerClient } from './client.js';

/** How far ahead of the corrected clock a group may be and still be sent (the server refuses 60 s). */
export const FUTURE_MARGIN_MS = 30_000;

export interface PushResult {
  /** Rows the server acknowledged (applied, or answered with a newer winner we adopted). */
  count: number;
  /** Rows of groups held for review or rejected. */
  rejected: number;
  cursor: number | null;
  /** Tables whose rows here the answers changed: a winner adopted, a rejected group undone. */
  tables: TableName[];
}

/**
 * Push the outbox's write groups in the order they were written, in pages of whole groups
 * (at most `pageSize` rows, but never splitting a group). Pending groups go, and held ones
 * too, so the server says what became of them (still held, accepted, rejected). Each group
 * is sent at most once per pass, and a write landing during the push waits for the next one.
 * Groups stamped by a clock that ran ahead (more than `aheadMs` beyond the corrected clock,
 * or refused as CLOCK_AHEAD, which also corrects the clock from the answer's Date header)
 * are re-stamped from the corrected clock first and sent at once (a second pass at most).
 */
export async function pushOutbox(
  store: LocalStore,
  client: ServerClient,
  pageSize: number,
  aheadMs = FUTURE_MARGIN_MS,
): Promise<PushResult> {
  const result: PushResult = { count: 0, rejected: 0, cursor: null, tables: [] };
  for (let pass = 0; pass < 2; pass += 1) {
    store.restampAhead(aheadMs);
    const clockAhead = await pushPass(store, client, pageSize, result);
    if (!clockAhead) break;
    result.rejected -= clockAhead;
  }
  return result;
}

/** One pass over the outbox; returns how many rows came back refused as CLOCK_AHEAD. */
async function pushPass(store: LocalStore, client: ServerClient, pageSize: number, result: PushResult) {
  let clockAhead = 0;
  let afterSeq = 0;
  for (;;) {
    const page = store.outbox.nextPage(afterSeq, pageSize);
    if (page.length === 0) break;
    afterSeq = page.at(-1)?.seq ?? afterSeq;
    const groups: WriteGroup[] = page.map(({ id, userId, version, changes, signature }) => ({
      id,
      userId,
      version,
      changes,
      signature,
    }));
    // The history this station last pulled from: a server restored since refuses the push
    // (HISTORY_CHANGED) rather than take groups naming rows it lost.
    const epoch = store.meta.get('epoch');
    const answer = await client.request(PushResponse, 'POST', '/sync/push', {
      batchId: newId(),
      groups,
      protocol: PROTOCOL_VERSION,
      ...(epoch ? { epoch } : {}),
    });
    const outcome = applyPushAnswer(store, page, answer);
    result.count += outcome.acknowledged;
    result.rejected += outcome.rejected;
    for (const table of outcome.changed) if (!result.tables.includes(table)) result.tables.push(table);
    result.cursor = answer.cursor;
    for (const group of answer.groups) {
      if (group.code === 'CLOCK_AHEAD') clockAhead += page.find((sent) => sent.id === group.id)?.changes.length ?? 0;
    }
  }
  return clockAhead;
}

/**
 * Settle the sent groups from the server's answer in ONE transaction, group by group:
 * - applied: the group leaves the outbox; a row the server answered with a newer winner
 *   adopts it if it still holds the version sent (a later edit is its own group, pushed next);
 * - held: kept, flagged with the reason (the station keeps working meanwhile);
 * - rejected with `rows` (an admin rejected it): undone whole: each row still at the version
 *   the group wrote becomes the server's row, or is removed where the server has none
 *   (stock follows: it is the sum of the movements);
 * - rejected without rows (not a verified fact: bad signature, unknown user): kept, flagged.
 * A group the answer does not mention stays as it was, to be sent again.
 */
export function applyPushAnswer(
  store: LocalStore,
  sent: OutboxGroup[],
  answer: PushResponse,
): { acknowledged: number; rejected: number; changed: Set<TableName> } {
  const outcomes = new Map(answer.groups.map((outcome) => [outcome.id, outcome]));
  const winners = new Map(answer.superseded.map(({ table, id, row }) => [`${table}\u0000${id}`, row]));
  const stillAt = (table: string, id: string, version: string) =>
    isTableName(table) && store.rows.get(table, id)?.version === version;
  let acknowledged = 0;
  let rejected = 0;
  const changed = new Set<TableName>();
  store.transaction(() => {
    const now = store.nowIso();
    for (const group of sent) {
      const outcome = outcomes.get(group.id);
      if (!outcome) continue;
      if (outcome.status === 'applied') {
        acknowledged += group.changes.length;
        for (const { table, row } of group.changes) {
          const winner = winners.get(`${table}\u0000${row.id}`);
          if (!winner || !isTableName(table)) continue;
          if (isVersion(winner.version)) store.clock.receive(winner.version);
          // The server's row stands, even an older one (an insert-only row is written once).
          if (stillAt(table, row.id, row.version)) {
            store.rows.put(table, winner as AnyRow);
            changed.add(table);
          }
        }
        store.outbox.remove(group.seq);
        continue;
      }
      rejected += group.changes.length;
      if (outcome.code === 'CLOCK_AHEAD') {
        // Not a refusal of the write: it stays pending, to be re-stamped from the clock this
        // answer corrected (its Date header) and sent again.
        store.outbox.setState(group.seq, 'pending', outcome.code, outcome.message ?? '', null);
        continue;
      }
      const code = outcome.code ?? (outcome.status === 'held' ? 'FORBIDDEN' : 'VALIDATION');
      const message = outcome.message ?? '';
      const flaggedAt = group.state === outcome.status && group.flaggedAt ? group.flaggedAt : now;
      if (outcome.status === 'rejected' && outcome.rows) {
        const serverRows = new Map(outcome.rows.map(({ table, id, row }) => [`${table}\u0000${id}`, row]));
        for (const { table, row } of group.changes) {
          if (!isTableName(table) || !stillAt(table, row.id, row.version)) continue;
          const serverRow = serverRows.get(`${table}\u0000${row.id}`) ?? null;
          changed.add(table);
          if (serverRow) {
            if (isVersion(serverRow.version)) store.clock.receive(serverRow.version);
            store.rows.put(table, serverRow as AnyRow);
          } else {
            store.rows.remove(table, row.id);
          }
        }
      }
      store.outbox.setState(group.seq, outcome.status, code, message, flaggedAt);
    }
    if (acknowledged > 0) {
      store.outbox.dropSuperseded((table, id) => (isTableName(table) ? store.rows.get(table, id)?.version : undefined));
    }
    store.saveClock();
  });
  return { acknowledged, rejected, changed };
}
