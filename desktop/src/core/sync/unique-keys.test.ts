/**
 * Unique keys across a push: a swap of two products' SKUs through a temporary value is a
 * run of valid steps, and the server applies it whole, whether the steps are separate
 * writes pushed together or one write group.
 */
import { describe, expect, it } from 'vitest';
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
});
