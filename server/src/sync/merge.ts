import { type AnyRow, referencesTo, TABLE_NAMES, type TableName, tableSpec } from '@mostrador/common';

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

/** Whether rows of `table` may be merged into others (they carry `mergedInto`). */
export function isMergeable(table: TableName): boolean {
  return MERGEABLE.some((entry) => entry.table === table);
}

/** The fields of `table` that name a row of a mergeable table, with that table. */
export function mergeableReferences(table: TableName): (readonly [string, TableName])[] {
  return MERGEABLE.flatMap(({ table: target, references }) =>
    references.filter((ref) => ref.table === table).map((ref) => [ref.field, target] as const),
  );
}

/**
 * The merged rows among stored ones a push writes or names (each `{ table, id, into }`,
 * `into` its stored `mergedInto`): the apply step reads them with the rows it loads anyway.
 */
export function mergedAmong(stored: Iterable<{ table: TableName; id: string; into: unknown }>): Merged {
  const merged: Merged = new Map(MERGEABLE.map(({ table }) => [table, new Map<string, string>()]));
  for (const { table, id, into } of stored) {
    if (typeof into === 'string') merged.get(table)?.set(id, into);
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
