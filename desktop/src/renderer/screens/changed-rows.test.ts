import type { AnyRow } from '@mostrador/common';
import { describe, expect, it } from 'vitest';
import { withChangedRows } from './changed-rows.js';

const row = (id: string, updatedAt: string, extra: Partial<AnyRow> = {}): AnyRow =>
  ({ id, updatedAt, version: `${updatedAt}-${id}`, deletedAt: null, ...extra }) as AnyRow;
const ids = (page: { rows: AnyRow[] } | null) => page?.rows.map((shown) => shown.id);

const page = {
  rows: [
    row('c', '2026-01-03T00:00:00.000Z'),
    row('b', '2026-01-02T00:00:00.000Z'),
    row('a', '2026-01-01T00:00:00.000Z'),
  ],
  total: 10,
};

describe('withChangedRows', () => {
  it('puts a newer row on top and drops the last of a full page', () => {
    const merged = withChangedRows(page, [row('d', '2026-01-04T00:00:00.000Z')], 3);
    expect(ids(merged)).toEqual(['d', 'c', 'b']);
    expect(merged?.total).toBe(10);
  });

  it('moves a shown row within the page', () => {
    expect(ids(withChangedRows(page, [row('c', '2026-01-01T12:00:00.000Z')], 3))).toEqual(['b', 'c', 'a']);
  });

  it('replaces a shown row by its new version, in its new place', () => {
    const merged = withChangedRows(page, [row('a', '2026-01-05T00:00:00.000Z', { name: 'new' })], 3);
    expect(ids(merged)).toEqual(['a', 'c', 'b']);
    expect(merged?.rows[0]?.name).toBe('new');
  });

  it('orders equal times by id, as the station does', () => {
    const merged = withChangedRows(page, [row('bb', '2026-01-02T00:00:00.000Z')], 4);
    expect(ids(merged)).toEqual(['c', 'b', 'bb', 'a']);
  });

  it('gives up when a row beyond the page might belong before a changed one, or a gap is left', () => {
    expect(withChangedRows(page, [row('z', '2025-12-31T00:00:00.000Z')], 3)).toBeNull();
    // c moved below a: a row of the next page may sort between them.
    expect(withChangedRows(page, [row('c', '2025-12-31T00:00:00.000Z')], 3)).toBeNull();
    expect(withChangedRows(page, [row('a', '2025-12-31T00:00:00.000Z')], 3)).toBeNull();
    expect(
      withChangedRows(page, [row('b', '2026-01-06T00:00:00.000Z', { deletedAt: '2026-01-06T00:00:00.000Z' })], 3),
    ).toBeNull();
  });

  it('ignores a deleted row that was not shown, and fills a page that was not full', () => {
    const gone = row('x', '2026-01-06T00:00:00.000Z', { deletedAt: '2026-01-06T00:00:00.000Z' });
    expect(withChangedRows(page, [gone], 3)).toBeNull();
    expect(ids(withChangedRows({ ...page, total: 3 }, [gone, row('z', '2025-12-31T00:00:00.000Z')], 5))).toEqual([
      'c',
      'b',
      'a',
      'z',
    ]);
  });
});
