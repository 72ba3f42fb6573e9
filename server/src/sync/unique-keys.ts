import { type AnyRow, type TableName, uniqueFieldsOf } from '@mostrador/common';
import type pg from 'pg';
import { tableSql } from './table-sql.js';

/**
 * Unique keys (a product's SKU, a username) hold among live rows. A push checks them
 * before writing, so a clash refuses only the later row with UNIQUE_VIOLATION while the
 * rest of the batch applies; the database's unique indexes stay the last word.
 */

/** Per unique field: which live row holds each value. */
export type UniqueOwners = Map<string, Map<unknown, string>>;

/** The live rows holding any unique value that the batch's rows carry. */
export async function loadUniqueOwners(
  client: pg.ClientBase,
  table: TableName,
  rows: readonly AnyRow[],
): Promise<UniqueOwners> {
  const owners: UniqueOwners = new Map();
  for (const [field, sql] of tableSql(table).selectUniqueOwners) {
    const values = [...new Set(rows.map((row) => row[field]).filter((v) => v !== null && v !== undefined))];
    const { rows: held } = values.length
      ? await client.query<{ id: string; value: unknown }>(sql, [values])
      : { rows: [] };
    owners.set(field, new Map(held.map((r) => [r.value, r.id])));
  }
  return owners;
}

/**
 * Claim the row's unique values for it, releasing those it held before (`previous`), or
 * name the field whose value another live row already holds.
 */
export function claimUnique(
  table: TableName,
  owners: UniqueOwners,
  row: AnyRow,
  previous: AnyRow | undefined,
): string | null {
  const live = row.deletedAt === null || row.deletedAt === undefined;
  const present = (value: unknown) => value !== null && value !== undefined;
  for (const field of uniqueFieldsOf(table)) {
    const holder = owners.get(field)?.get(row[field]);
    if (live && present(row[field]) && holder !== undefined && holder !== row.id) return field;
  }
  for (const field of uniqueFieldsOf(table)) {
    const fieldOwners = owners.get(field) ?? new Map<unknown, string>();
    owners.set(field, fieldOwners);
    const old = previous?.[field];
    if (present(old) && fieldOwners.get(old) === row.id) fieldOwners.delete(old);
    if (live && present(row[field])) fieldOwners.set(row[field], row.id);
  }
  return null;
}

/** Let go of the unique values a row held (before it claims its new ones). */
export function releaseUnique(table: TableName, owners: UniqueOwners, previous: AnyRow): void {
  for (const field of uniqueFieldsOf(table)) {
    const old = previous[field];
    const fieldOwners = owners.get(field);
    if (old !== null && old !== undefined && fieldOwners?.get(old) === previous.id) fieldOwners.delete(old);
  }
}
