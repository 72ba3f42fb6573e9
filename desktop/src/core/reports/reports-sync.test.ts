import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../../../../test/support/server.js';
import { openTestStation } from '../../../../test/support/station.js';
import type { Station } from '../station.js';

function localDay(iso: string): string {
  const d = new Date(iso);
  return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')}`;
}

describe('reports over synced sales', () => {
  let server: TestServer;
  const opened: Station[] = [];

  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(async () => {
    for (const s of opened) s.close();
    await server.close();
  });

  it("a station bootstrapped from the server reports another station's sales, and keeps counting its own", async () => {
    const a = await openTestStation(server, 'Caja A');
    opened.push(a);
    const product = a.shop.save('products', { sku: 'R-1', name: 'Pan', price: 250, active: true });
    const first = a.shop.recordSale({ items: [{ productId: product.id, quantity: 4 }], paymentMethod: 'cash' });
    const voided = a.shop.recordSale({ items: [{ productId: product.id, quantity: 1 }], paymentMethod: 'card' });
    a.shop.voidSale(voided.sale.id, 'error');
    await a.sync.pushOutbox();
    const today = localDay(first.sale.createdAt as string);
    const range = { from: today, to: today };

    // B bootstraps into an empty folder: the rollup triggers are set aside and rebuilt at the end.
    const b = await openTestStation(server, 'Caja B');
    opened.push(b);
    expect(b.reports.salesByPeriod(range, 'day')).toEqual(a.reports.salesByPeriod(range, 'day'));
    expect(b.reports.byProduct(range).map((p) => [p.sku, p.quantity, p.amount])).toEqual([['R-1', 4, 1000]]);
    // Every trigger set aside for the bootstrap is back (as many as a station that never bootstrapped has).
    const triggers = (s: typeof b) =>
      (s.store.db.prepare("SELECT count(*) AS n FROM sqlite_master WHERE type = 'trigger'").get() as { n: number }).n;
    expect(triggers(b)).toBe(triggers(a));
    expect(triggers(b)).toBeGreaterThanOrEqual(3);
    b.shop.recordSale({ items: [{ productId: product.id, quantity: 2 }], paymentMethod: 'cash' });
    expect(b.reports.byProduct(range)[0]?.quantity).toBe(6);
    expect(
      b.reports
        .byStation(range)
        .map((s) => s.sales)
        .sort(),
    ).toEqual([1, 1]);
  });
});
