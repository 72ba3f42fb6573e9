import { describe, expect, it } from 'vitest';
import { offlineStation } from '../../../test/support/station.js';
import { listRows } from './row-views.js';

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
