import { describe, expect, it } from 'vitest';
import { offlineStationsPerTest } from '../../../../test/support/offline-stations.js';
import type { Station } from '../station.js';

const station = offlineStationsPerTest();

const STAFF = [
  { username: 'admin', role: 'admin' as const },
  { username: 'mgr', role: 'manager' as const },
  { username: 'cash', role: 'cashier' as const },
];

function catalogue(s: Station) {
  const bread = s.shop.save('products', {
    sku: 'PAN',
    name: 'Pan de pueblo',
    price: 150,
    active: true,
    taxRate: 'superReduced',
  });
  const wine = s.shop.save('products', {
    sku: 'VINO',
    barcode: '8410000000113',
    name: 'Vino tinto',
    price: 1000,
    active: true,
  });
  const cheese = s.shop.save('products', {
    sku: 'QUESO',
    name: 'Queso curado',
    price: 1890,
    active: true,
    weighed: true,
    taxRate: 'reduced',
  });
  s.shop.recordPurchase(bread.id, 20);
  s.shop.recordPurchase(wine.id, 10);
  s.shop.recordPurchase(cheese.id, 5000);
  return { bread, wine, cheese };
}

describe('sales at the counter', () => {
  it('records taxes per rate, weighed lines in grams, a ticket discount and the change, and prints them on the ticket', async () => {
    const s = await station();
    const { bread, wine, cheese } = catalogue(s);
    const { sale, items, payments } = s.shop.recordSale({
      items: [
        { productId: bread.id, quantity: 2, unitPrice: 150 },
        { productId: wine.id, quantity: 1, unitPrice: 1000, discount: { kind: 'percent', value: 1000 } },
        { productId: cheese.id, quantity: 350, unitPrice: 1890 },
      ],
      discount: { kind: 'amount', value: 100 },
      payments: [{ method: 'cash', amount: 2000 }],
    });
    // 3,00 + (10,00 − 1,00) + 18,90 × 0,350 = 6,615 → 6,62; total 18,62 − 1,00 = 17,62, the 1,00 shared 16/48/36.
    expect(sale).toMatchObject({ total: 1762, subtotal: 1962, discount: 200, change: 238, paymentMethod: 'cash' });
    expect(sale.number).toBe('TEST01-000001');
    expect(items.map((i) => [i.name, i.quantity, i.weighed, i.taxRate, i.lineTotal])).toEqual([
      ['Pan de pueblo', 2, false, 400, 284],
      ['Vino tinto', 1, false, 2100, 852],
      ['Queso curado', 350, true, 1000, 626],
    ]);
    expect(payments.map((p) => [p.method, p.amount, p.tendered])).toEqual([['cash', 1762, 2000]]);
    expect(s.shop.stockOf(cheese.id)).toBe(4650);
    const ticket = s.shop.ticket(sale.id);
    expect(ticket.taxes).toEqual([
      { rate: 2100, total: 852, base: 704, tax: 148 },
      { rate: 1000, total: 626, base: 569, tax: 57 },
      { rate: 400, total: 284, base: 273, tax: 11 },
    ]);
    expect(ticket).toMatchObject({ total: 1762, change: 238, kind: 'sale', cashier: 'admin' });
  });

  it('splits a payment and refuses one that does not cover the total, writing nothing', async () => {
    const s = await station();
    const { wine } = catalogue(s);
    const split = s.shop.recordSale({
      items: [{ productId: wine.id, quantity: 3 }],
      payments: [
        { method: 'card', amount: 2000 },
        { method: 'cash', amount: 1500 },
      ],
    });
    expect(split.sale).toMatchObject({ paymentMethod: 'split', total: 3000, change: 500 });
    expect(split.payments.map((p) => [p.method, p.amount])).toEqual([
      ['card', 2000],
      ['cash', 1000],
    ]);
    const before = s.dump().tables.sales.length;
    expect(() =>
      s.shop.recordSale({ items: [{ productId: wine.id, quantity: 1 }], payments: [{ method: 'cash', amount: 999 }] }),
    ).toThrow(expect.objectContaining({ code: 'VALIDATION', message: expect.stringMatching(/does not cover/) }));
    expect(s.dump().tables.sales.length).toBe(before);
    expect(s.shop.stockOf(wine.id)).toBe(7);
  });

  it("limits a cashier's discounts to the shop's limit unless a manager approves", async () => {
    const s = await station(STAFF);
    const { wine } = catalogue(s);
    s.shop.saveSettings({ cashierDiscountLimit: 1500 });
    await s.login('cash', 'cash-pass');
    const within = s.shop.recordSale({
      items: [{ productId: wine.id, quantity: 1, discount: { kind: 'percent', value: 1500 } }],
      paymentMethod: 'card',
    });
    expect(within.sale.total).toBe(850);
    const beyond = {
      items: [{ productId: wine.id, quantity: 1, discount: { kind: 'percent' as const, value: 2000 } }],
    };
    expect(() => s.shop.recordSale(beyond)).toThrow(expect.objectContaining({ code: 'FORBIDDEN' }));
    expect(() =>
      s.shop.recordSale({
        ...beyond,
        items: [{ productId: wine.id, quantity: 1 }],
        discount: { kind: 'amount', value: 300 },
      }),
    ).toThrow(expect.objectContaining({ code: 'FORBIDDEN' }));
    await expect(s.shop.approve('cash', 'cash-pass')).rejects.toMatchObject({ code: 'FORBIDDEN' });
    await expect(s.shop.approve('mgr', 'wrong')).rejects.toMatchObject({ code: 'INVALID_CREDENTIALS' });
    const manager = await s.shop.approve('mgr', 'mgr-pass');
    const approved = s.shop.recordSale(beyond, { approvedBy: manager.id });
    expect(approved.sale).toMatchObject({ total: 800, approvedBy: manager.id, userId: s.user?.id });
  });

  it('refuses a price that changed since the ticket showed it, inactive products, and beyond stock when the shop forbids', async () => {
    const s = await station();
    const { wine, bread } = catalogue(s);
    s.shop.save('products', { id: wine.id, price: 1200 });
    expect(() => s.shop.recordSale({ items: [{ productId: wine.id, quantity: 1, unitPrice: 1000 }] })).toThrow(
      expect.objectContaining({ code: 'CONFLICT', message: expect.stringMatching(/price of Vino tinto changed/) }),
    );
    s.shop.save('products', { id: bread.id, active: false });
    expect(() => s.shop.recordSale({ items: [{ productId: bread.id, quantity: 1 }] })).toThrow(/not on sale/);
    expect(s.shop.productByCode('PAN')).toBeNull();
    expect(s.shop.productByCode('8410000000113')?.id).toBe(wine.id);
    const warned = s.shop.recordSale({ items: [{ productId: wine.id, quantity: 12 }] });
    expect(warned.beyondStock).toEqual([{ productId: wine.id, name: 'Vino tinto', stock: 10 }]);
    s.shop.saveSettings({ stockPolicy: 'forbid' });
    expect(() => s.shop.recordSale({ items: [{ productId: wine.id, quantity: 1 }] })).toThrow(/Not enough stock/);
    expect(s.shop.stockOf(wine.id)).toBe(-2);
  });
});

