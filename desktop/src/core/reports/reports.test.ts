import { newId } from '@mostrador/common';
import { describe, expect, it } from 'vitest';
import { offlineStationsPerTest } from '../../../../test/support/offline-stations.js';
import { splitMonths } from './reports.js';

const station = offlineStationsPerTest();

function localDay(iso: string): string {
  const d = new Date(iso);
  return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')}`;
}

async function shopWithSales() {
  const s = await station([
    { username: 'ana', role: 'manager' },
    { username: 'beto', role: 'cashier' },
  ]);
  const mate = s.shop.save('products', {
    sku: 'MATE',
    name: 'Mate',
    category: 'Bazar',
    price: 2500,
    cost: 1000,
    active: true,
  });
  const yerba = s.shop.save('products', {
    sku: 'YERBA',
    name: 'Yerba',
    category: 'Almacén',
    price: 4000,
    active: true,
  });
  const first = s.shop.recordSale({
    items: [
      { productId: mate.id, quantity: 2 },
      { productId: yerba.id, quantity: 1 },
    ],
    paymentMethod: 'cash',
  });
  const beto = s.dump().tables.users.find((u) => u.username === 'beto');
  await s.unlock('beto', 'beto-pass');
  s.actAs(beto?.id as string);
  const second = s.shop.recordSale({ items: [{ productId: yerba.id, quantity: 3 }], paymentMethod: 'card' });
  const voided = s.shop.recordSale({ items: [{ productId: mate.id, quantity: 5 }], paymentMethod: 'cash' });
  const ana = s.dump().tables.users.find((u) => u.username === 'ana');
  s.actAs(ana?.id as string);
  s.shop.voidSale(voided.sale.id, 'wrong ticket');
  const today = localDay(first.sale.createdAt as string);
  return { s, mate, yerba, first, second, voided, today, range: { from: today, to: today } };
}

