import { type AnyRow, isTableName, referencesTo, TABLE_NAMES, type TableName, tableSpec } from '@mostrador/common';
import type pg from 'pg';
import { binaryArray } from './pg-array.js';
import { quote } from './table-sql.js';

/**
 * Rows created apart that are one thing (two products with the same SKU, made offline at
 * two stations) end as one: the later one is merged into the live one (registry `mergeOn`).
 * It is kept deleted with `mergedInto`, and every reference to it, in this push or any later
 * one, is written as a reference to the live row. The pushing station adopts those rows from
 * the answer; everyone else pulls them.
 */

/** Per table with `mergeOn`: merged row id → the live row it was merged into. */
export type Merged = Map<TableName, Map<string, string>>;

/** Tables whose rows may be merged, with the fields (anywhere) that reference them. */
const MERGEABLE = TABLE_NAMES.filter((table) => tableSpec(table).mergeOn !== undefined).map((table) => ({
  table,
  references: referencesTo(table),
}));

export function mergeFieldOf(table: TableName): string | undefined {
  return tableSpec(table).mergeOn;
}

/** The merged rows among those a push writes or references. One query per mergeable table. */
export async function loadMerged(
  client: pg.ClientBase,
  changes: readonly { table: string; row?: unknown }[],
): Promise<Merged> {
  const merged: Merged = new Map();
  for (const { table, references } of MERGEABLE) {
    const ids = new Set<string>();
    for (const change of changes) {
      const row = change.row as AnyRow | undefined;
      if (!row || !isTableName(change.table)) continue;
      if (change.table === table && typeof row.id === 'string') ids.add(row.id);
      for (const ref of references) {
        if (ref.table === change.table && typeof row[ref.field] === 'string') ids.add(row[ref.field] as string);
      }
    }
    const valid = [...ids].filter((id) => /^[0-9a-f-]{36}$/.test(id));
    const into = new Map<string, string>();
    if (valid.length) {
      const { rows } = await client.query<{ id: string; into: string }>(
        `SELECT id, "mergedInto" AS into FROM ${quote(table)} WHERE id = ANY($1::uuid[]) AND "mergedInto" IS NOT NULL`,
        [binaryArray('uuid', valid)],
      );
      for (const { id, into: target } of rows) into.set(id, target);
    }
    merged.set(table, into);
  }
  return merged;
}

/** The row with its references to merged rows written as references to their live rows. */
export function redirectReferences(merged: Merged, table: TableName, row: AnyRow): AnyRow {
  let result = row;
  for (const { table: target, references } of MERGEABLE) {
    const into = merged.get(target);
    if (!into?.size) continue;
    for (const ref of references) {
      if (ref.table !== table) continue;
      const live = into.get(row[ref.field] as string);
      if (live) result = { ...result, [ref.field]: live } as AnyRow;
    }
  }
  return result;
}

/** The new row kept deleted, merged into `into` (stamped at the row's own time). */
export function mergedRow(row: AnyRow, into: string): AnyRow {
  const at = (row.updatedAt as string | undefined) ?? (row.createdAt as string | undefined) ?? new Date().toISOString();
  return { ...row, deletedAt: at, mergedInto: into } as AnyRow;
}