describe('returns and voids', () => {
  it('returns some lines, refunded by the original methods or cash, and never more than was sold', async () => {
    const s = await station(STAFF);
    const { wine, bread } = catalogue(s);
    const { sale, items } = s.shop.recordSale({
      items: [
        { productId: wine.id, quantity: 3 },
        { productId: bread.id, quantity: 1 },
      ],
      discount: { kind: 'amount', value: 100 },
      payments: [
        { method: 'card', amount: 2000 },
        { method: 'cash', amount: 1050 },
      ],
    });
    const wineLine = items[0] as (typeof items)[number];
    // 30,00 of 31,50 carries 95 of the 1,00 discount: the wine line is 29,05, so one bottle refunds 9,68.
    expect(wineLine.lineTotal).toBe(2905);
    const back = s.shop.returnItems({
      saleId: sale.id,
      lines: [{ itemId: wineLine.id, quantity: 1 }],
      refund: 'original',
    });
    expect(back.sale).toMatchObject({ kind: 'return', originalSaleId: sale.id, total: 968, number: 'TEST01-000002' });
    expect(back.payments.map((p) => [p.method, p.amount])).toEqual([['card', 968]]);
    expect(s.shop.stockOf(wine.id)).toBe(8);
    const rest = s.shop.returnItems({ saleId: sale.id, lines: [{ itemId: wineLine.id, quantity: 2 }], refund: 'cash' });
    // The two returns add up to the line exactly.
    expect(rest.sale.total + back.sale.total).toBe(2905);
    expect(rest.payments.map((p) => [p.method, p.amount])).toEqual([['cash', 1937]]);
    expect(() =>
      s.shop.returnItems({ saleId: sale.id, lines: [{ itemId: wineLine.id, quantity: 1 }], refund: 'cash' }),
    ).toThrow(/Only 0 of Vino tinto/);
    expect(s.shop.ticket(rest.sale.id)).toMatchObject({ kind: 'return', originalNumber: sale.number });
    await s.login('mgr', 'mgr-pass');
    expect(() => s.shop.voidSale(sale.id, 'wrong')).toThrow(/has returns/);
    s.shop.voidSale(rest.sale.id, 'returned by mistake');
    expect(s.shop.stockOf(wine.id)).toBe(8);
  });
});

