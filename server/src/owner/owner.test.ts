import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Station } from '../../../desktop/src/core/index.js';
import { loginAdmin, startTestServer, type TestServer } from '../../../test/support/server.js';
import { openTestStation } from '../../../test/support/station.js';

describe("the owner's view", () => {
  let server: TestServer;
  let station: Station;

  beforeAll(async () => {
    server = await startTestServer();
    station = await openTestStation(server, 'Caja Norte');
  });

  afterAll(async () => {
    station?.close();
    await server?.close();
  });

  const summary = async (since: string, token?: string) =>
    fetch(`${server.url}/owner/api/summary?since=${encodeURIComponent(since)}`, {
      headers: token ? { authorization: `Bearer ${token}` } : {},
    });

  it('serves its page to any browser, and its data only to an admin', async () => {
    const page = await fetch(`${server.url}/owner/`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toMatch(/text\/html/);
    expect(await page.text()).toContain('Vista del propietario');
    expect((await fetch(`${server.url}/owner/app.js`)).status).toBe(200);
    expect((await summary(new Date().toISOString())).status).toBe(401);
    const bad = await summary('yesterday', await loginAdmin(server.url));
    expect(bad.status).toBe(400);
  });

  it("shows today's sales by station and cashier and the stations, read from the central database", async () => {
    const token = await loginAdmin(server.url);
    const since = new Date(Date.now() - 60_000).toISOString();
    const before = await (await summary(since, token)).json();
    expect(before.sales).toMatchObject({ sales: 0, total: 0, byStation: [], byCashier: [] });
    expect(before.stations.map((s: { name: string }) => s.name)).toEqual(['Caja Norte']);

    const product = station.shop.save('products', { sku: 'OWN-1', name: 'Café', price: 180, active: true });
    station.shop.recordSale({ items: [{ productId: product.id, quantity: 2 }], paymentMethod: 'cash' });
    const voided = station.shop.recordSale({ items: [{ productId: product.id, quantity: 1 }], paymentMethod: 'card' });
    station.shop.voidSale(voided.sale.id, 'mistake');
    await station.sync.pushOutbox();

    const after = await (await summary(since, token)).json();
    expect(after.sales).toMatchObject({
      sales: 1,
      total: 360,
      byStation: [{ id: station.id, name: 'Caja Norte', sales: 1, total: 360 }],
      byCashier: [{ name: 'Administrador', sales: 1, total: 360 }],
    });
    expect(after.sales.latest).toHaveLength(1);
    expect(after.sales.latest[0]).toMatchObject({ station: 'Caja Norte', cashier: 'Administrador', total: 360 });
    // A later start of "today" leaves them out.
    const tomorrow = await (await summary(new Date(Date.now() + 86_400_000).toISOString(), token)).json();
    expect(tomorrow.sales.sales).toBe(0);
  });

  it('lists a conflict field by field: the value that was overwritten beside the one that won', async () => {
    const other = await openTestStation(server, 'Caja Sur');
    try {
      const product = station.shop.save('products', { sku: 'CONF-1', name: 'Té verde', price: 300, active: true });
      await station.sync.pushOutbox();
      await other.sync.pullChanges();
      // Both edit the same product without seeing each other's edit; the later one wins.
      station.shop.save('products', { id: product.id, price: 320 });
      // A later millisecond, so the later edit's version is the higher one (same-millisecond
      // versions are ordered by station id instead).
      await new Promise((resolve) => setTimeout(resolve, 5));
      other.shop.save('products', { id: product.id, price: 350 });
      await station.sync.pushOutbox();
      await other.sync.pushOutbox();
      const { conflicts } = await (await summary(new Date().toISOString(), await loginAdmin(server.url))).json();
      expect(conflicts[0]).toMatchObject({
        table: 'products',
        id: product.id,
        fields: [{ field: 'price', lost: 320, won: 350 }],
      });
    } finally {
      other.close();
    }
  });
});
