/**
 * Unique keys across a push: a swap of two products' SKUs through a temporary value is a
 * run of valid steps, and the server applies it whole, whether the steps are separate
 * writes pushed together or one write group. Two products created apart with the same SKU
 * are merged into one.
 */
import type { AnyRow } from '@mostrador/common';
import { describe, expect, it } from 'vitest';
import { loginAdmin } from '../../../../test/support/server.js';
import { serverWithStations } from '../../../../test/support/server-stations.js';
import { serverState, stationToken } from '../../../../test/support/station.js';
import type { Station } from '../station.js';

const central = serverWithStations();

const station = (name: string) => central.openStation(name);

async function skusOnServer(s: Station, ids: string[]): Promise<unknown[]> {
  const { products } = await serverState(central.server.url, stationToken(s));
  return ids.map((id) => products.find((p) => p.id === id)?.sku);
}

describe('unique keys across a push', () => {
  it('applies a swap of two SKUs through a temporary value, made offline as three edits', async () => {
    const a = await station('swap-a');
    const tea = a.shop.save('products', { sku: 'SW-TEA', name: 'Té', price: 100, active: true });
    const coffee = a.shop.save('products', { sku: 'SW-COFFEE', name: 'Café', price: 200, active: true });
    await a.sync.sync();
    a.shop.save('products', { id: tea.id, sku: 'SW-TMP' });
    a.shop.save('products', { id: coffee.id, sku: 'SW-TEA' });
    a.shop.save('products', { id: tea.id, sku: 'SW-COFFEE' });
    await a.sync.sync();
    expect(a.flagged()).toEqual([]);
    expect(a.sync.pending).toBe(0);
    expect(await skusOnServer(a, [tea.id, coffee.id])).toEqual(['SW-COFFEE', 'SW-TEA']);
    const b = await station('swap-b');
    expect([b.get('products', tea.id)?.sku, b.get('products', coffee.id)?.sku]).toEqual(['SW-COFFEE', 'SW-TEA']);
  });

  it('applies a swap made in one write group', async () => {
    const a = await station('swap-group');
    const one = a.shop.save('products', { sku: 'SG-1', name: 'Uno', price: 100, active: true });
    const two = a.shop.save('products', { sku: 'SG-2', name: 'Dos', price: 100, active: true });
    await a.sync.sync();
    a.store.transaction(() => {
      a.shop.save('products', { id: one.id, sku: 'SG-TMP' });
      a.shop.save('products', { id: two.id, sku: 'SG-1' });
      a.shop.save('products', { id: one.id, sku: 'SG-2' });
    });
    expect(a.store.outbox.nextPage(0, 100)).toHaveLength(1);
    await a.sync.sync();
    expect(a.flagged()).toEqual([]);
    expect(await skusOnServer(a, [one.id, two.id])).toEqual(['SG-2', 'SG-1']);
  });

  it('merges two products created offline with the same SKU into one, with the sales and stock of both', async () => {
    const a = await station('merge-a');
    // B sends one group per push: its purchase and sale reach the server after the merge,
    // naming the merged product, and are written against the live one.
    const b = await central.openStation('merge-b', { sync: { pushPageSize: 1 } });
    // Both stations are offline: each creates "the" product, receives stock and sells some.
    const first = a.shop.save('products', { sku: 'SAME-1', name: 'Yerba 1 kg', price: 500, active: true });
    a.shop.recordPurchase(first.id, 10);
    a.shop.recordSale({ items: [{ productId: first.id, quantity: 2 }], paymentMethod: 'cash' });
    const second = b.shop.save('products', { sku: 'SAME-1', name: 'Yerba 1kg', price: 520, active: true });
    b.shop.recordPurchase(second.id, 5);
    const { items } = b.shop.recordSale({ items: [{ productId: second.id, quantity: 1 }], paymentMethod: 'card' });
    await a.sync.sync();
    await b.sync.sync();
    await a.sync.sync();

    // One product everywhere; every movement and sale line of both counted against it.
    const state = await serverState(central.server.url, stationToken(a));
    const live = state.products.filter((p) => p.sku === 'SAME-1' && p.deletedAt === null);
    expect(live.map((p) => p.id)).toEqual([first.id]);
    expect(state.products.find((p) => p.id === second.id)).toMatchObject({ mergedInto: first.id });
    expect(state.stock_movements.filter((m) => m.productId === second.id)).toEqual([]);
    expect(state.sale_items.find((item) => item.id === items[0]?.id)?.productId).toBe(first.id);
    for (const s of [a, b]) {
      expect(s.shop.stockOf(first.id)).toBe(12);
      expect(s.sync.pending).toBe(0);
      expect(s.flagged()).toEqual([]);
      expect(s.dump().tables).toEqual(state);
    }
    // The losing version's fields are in the conflict log, beside the product that won.
    const token = await loginAdmin(central.server.url, central.server.adminPassword);
    const response = await fetch(`${central.server.url}/admin/conflicts?limit=50`, {
      headers: { authorization: `Bearer ${token}` },
    });
    const { conflicts } = (await response.json()) as { conflicts: { id: string; lost: AnyRow; won: AnyRow }[] };
    expect(conflicts.find((c) => c.id === first.id)).toMatchObject({
      lost: { id: second.id, name: 'Yerba 1kg', price: 520 },
      won: { id: first.id, name: 'Yerba 1 kg' },
    });
  });
});
