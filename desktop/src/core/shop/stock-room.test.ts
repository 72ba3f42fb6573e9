import { describe, expect, it } from 'vitest';
import { offlineStationsPerTest } from '../../../../test/support/offline-stations.js';
import type { Station } from '../station.js';

const station = offlineStationsPerTest();

function catalogue(s: Station, n: number) {
  return Array.from({ length: n }, (_, i) =>
    s.shop.save('products', { sku: `P-${i}`, name: `Producto ${i}`, price: 1000, cost: 400, active: true }),
  );
}

describe('the stock room', () => {
  it('records a 40-line delivery as one write group: stock, costs and the provider of every product', async () => {
    const s = await station();
    const provider = s.shop.save('providers', { name: 'Distribuidora Sur' });
    const products = catalogue(s, 40);
    const groups: number[] = [];
    s.store.on('written', ({ count }) => groups.push(count));
    const purchase = s.stockRoom.recordPurchase({
      providerId: provider.id,
      reference: 'ALB-2231',
      lines: products.map((p, i) => ({ productId: p.id, quantity: i + 1, cost: i % 2 ? 450 : 400 })),
    });
    // One commit: 40 movements + 40 product updates (the provider on all, a new cost on half).
    expect(groups).toEqual([80]);
    expect(purchase.movements).toHaveLength(40);
    expect(purchase.updatedProducts).toHaveLength(40);
    for (const [i, p] of products.entries()) {
      expect(s.shop.stockOf(p.id)).toBe(i + 1);
      expect(s.get('products', p.id)).toMatchObject({ cost: i % 2 ? 450 : 400, providerId: provider.id });
    }
    expect(new Set(purchase.movements.map((m) => m.refId))).toEqual(new Set([purchase.purchaseId]));
    expect(purchase.movements[0]?.reason).toBe('Distribuidora Sur · ALB-2231');
  });

  it('writes nothing when one line of a delivery is wrong', async () => {
    const s = await station();
    const [a, b] = catalogue(s, 2);
    const before = s.sync.pending;
    expect(() =>
      s.stockRoom.recordPurchase({
        lines: [
          { productId: a?.id as string, quantity: 5, cost: 300 },
          { productId: b?.id as string, quantity: 0 },
        ],
      }),
    ).toThrow(/Line 2: the quantity must be a whole number of at least 1/);
    expect(s.shop.stockOf(a?.id as string)).toBe(0);
    expect(s.get('products', a?.id as string)?.cost).toBe(400);
    expect(s.sync.pending).toBe(before);
  });

  it('posts a stock count as one group of adjustments by the differences, and keeps the history with balances', async () => {
    const s = await station();
    const [a, b, c] = catalogue(s, 3);
    s.stockRoom.recordPurchase({
      lines: [
        { productId: a?.id as string, quantity: 10 },
        { productId: b?.id as string, quantity: 5 },
      ],
    });
    const groups: number[] = [];
    s.store.on('written', ({ count }) => groups.push(count));
    const count = s.stockRoom.postCount(
      [
        { productId: a?.id as string, counted: 7 },
        { productId: b?.id as string, counted: 5 },
        { productId: c?.id as string, counted: 2 },
      ],
      'cierre de mes',
    );
    expect(groups).toEqual([2]);
    expect(count.unchanged).toBe(1);
    expect(count.movements.map((m) => m.quantity)).toEqual([-3, 2]);
    expect([a, b, c].map((p) => s.shop.stockOf(p?.id as string))).toEqual([7, 5, 2]);
    const history = s.stockRoom.history(a?.id as string);
    expect(history.map((h) => [h.kind, h.quantity, h.balance, h.reason])).toEqual([
      ['adjustment', -3, 7, 'Recuento · cierre de mes'],
      ['purchase', 10, 10, null],
    ]);
    expect(history[0]).toMatchObject({ userName: 'admin', here: true, stationId: s.id });
    expect(() => s.stockRoom.postCount([{ productId: a?.id as string, counted: -1 }])).toThrow(/at least 0/);
    expect(() =>
      s.stockRoom.postCount([
        { productId: a?.id as string, counted: 1 },
        { productId: a?.id as string, counted: 2 },
      ]),
    ).toThrow(/counted twice/);
  });

  it('lists active products below their minimum, emptiest first', async () => {
    const s = await station();
    const [a, b, c, d] = catalogue(s, 4);
    s.shop.save('products', { id: a?.id, minStock: 5 });
    s.shop.save('products', { id: b?.id, minStock: 3 });
    s.shop.save('products', { id: c?.id, minStock: 2 });
    s.shop.save('products', { id: d?.id, minStock: 10, active: false });
    s.stockRoom.recordPurchase({
      lines: [
        { productId: a?.id as string, quantity: 4 },
        { productId: c?.id as string, quantity: 2 },
      ],
    });
    expect(s.stockRoom.lowStock().map((p) => [p.sku, p.stock, p.minStock])).toEqual([
      ['P-1', 0, 3],
      ['P-0', 4, 5],
    ]);
  });

  it('leaves deliveries and counts to managers and admins', async () => {
    const s = await station([{ username: 'cajero', role: 'cashier' }]);
    expect(() => s.stockRoom.postCount([{ productId: 'x', counted: 1 }])).toThrow(
      expect.objectContaining({ code: 'FORBIDDEN' }),
    );
  });
});
