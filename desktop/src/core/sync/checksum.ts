import { createHash } from 'node:crypto';
import {
  type AnyRow,
  CHECKSUM_BUCKETS,
  ChecksumsResponse,
  ColumnarPullResponse,
  checkRow,
  columnsOf,
  TABLE_NAMES,
  type TableName,
} from '@mostrador/common';
import { fromSqlRow } from '../store/rows.js';
import type { LocalStore } from '../store/store.js';
import type { ServerClient } from './client.js';

/**
 * Integrity check (DESIGN.md): at the same cursor, the station and the server compare per
 * table and per bucket (the id's first hex digit) a row count and a hash over each row's
 * content; a bucket that differs is repaired by re-pulling that bucket only. The hash of a
 * row is the first 48 bits of md5 over the row as a JSON array in `columnsOf` order, exactly
 * as PostgreSQL's json_build_array prints it (server/src/sync/integrity.ts), summed.
 *
 * Rows waiting in the outbox are left out on both sides (they differ until pushed), and so
 * are deleted rows older than the server's tombstone horizon (the server no longer has them).
 */

export interface CheckResult {
  /** `ok`: everything matched; `repaired`: some buckets differed and were re-pulled; `skipped`: not comparable now. */
  status: 'ok' | 'repaired' | 'skipped';
  repaired: { table: TableName; bucket: string; fixed: number; requeued: number }[];
  at: string;
}

const MAX_EXCLUDED = 5_000;

/** The first 48 bits of md5 over the row as PostgreSQL's json_build_array prints it (a safe integer). */
export function rowHash(table: TableName, row: AnyRow): number {
  const columns = columnsOf(table);
  let text = '[';
  for (let i = 0; i < columns.length; i += 1) {
    if (i > 0) text += ', ';
    text += JSON.stringify(row[columns[i] as string] ?? null);
  }
  return createHash('md5').update(`${text}]`, 'utf8').digest().readUIntBE(0, 6);
}

/** A sum of 48-bit hashes, kept exact: in a Number while it is safely small, then in a BigInt. */
class HashSum {
  private big = 0n;
  private small = 0;

  add(hash: number): void {
    this.small += hash;
    if (this.small > 2 ** 52) this.flush();
  }

  private flush(): void {
    this.big += BigInt(this.small);
    this.small = 0;
  }

  toString(): string {
    this.flush();
    return this.big.toString();
  }
}

interface LocalSums {
  counts: number[];
  hashes: HashSum[];
}

function localSums(store: LocalStore, table: TableName, excluded: Set<string>, purgedBefore: string | null): LocalSums {
  const sums: LocalSums = {
    counts: new Array(CHECKSUM_BUCKETS).fill(0),
    hashes: Array.from({ length: CHECKSUM_BUCKETS }, () => new HashSum()),
  };
  // Streamed: a station of a million rows sums them without holding them.
  for (const row of store.rows.each(table)) {
    if (excluded.has(row.id)) continue;
    const deletedAt = row.deletedAt as string | null;
    if (deletedAt && purgedBefore && deletedAt < purgedBefore) continue;
    const bucket = Number.parseInt(row.id[0] ?? '0', 16);
    sums.counts[bucket] = (sums.counts[bucket] ?? 0) + 1;
    sums.hashes[bucket]?.add(rowHash(table, row));
  }
  return sums;
}

function outboxIds(store: LocalStore): Map<TableName, Set<string>> {
  const byTable = new Map<TableName, Set<string>>(TABLE_NAMES.map((t) => [t, new Set()]));
  const rows = store.db
    .prepare<[], { tableName: TableName; rowId: string }>('SELECT DISTINCT tableName, rowId FROM outbox_rows')
    .all();
  for (const { tableName, rowId } of rows) byTable.get(tableName)?.add(rowId);
  return byTable;
}

