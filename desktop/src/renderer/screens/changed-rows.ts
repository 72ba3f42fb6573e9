import type { AnyRow } from '@mostrador/common';

export interface ListPage {
  rows: AnyRow[];
  total: number;
}

/** The order of a list's first page by default (row-views.ts `pageRows`): newest change first, then id. */
function newestFirst(a: AnyRow, b: AnyRow): number {
  const [aAt, bAt] = [String(a.updatedAt), String(b.updatedAt)];
  if (aAt !== bAt) return aAt > bAt ? -1 : 1;
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

/**
 * The first page of a list in its default order, with rows changed elsewhere put in place
 * before the re-read that follows answers (so a pulled change is on screen without asking
 * the station back). Only when the outcome is certain: every changed row is alive and sorts
 * before the page's last row (rows beyond the page all sort after that one, so none of them
 * can belong before a changed row), unless the page holds the whole list. Otherwise null,
 * and the list waits for its re-read. The total stays as it was: a row new to the page may
 * be new or come from a later page, and the re-read says which.
 */
export function withChangedRows(page: ListPage, changed: AnyRow[], limit: number): ListPage | null {
  const shown = new Set(page.rows.map((row) => row.id));
  // A deleted row leaves a gap only if it was shown; one never shown changes nothing here.
  if (changed.some((row) => row.deletedAt != null && shown.has(row.id))) return null;
  const alive = changed.filter((row) => row.deletedAt == null);
  if (alive.length === 0) return null;
  if (alive.some((row) => typeof row.updatedAt !== 'string' || typeof row.id !== 'string')) return null;
  const whole = page.rows.length < limit && page.total <= page.rows.length;
  const last = page.rows.at(-1);
  if (!whole && (!last || alive.some((row) => newestFirst(row, last) > 0))) return null;
  const replaced = new Set(alive.map((row) => row.id));
  const rows = [...page.rows.filter((row) => !replaced.has(row.id)), ...alive].sort(newestFirst);
  return { rows: rows.slice(0, limit), total: page.total };
}
