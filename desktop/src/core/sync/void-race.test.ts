import { afterAll, beforeAll, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../../../../test/support/server.js';
import { openTestStation, serverState, stationToken } from '../../../../test/support/station.js';
import type { Station } from '../station.js';

let server: TestServer;
const stations: Station[] = [];
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(async () => {
  for (const s of stations) s.close();
  await server?.close();
});

it('voids a sale on two stations offline: one void and one return of the goods everywhere', async () => {
  const a = await openTestStation(server, 'void-a');
  const b = await openTestStation(server, 'void-b');
  stations.push(a, b);
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
  const state = await serverState(server.url, stationToken(a));
  expect(a.shop.stockOf(product.id)).toBe(4);
  expect(b.shop.stockOf(product.id)).toBe(4);
  expect(a.dump().tables).toEqual(state);
  expect(b.dump().tables).toEqual(state);
});