/** Check every table against the server and repair the buckets that differ. Run it under the sync lock, after a pull. */
export async function checkIntegrity(store: LocalStore, client: ServerClient): Promise<CheckResult> {
  const at = store.nowIso();
  const queued = outboxIds(store);
  if ([...queued.values()].some((ids) => ids.size > MAX_EXCLUDED)) return { status: 'skipped', repaired: [], at };
  // The station's sums are taken at once, with the outbox they leave out, before any await:
  // a sale recorded while the answer travels is then in neither, never a false mismatch.
  // (The cursor cannot move meanwhile: the caller holds the sync lock.)
  const purgedBefore = store.meta.get('purgedBefore');
  const mine = new Map(
    TABLE_NAMES.map((table) => [table, localSums(store, table, queued.get(table) ?? new Set(), purgedBefore)]),
  );
  const exclude = Object.fromEntries([...queued].filter(([, ids]) => ids.size > 0).map(([t, ids]) => [t, [...ids]]));
  const server = await client.request(ChecksumsResponse, 'POST', '/sync/checksums', { exclude });
  // Comparable only at the same cursor of the same history, with the same horizon; the next check will be.
  const comparable =
    server.cursor === store.meta.getNumber('cursor') &&
    server.epoch === store.meta.get('epoch') &&
    server.purgedBefore === purgedBefore;
  if (server.purgedBefore !== purgedBefore) store.meta.set('purgedBefore', server.purgedBefore);
  if (!comparable) return { status: 'skipped', repaired: [], at };
  const repaired: CheckResult['repaired'] = [];
  for (const table of TABLE_NAMES) {
    const theirs = server.tables[table];
    const sums = mine.get(table);
    if (!theirs || !sums) continue;
    for (let bucket = 0; bucket < CHECKSUM_BUCKETS; bucket += 1) {
      const expected = theirs.buckets[bucket];
      if (expected && expected.count === sums.counts[bucket] && expected.hash === String(sums.hashes[bucket] ?? '0'))
        continue;
      const hex = bucket.toString(16);
      repaired.push({ table, bucket: hex, ...(await repairBucket(store, client, table, hex, server.purgedBefore)) });
    }
  }
  const status = repaired.length > 0 ? 'repaired' : 'ok';
  store.transaction(() => {
    store.meta.set('checkedAt', at);
    store.meta.set('checkResult', status);
  });
  return { status, repaired, at };
}

/**
 * The server's rows of one bucket replace the station's (those not waiting to be pushed);
 * a row the station holds and the server lacks is queued to push, never dropped.
 */
async function repairBucket(
  store: LocalStore,
  client: ServerClient,
  table: TableName,
  bucket: string,
  purgedBefore: string | null,
): Promise<{ fixed: number; requeued: number }> {
  const page = await client.request(ColumnarPullResponse, 'GET', `/sync/rows?table=${table}&bucket=${bucket}`);
  const block = page.tables[table] ?? { columns: columnsOf(table), rows: [] };
  const columns = columnsOf(table);
  const serverRows = new Map<string, AnyRow>();
  for (const values of block.rows) {
    const sent = Object.fromEntries(block.columns.map((c, i) => [c, values[i]]));
    const row = Object.fromEntries(columns.map((c) => [c, sent[c] ?? null])) as AnyRow;
    serverRows.set(row.id, row);
  }
  const queued = outboxIds(store).get(table) ?? new Set();
  let fixed = 0;
  let requeued = 0;
  store.transaction(() => {
    for (const row of serverRows.values()) {
      // Never store what the station refuses on a pull either (see pull.ts).
      if (queued.has(row.id) || checkRow(table, row) !== null) continue;
      const local = store.rows.get(table, row.id);
      if (local && rowHash(table, local) === rowHash(table, row)) continue;
      store.rows.put(table, row);
      fixed += 1;
    }
    const local = store.db
      .prepare<[string], Record<string, unknown>>(`SELECT * FROM "${table}" WHERE substr(id, 1, 1) = ?`)
      .all(bucket);
    for (const stored of local) {
      const row = fromSqlRow(table, stored);
      if (serverRows.has(row.id) || queued.has(row.id)) continue;
      const deletedAt = row.deletedAt as string | null;
      if (deletedAt && purgedBefore && deletedAt < purgedBefore) continue;
      store.requeueRow(table, row, null);
      requeued += 1;
    }
  });
  return { fixed, requeued };
}
