import { expect, it } from 'vitest';
import { serverWithStations } from '../../../../test/support/server-stations.js';
import { serverState, stationToken } from '../../../../test/support/station.js';

const central = serverWithStations();

it('voids a sale on two stations offline: one void and one return of the goods everywhere', async () => {
  const a = await central.openStation('void-a');
  const b = await central.openStation('void-b');
  const product = a.shop.save('products', { sku: 'VOID-1', name: 'Termo', price: 9000, active: true });
  a.shop.recordPurchase(product.id, 4);
  const { sale } = a.shop.recordSale({ items: [{ productId: product.id, quantity: 1 }], paymentMethod: 'cash' });
  await a.sync.sync();
  await b.sync.sync();
  a.shop.voidSale(sale.id, 'void on A');
  b.shop.voidSale(sale.id, 'void on B');
  await a.sync.sync();
  await b.sync.sync();
  await a.sync.sync();
  const state = await serverState(central.server.url, stationToken(a));
  expect(a.shop.stockOf(product.id)).toBe(4);
  expect(b.shop.stockOf(product.id)).toBe(4);
  expect(a.dump().tables).toEqual(state);
  expect(b.dump().tables).toEqual(state);
});