describe('cash sessions', () => {
  it('opens with a float, moves cash, closes with a count by denomination and freezes the Z report', async () => {
    const s = await station(STAFF);
    const { wine } = catalogue(s);
    s.shop.saveSettings({ requireSession: true });
    expect(() => s.shop.recordSale({ items: [{ productId: wine.id, quantity: 1 }] })).toThrow(/Open the cash drawer/);
    await s.login('cash', 'cash-pass');
    s.shop.openCash(10_000);
    expect(() => s.shop.openCash(5000)).toThrow(/already has an open/);
    const cash = s.shop.recordSale({
      items: [{ productId: wine.id, quantity: 2 }],
      payments: [{ method: 'cash', amount: 5000 }],
    });
    s.shop.recordSale({ items: [{ productId: wine.id, quantity: 1 }], paymentMethod: 'card' });
    s.shop.moveCash('out', 1500, 'window cleaner');
    expect(() => s.shop.moveCash('in', 100, ' ')).toThrow(/reason/);
    s.shop.returnItems({
      saleId: cash.sale.id,
      lines: [{ itemId: cash.items[0]?.id as string, quantity: 1 }],
      refund: 'original',
    });
    const now = s.shop.currentCash();
    // 100 + 20 (cash sale) − 10 (refund) − 15 (out) = 95.
    expect(now?.report).toMatchObject({ expected: 9500, sales: { cash: 2000, card: 1000 }, refunds: { cash: 1000 } });
    const closed = s.shop.closeCash({ 5000: 1, 2000: 2, 100: 4 });
    expect(closed.closing).toMatchObject({ expected: 9500, counted: 9400, difference: -100 });
    expect(closed.report).toMatchObject({
      salesCount: 2,
      returnsCount: 1,
      firstNumber: 'TEST01-000001',
      lastNumber: 'TEST01-000003',
    });
    expect(s.shop.currentCash()).toBeNull();
    expect(() => s.shop.moveCash('in', 100, 'late')).toThrow(/No open cash session/);
    expect(() => s.put('cash_closings', { id: closed.closing.id, counted: 9500 })).toThrow(
      expect.objectContaining({ code: 'IMMUTABLE' }),
    );
    expect(s.shop.zReport(closed.closing.sessionId as string)).toMatchObject({ counted: 9400, difference: -100 });
  });
});

describe('search', () => {
  it('ignores accents and case and ranks exact and code matches first', async () => {
    const s = await station();
    s.shop.save('products', { sku: 'CAF-1', name: 'Café molido', price: 300, active: true });
    s.shop.save('products', { sku: 'DESCAF', name: 'Descafeinado', price: 350, active: true });
    s.shop.save('products', { sku: 'X-9', name: 'Leche con café', price: 120, active: true });
    s.shop.save('products', { sku: 'CAFETERA', name: 'Cafetera', price: 2500, active: false });
    const names = (q: string, forSale = false) => s.shop.searchProducts(q, 20, { forSale }).map((p) => p.name);
    expect(names('cafe')).toEqual(['Cafetera', 'Café molido', 'Leche con café', 'Descafeinado']);
    expect(names('CAFÉ', true)).toEqual(['Café molido', 'Leche con café', 'Descafeinado']);
    expect(names('caf-1')).toEqual(['Café molido']);
    expect(names('leche cafe')).toEqual(['Leche con café']);
    s.shop.save('products', { sku: 'CAF-2', name: 'Cafés del mundo', price: 10, active: true });
    expect(names('cafes')).toEqual(['Cafés del mundo']);
  });
});
