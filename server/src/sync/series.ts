import { type AnyRow, seriesFieldsOf, type TableName } from '@mostrador/common';
import type pg from 'pg';
import { binaryArray } from './pg-array.js';
import { quote } from './table-sql.js';

/**
 * Numbers in a series (a sale's `C1-000123`) are unique across the shop. A push looks up
 * which rows hold the numbers it carries; a new row whose number another row already has
 * (a station folder restored from a backup, say) gets the series' next free number, and
 * keeps the one it carried in its printed field. The pushing station adopts the answer.
 */

interface FieldSeries {
  readonly printedField: string;
  /** Which row holds each number this push carries or has given out. */
  readonly holders: Map<string, string>;
  /** The highest number of each series that needed one (loaded only when a clash is seen). */
  readonly top: Map<string, number>;
}

/** Per table, per series field. */
export type SeriesState = Map<TableName, Map<string, FieldSeries>>;

function split(value: string): { series: string; n: number; width: number } | null {
  const dash = value.lastIndexOf('-');
  const digits = value.slice(dash + 1);
  if (dash < 0 || !/^\d{1,15}$/.test(digits)) return null;
  return { series: value.slice(0, dash), n: Number(digits), width: digits.length };
}

/** The holders of the numbers `rows` carry, and the top of each series where two collide. */
export async function loadSeries(
  client: pg.ClientBase,
  rowsByTable: ReadonlyMap<TableName, readonly AnyRow[]>,
): Promise<SeriesState> {
  const state: SeriesState = new Map();
  for (const [table, rows] of rowsByTable) {
    for (const { field, printedField } of seriesFieldsOf(table)) {
      const column = `"${field}"`;
      const values = [...new Set(rows.map((row) => row[field]).filter((v): v is string => typeof v === 'string'))];
      if (values.length === 0) continue;
      const { rows: held } = await client.query<{ id: string; value: string }>(
        `SELECT id, ${column} AS value FROM ${quote(table)} WHERE ${column} = ANY($1::text[])`,
        [binaryArray('text', values)],
      );
      const holders = new Map(held.map((r) => [r.value, r.id]));
      // A clash with a stored row, or between two rows of this push: load those series' tops.
      const seen = new Map<string, string>();
      const clashing = new Set<string>();
      for (const row of rows) {
        const value = row[field];
        if (typeof value !== 'string') continue;
        const other = holders.get(value) ?? seen.get(value);
        if (other !== undefined && other !== row.id) clashing.add(split(value)?.series ?? '');
        seen.set(value, row.id);
      }
      clashing.delete('');
      const top = new Map<string, number>();
      for (const series of clashing) {
        const { rows: found } = await client.query<{ value: string }>(
          `SELECT ${column} AS value FROM ${quote(table)} WHERE starts_with(${column}, $1)`,
          [`${series}-`],
        );
        for (const value of [...found.map((r) => r.value), ...seen.keys()]) {
          const parts = split(value);
          if (parts?.series === series) top.set(series, Math.max(top.get(series) ?? 0, parts.n));
        }
      }
      const fields = state.get(table) ?? new Map<string, FieldSeries>();
      fields.set(field, { printedField, holders, top });
      state.set(table, fields);
    }
  }
  return state;
}

/**
 * The row to write for a new row of `table`: itself, or, when another row holds one of its
 * series numbers, the row with the series' next free number (the carried one kept as
 * printed). Records the number as held either way.
 */
export function numberInSeries(state: SeriesState | null, table: TableName, row: AnyRow, isNew: boolean): AnyRow {
  const fields = state?.get(table);
  if (!fields) return row;
  let result = row;
  for (const [field, { printedField, holders, top }] of fields) {
    const value = row[field];
    if (typeof value !== 'string') continue;
    const holder = holders.get(value);
    const parts = split(value);
    if (isNew && holder !== undefined && holder !== row.id && parts && top.has(parts.series)) {
      const next = (top.get(parts.series) ?? 0) + 1;
      top.set(parts.series, next);
      const renumbered = `${parts.series}-${String(next).padStart(parts.width, '0')}`;
      holders.set(renumbered, row.id);
      result = { ...result, [field]: renumbered, [printedField]: value } as AnyRow;
      continue;
    }
    if (holder === undefined) holders.set(value, row.id);
  }
  return result;
}