describe('station reports', () => {
  it('sums the day, the hour, the cashiers, the payment methods and the station, leaving voided sales apart', async () => {
    const { s, first, second, voided, today, range } = await shopWithSales();
    const total = (first.sale.total as number) + (second.sale.total as number);
    expect(s.reports.salesByPeriod(range, 'day')).toEqual([
      { period: today, sales: 2, total, voided: 1, voidedTotal: voided.sale.total },
    ]);
    expect(s.reports.salesByPeriod(range, 'month')).toEqual([
      { period: today.slice(0, 7), sales: 2, total, voided: 1, voidedTotal: voided.sale.total },
    ]);
    const hours = s.reports.salesByHour(range);
    expect(hours).toHaveLength(24);
    expect(hours.reduce((sum, h) => sum + h.total, 0)).toBe(total);
    expect(hours[new Date(first.sale.createdAt as string).getHours()]?.sales).toBeGreaterThan(0);
    expect(s.reports.byCashier(range).map((r) => [r.label, r.sales, r.total])).toEqual(
      [
        ['beto', 1, second.sale.total],
        ['ana', 1, first.sale.total],
      ].sort((a, b) => (b[2] as number) - (a[2] as number)),
    );
    expect(s.reports.byPayment(range).map((r) => [r.key, r.total])).toEqual(
      [
        ['cash', first.sale.total],
        ['card', second.sale.total],
      ].sort((a, b) => (b[1] as number) - (a[1] as number)),
    );
    expect(s.reports.byStation(range)).toEqual([{ key: s.id, label: 'TEST01', sales: 2, total }]);
    // Another day holds nothing.
    expect(s.reports.salesByPeriod({ from: '2020-01-01', to: '2020-01-31' }, 'day')).toEqual([]);
  });

  it('ranks products with their margin where a cost exists, and sums categories', async () => {
    const { s, mate, yerba, range } = await shopWithSales();
    const products = s.reports.byProduct(range);
    expect(products.map((p) => [p.sku, p.quantity, p.amount, p.cost, p.margin])).toEqual([
      ['YERBA', 4, 16000, null, null],
      ['MATE', 2, 5000, 2000, 3000],
    ]);
    expect(s.reports.byProduct(range, { orderBy: 'quantity', limit: 1 }).map((p) => p.productId)).toEqual([yerba.id]);
    expect(s.reports.byCategory(range)).toEqual([
      { category: 'Almacén', quantity: 4, amount: 16000, amountWithCost: 0, margin: 0 },
      { category: 'Bazar', quantity: 2, amount: 5000, amountWithCost: 5000, margin: 3000 },
    ]);
    expect(mate.id).not.toBe(yerba.id);
  });

  it('splits taxes per rate from tax-included amounts (the general rate, 21 %, by default)', async () => {
    const { s, range } = await shopWithSales();
    // 210,00 € with 21 % IVA included: base 210,00 / 1,21 = 173,55 €, IVA 36,45 €.
    expect(s.reports.taxes(range)).toEqual([{ rate: 2100, lines: 3, gross: 21000, base: 17355, tax: 3645 }]);
  });

  it('stays exact whatever order pulled rows arrive in: items before their voided sale', async () => {
    const s = await station();
    const product = s.shop.save('products', { sku: 'P', name: 'P', price: 100, active: true });
    const now = new Date().toISOString();
    const base = {
      createdAt: now,
      updatedAt: now,
      deletedAt: null,
      version: `${now}-0000-00000000000000aa`,
      updatedBy: newId(),
    };
    const saleId = newId();
    s.store.rows.put('sale_items', {
      ...base,
      id: newId(),
      saleId,
      productId: product.id,
      quantity: 7,
      unitPrice: 100,
      discount: 0,
      lineTotal: 700,
    });
    const range = { from: localDay(now), to: localDay(now) };
    expect(s.reports.byProduct(range).map((p) => p.quantity)).toEqual([7]);
    s.store.rows.put('sales', {
      ...base,
      id: saleId,
      number: 'X-1',
      stationId: newId(),
      userId: newId(),
      customerId: null,
      status: 'voided',
      total: 700,
      paymentMethod: 'cash',
      voidReason: 'x',
    });
    expect(s.reports.byProduct(range)).toEqual([]);
    expect(s.reports.salesByPeriod(range, 'day')).toEqual([
      { period: range.from, sales: 0, total: 0, voided: 1, voidedTotal: 700 },
    ]);
    // A late item of a sale already known voided is not counted; a re-pulled identical sale changes nothing.
    s.store.rows.put('sale_items', {
      ...base,
      id: newId(),
      saleId,
      productId: product.id,
      quantity: 1,
      unitPrice: 100,
      discount: 0,
      lineTotal: 100,
    });
    s.store.rows.put('sales', {
      ...base,
      id: saleId,
      number: 'X-1',
      stationId: newId(),
      userId: newId(),
      customerId: null,
      status: 'voided',
      total: 700,
      paymentMethod: 'cash',
      voidReason: 'x',
    });
    expect(s.reports.byProduct(range)).toEqual([]);
    expect(s.reports.salesByPeriod(range, 'day')[0]?.voided).toBe(1);
  });

  it('rebuilds its rollups when the time zone changes, to the same figures', async () => {
    const { s, range } = await shopWithSales();
    const before = s.reports.salesByPeriod(range, 'day');
    s.store.meta.set('reportTimeZone', 'Somewhere/Else');
    s.store.db.exec('DELETE FROM report_sales');
    s.reports.ensureRollups();
    expect(s.reports.salesByPeriod(range, 'day')).toEqual(before);
  });

  it('adds whole months from the monthly rollup and the days at either end from the daily one', async () => {
    expect(splitMonths({ from: '2025-01-15', to: '2025-04-10' })).toEqual({
      firstMonth: '2025-02',
      lastMonth: '2025-03',
      headEnd: '2025-01-31',
      tailStart: '2025-04-01',
    });
    expect(splitMonths({ from: '2025-02-01', to: '2025-02-28' })?.firstMonth).toBe('2025-02');
    expect(splitMonths({ from: '2025-02-02', to: '2025-02-28' })).toBeNull();
    const s = await station();
    const product = s.shop.save('products', { sku: 'P', name: 'P', price: 100, active: true });
    const put = (day: string, quantity: number) => {
      // Noon local time, so the local day is `day` whatever the zone.
      const [y, m, d] = day.split('-').map(Number) as [number, number, number];
      const at = new Date(y, m - 1, d, 12).toISOString();
      const base = {
        createdAt: at,
        updatedAt: at,
        deletedAt: null,
        version: `${at}-0000-00000000000000aa`,
        updatedBy: newId(),
      };
      s.store.rows.put('sale_items', {
        ...base,
        id: newId(),
        saleId: newId(),
        productId: product.id,
        quantity,
        unitPrice: 100,
        discount: 0,
        lineTotal: 100 * quantity,
      });
    };
    const days = {
      '2025-01-10': 1,
      '2025-01-15': 2,
      '2025-02-01': 4,
      '2025-03-31': 8,
      '2025-04-10': 16,
      '2025-04-11': 32,
    };
    for (const [day, quantity] of Object.entries(days)) put(day, quantity);
    const quantityOf = (from: string, to: string) => s.reports.byProduct({ from, to })[0]?.quantity ?? 0;
    expect(quantityOf('2025-01-15', '2025-04-10')).toBe(2 + 4 + 8 + 16);
    expect(quantityOf('2025-01-01', '2025-12-31')).toBe(63);
    expect(quantityOf('2025-02-01', '2025-03-31')).toBe(12);
    expect(quantityOf('2025-01-11', '2025-01-14')).toBe(0);
  });

  it('lists cash sessions: who opened and closed them, where, the cash expected, counted and the difference', async () => {
    const s = await station([
      { username: 'ana', role: 'manager' },
      { username: 'beto', role: 'cashier' },
    ]);
    const mate = s.shop.save('products', { sku: 'MATE', name: 'Mate', price: 2500, active: true });
    s.shop.openCash(5000);
    const sold = s.shop.recordSale({ items: [{ productId: mate.id, quantity: 2 }], paymentMethod: 'cash' });
    s.shop.recordSale({ items: [{ productId: mate.id, quantity: 1 }], paymentMethod: 'card' });
    const voided = s.shop.recordSale({ items: [{ productId: mate.id, quantity: 4 }], paymentMethod: 'cash' });
    s.shop.voidSale(voided.sale.id, 'wrong ticket');
    s.shop.returnItems({
      saleId: sold.sale.id,
      lines: [{ itemId: sold.items[0]?.id as string, quantity: 1 }],
      refund: 'cash',
    });
    s.shop.moveCash('out', 1000, 'change for the bank');
    const today = localDay(sold.sale.createdAt as string);
    const range = { from: today, to: today };
    // Open: what the drawer should hold now, as the till screen computes it (50 + 50 − 25 − 10).
    const [open] = s.reports.cashSessions(range);
    expect(open).toMatchObject({ openedBy: 'ana', closedAt: null, closedBy: null, counted: null, difference: null });
    expect(open?.expected).toBe(6500);
    expect(open?.expected).toBe(s.shop.currentCash()?.report.expected);
    const beto = s.dump().tables.users.find((u) => u.username === 'beto');
    await s.unlock('beto', 'beto-pass');
    s.actAs(beto?.id as string);
    const { closing } = s.shop.closeCash({ '2000': 3 });
    expect(s.reports.cashSessions(range)).toEqual([
      {
        sessionId: open?.sessionId,
        stationId: s.id,
        stationCode: 'TEST01',
        here: true,
        openedAt: open?.openedAt,
        openedBy: 'ana',
        float: 5000,
        closedAt: closing.createdAt,
        closedBy: 'beto',
        expected: 6500,
        counted: 6000,
        difference: -500,
      },
    ]);
    expect(s.reports.cashSessions({ from: '2020-01-01', to: '2020-01-31' })).toEqual([]);
  });

  it('refuses a malformed or backwards period', async () => {
    const s = await station();
    expect(() => s.reports.salesByPeriod({ from: '2026-13', to: '2026-12-01' }, 'day')).toThrow(
      expect.objectContaining({ code: 'VALIDATION' }),
    );
    expect(() => s.reports.byProduct({ from: '2026-12-02', to: '2026-12-01' })).toThrow(/ends before it starts/);
  });
});
