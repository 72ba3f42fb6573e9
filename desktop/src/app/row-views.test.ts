import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { offlineStation } from '../../../test/support/station.js';
import type { Station } from '../core/index.js';
import { CHANGED_ROWS_SENT, changedRows, listRows, pageRows } from './row-views.js';

const COUNT = 50_000;

describe('paged lists', () => {
  let station: Station;

  beforeAll(async () => {
    station = await offlineStation();
    station.store.db.exec(`
      WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < ${COUNT - 1})
      INSERT INTO products (id, createdAt, updatedAt, deletedAt, version, updatedBy, sku, barcode, name, category, price, cost, providerId, active)
      SELECT printf('00000000-0000-7000-8000-%012d', i), '2026-01-01T00:00:00.000Z',
        strftime('%Y-%m-%dT%H:%M:%S.000Z', 1767225600 + i, 'unixepoch'), CASE WHEN i % 1000 = 999 THEN '2026-02-01T00:00:00.000Z' END,
        'v', 'u', printf('SKU-%05d', i), NULL, printf('Artículo %05d', (i * 7919) % ${COUNT}), 'General', 100 + i % 900, NULL, NULL, 1
      FROM n`);
  });
  afterAll(() => station.close());

  it('pages 50,000 products sorted by any column, searched, leaving deleted ones out', () => {
    const started = performance.now();
    const first = pageRows(station, 'products', { sort: 'name', offset: 0, limit: 50 });
    console.log(`first page of ${COUNT} products sorted by name: ${(performance.now() - started).toFixed(1)} ms`);
    expect(first.total).toBe(COUNT - COUNT / 1000);
    expect(first.rows).toHaveLength(50);
    const names = first.rows.map((row) => String(row.name));
    expect(names).toEqual([...names].sort());
    expect(names[0]).toBe('Artículo 00000');
    const last = pageRows(station, 'products', {
      sort: 'price',
      descending: true,
      offset: first.total - 10,
      limit: 50,
    });
    expect(last.rows).toHaveLength(10);
    expect(last.rows.every((row) => row.price === 100)).toBe(true);
    const recent = pageRows(station, 'products', {});
    expect(recent.rows[0]?.sku).toBe(`SKU-${String(COUNT - 2).padStart(5, '0')}`);
    expect(recent.rows[0]?.active).toBe(true);
    const found = pageRows(station, 'products', { search: 'sku-0123' });
    expect(found.rows.map((row) => row.sku).sort()).toEqual([
      'SKU-01230',
      'SKU-01231',
      'SKU-01232',
      'SKU-01233',
      'SKU-01234',
      'SKU-01235',
      'SKU-01236',
      'SKU-01237',
      'SKU-01238',
      'SKU-01239',
    ]);
    expect(() => pageRows(station, 'users', { sort: 'passwordHash' })).toThrow(/cannot be sorted by passwordHash/);
    expect(() => pageRows(station, 'products', { sort: 'name; DROP TABLE products' })).toThrow(/cannot be sorted/);
  });
});

describe('rows as screens list them', () => {
  it('lists the newest live rows first, up to the limit, searching without case or accents', async () => {
    const station = await offlineStation();
    try {
      const names = ['Café molido', 'Té verde', 'Azúcar', 'CAFETERA italiana', 'Leche'];
      for (const [n, name] of names.entries()) {
        station.shop.save('products', { sku: `P-${n}`, name, price: 100 + n, active: true });
      }
      const gone = station.shop.save('products', { sku: 'P-GONE', name: 'Café borrado', price: 1, active: true });
      station.shop.remove('products', gone.id);

      expect(listRows(station, 'products').map((row) => row.name)).toEqual([...names].reverse());
      expect(listRows(station, 'products', '', 2).map((row) => row.name)).toEqual(['Leche', 'CAFETERA italiana']);
      for (const query of ['cafe', 'CAFÉ', '  Café ']) {
        expect(listRows(station, 'products', query).map((row) => row.name)).toEqual([
          'CAFETERA italiana',
          'Café molido',
        ]);
      }
      expect(listRows(station, 'products', 'azucar').map((row) => row.name)).toEqual(['Azúcar']);
      expect(listRows(station, 'products', 'P-3').map((row) => row.name)).toEqual(['CAFETERA italiana']);
      expect(listRows(station, 'products', 'nada de esto')).toEqual([]);
      expect(listRows(station, 'users').every((user) => !('passwordHash' in user))).toBe(true);
    } finally {
      station.close();
    }
  });
});

describe('rows that travel with data:changed', () => {
  it('are the stored rows of the ids, deleted ones included; none when too many or users changed', async () => {
    const station = await offlineStation();
    try {
      const kept = station.shop.save('products', { sku: 'P-1', name: 'Mate', price: 100, active: true });
      const gone = station.shop.save('providers', { name: 'Proveedor' });
      station.shop.remove('providers', gone.id);

      const rows = changedRows(station, ['products', 'providers'], [kept.id, gone.id]);
      expect(rows?.map(({ table, row }) => [table, row.id, row.deletedAt !== null])).toEqual([
        ['products', kept.id, false],
        ['providers', gone.id, true],
      ]);
      expect(rows?.[0]?.row).toEqual(station.get('products', kept.id));

      const user = listRows(station, 'users')[0];
      expect(user).toBeDefined();
      expect(changedRows(station, ['products', 'users'], [kept.id, String(user?.id)])).toBeNull();
      expect(
        changedRows(
          station,
          ['products'],
          Array.from({ length: CHANGED_ROWS_SENT + 1 }, () => kept.id),
        ),
      ).toBeNull();
      expect(changedRows(station, ['products'], [])).toBeNull();
    } finally {
      station.close();
    }
  });
});
