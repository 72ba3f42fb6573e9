import { type AnyRow, columnsOf, fieldsOf, type TableName } from '@mostrador/common';

/**
 * Rows between SQLite and the wire. SQLite has no booleans, so boolean fields are stored
 * as 0/1 and turned back into booleans on the way out, guided by the table registry.
 */

const booleanColumns = new Map<TableName, string[]>();

export function booleanColumnsOf(table: TableName): string[] {
  let columns = booleanColumns.get(table);
  if (!columns) {
    columns = Object.entries(fieldsOf(table))
      .filter(([, spec]) => spec.type === 'boolean')
      .map(([name]) => name);
    booleanColumns.set(table, columns);
  }
  return columns;
}

/** The values of a row in `columnsOf(table)` order, ready to bind: absent → null, booleans → 0/1. */
export function toSqlValues(table: TableName, row: Record<string, unknown>): unknown[] {
  return columnsOf(table).map((column) => toSqlValue(row[column]));
}

export function toSqlValue(value: unknown): unknown {
  if (value === undefined) return null;
  if (typeof value === 'boolean') return value ? 1 : 0;
  return value;
}

/** A row read from SQLite as it travels on the wire (every column present, null when empty). */
export function fromSqlRow(table: TableName, stored: Record<string, unknown>): AnyRow {
  for (const column of booleanColumnsOf(table)) {
    const value = stored[column];
    if (value !== null && value !== undefined) stored[column] = value === 1;
  }
  return stored as AnyRow;
}
