import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  allocate,
  countTotal,
  DEFAULT_TAX_RATES,
  discountOf,
  lineAmount,
  MoneyError,
  parseAmount,
  parseKilograms,
  parsePercent,
  priceTicket,
  roundDiv,
  settle,
  splitTax,
  withinLimit,
} from './money.js';

describe('rounding', () => {
  it('rounds to the nearest integer, halves away from zero', () => {
    expect(roundDiv(5, 2)).toBe(3);
    expect(roundDiv(-5, 2)).toBe(-3);
    expect(roundDiv(7, 3)).toBe(2);
    expect(roundDiv(8, 3)).toBe(3);
    expect(roundDiv(-8, 3)).toBe(-3);
    expect(roundDiv(1249, 1000)).toBe(1);
    expect(roundDiv(1500, 1000)).toBe(2);
  });
});

describe('lines', () => {
  it('charges units × price, and weighed items by the gram', () => {
    expect(lineAmount(125, 3)).toBe(375);
    // 1,99 €/kg × 0,333 kg = 0,66267 → 0,66
    expect(lineAmount(199, 333, true)).toBe(66);
    // 12,90 €/kg × 0,250 kg = 3,225 → 3,23 (half away from zero)
    expect(lineAmount(1290, 250, true)).toBe(323);
  });

  it('refuses fractional, zero or negative quantities and prices', () => {
    expect(() => lineAmount(100, 0)).toThrow(MoneyError);
    expect(() => lineAmount(100, 1.5)).toThrow(MoneyError);
    expect(() => lineAmount(-1, 1)).toThrow(MoneyError);
  });

  it('takes percentage and amount discounts, never more than the amount', () => {
    expect(discountOf(1999, { kind: 'percent', value: 1000 })).toBe(200); // 199,9 → 200
    expect(discountOf(1000, { kind: 'amount', value: 250 })).toBe(250);
    expect(() => discountOf(1000, { kind: 'amount', value: 1001 })).toThrow(MoneyError);
    expect(() => discountOf(1000, { kind: 'percent', value: 10_001 })).toThrow(MoneyError);
    expect(discountOf(1000, null)).toBe(0);
  });

  it('keeps a percentage discount within a limit of the same percentage, whatever its rounding', () => {
    // 10 % of 5,25 is 0,525 → 0,53: still within a 10 % limit; 0,54 is not.
    expect(withinLimit(525, discountOf(525, { kind: 'percent', value: 1000 }), 1000)).toBe(true);
    expect(withinLimit(525, 54, 1000)).toBe(false);
    expect(withinLimit(0, 0, 0)).toBe(true);
  });
});

describe('taxes', () => {
  it('splits a tax-included amount into base and tax at each IVA rate', () => {
    expect(splitTax(121, DEFAULT_TAX_RATES.general)).toEqual({ base: 100, tax: 21 });
    expect(splitTax(1000, DEFAULT_TAX_RATES.general)).toEqual({ base: 826, tax: 174 }); // 826,446…
    expect(splitTax(1000, DEFAULT_TAX_RATES.reduced)).toEqual({ base: 909, tax: 91 });
    expect(splitTax(1000, DEFAULT_TAX_RATES.superReduced)).toEqual({ base: 962, tax: 38 });
    expect(splitTax(1000, DEFAULT_TAX_RATES.exempt)).toEqual({ base: 1000, tax: 0 });
  });

  it('works the tax out per rate on the sum of its lines, not line by line', () => {
    // Three lines of 0,10 at 21 %: per line 0,08 + 0,02 would make a tax of 0,06; on the sum 0,30 it is 0,05.
    const ticket = priceTicket([
      { unitPrice: 10, quantity: 1, taxRate: 2100 },
      { unitPrice: 10, quantity: 1, taxRate: 2100 },
      { unitPrice: 10, quantity: 1, taxRate: 2100 },
      { unitPrice: 250, quantity: 2, taxRate: 1000 },
    ]);
    expect(ticket.taxes).toEqual([
      { rate: 2100, total: 30, base: 25, tax: 5 },
      { rate: 1000, total: 500, base: 455, tax: 45 },
    ]);
    expect(ticket.total).toBe(530);
  });

  it('always adds base and tax up to the total charged, for any ticket', () => {
    const line = fc.record({
      unitPrice: fc.integer({ min: 0, max: 100_000 }),
      quantity: fc.integer({ min: 1, max: 50 }),
      taxRate: fc.constantFrom(2100, 1000, 400, 0),
      discount: fc.option(
        fc.record({ kind: fc.constant('percent' as const), value: fc.integer({ min: 0, max: 10_000 }) }),
      ),
    });
    fc.assert(
      fc.property(
        fc.array(line, { minLength: 1, maxLength: 12 }),
        fc.integer({ min: 0, max: 10_000 }),
        (lines, pct) => {
          const ticket = priceTicket(lines, { kind: 'percent', value: pct });
          const taxed = ticket.taxes.reduce((sum, t) => sum + t.base + t.tax, 0);
          expect(taxed).toBe(ticket.total);
          expect(ticket.lines.reduce((sum, l) => sum + l.total, 0)).toBe(ticket.total);
          expect(ticket.subtotal - ticket.lineDiscounts - ticket.ticketDiscount).toBe(ticket.total);
          for (const l of ticket.lines) expect(l.total).toBeGreaterThanOrEqual(0);
        },
      ),
    );
  });
});

describe('ticket discounts', () => {
  it('shares a ticket discount among lines in proportion, adding up exactly', () => {
    expect(allocate(100, [1, 1, 1])).toEqual([34, 33, 33]);
    expect(allocate(0, [5, 5])).toEqual([0, 0]);
    const ticket = priceTicket(
      [
        { unitPrice: 1000, quantity: 1, taxRate: 2100, discount: { kind: 'percent', value: 1000 } },
        { unitPrice: 500, quantity: 2, taxRate: 1000 },
      ],
      { kind: 'amount', value: 190 },
    );
    // Line 1: 10,00 − 10 % = 9,00; line 2: 10,00. Ticket discount 1,90 shared 9:10 → 0,90 and 1,00.
    expect(ticket.lines.map((l) => [l.amount, l.discount, l.ticketDiscount, l.total])).toEqual([
      [1000, 100, 90, 810],
      [1000, 0, 100, 900],
    ]);
    expect(ticket).toMatchObject({ subtotal: 2000, lineDiscounts: 100, ticketDiscount: 190, total: 1710 });
  });
});

describe('payment and change', () => {
  it('gives change from cash only', () => {
    expect(settle(1375, [{ method: 'cash', amount: 2000 }])).toEqual({
      payments: [{ method: 'cash', amount: 1375, tendered: 2000 }],
      change: 625,
    });
    expect(settle(1375, [{ method: 'card', amount: 1375 }]).change).toBe(0);
  });

  it('splits a payment between card and cash', () => {
    expect(
      settle(5000, [
        { method: 'card', amount: 3000 },
        { method: 'cash', amount: 2500 },
      ]),
    ).toEqual({
      payments: [
        { method: 'card', amount: 3000, tendered: 3000 },
        { method: 'cash', amount: 2000, tendered: 2500 },
      ],
      change: 500,
    });
  });

  it('refuses a payment short of the total or a card above it', () => {
    expect(() => settle(1000, [{ method: 'cash', amount: 999 }])).toThrow(/does not cover/);
    expect(() => settle(1000, [{ method: 'card', amount: 1200 }])).toThrow(/cannot exceed/);
    expect(() => settle(1000, [])).toThrow(MoneyError);
  });
});

describe('counting and reading amounts', () => {
  it('adds a cash count by denomination', () => {
    expect(countTotal({ 5000: 1, 1000: 2, 200: 3, 5: 1 })).toBe(7605);
    expect(() => countTotal({ 300: 1 })).toThrow(MoneyError);
  });

  it('reads amounts, weights and percentages as integers, without floating point', () => {
    expect(parseAmount('12,50')).toBe(1250);
    expect(parseAmount('0.29')).toBe(29);
    expect(parseAmount('1,005')).toBeNull();
    expect(parseKilograms('0,350')).toBe(350);
    expect(parseKilograms('1,5')).toBe(1500);
    expect(parseKilograms('0')).toBeNull();
    expect(parsePercent('12,5')).toBe(1250);
    expect(parsePercent('101')).toBeNull();
  });
});
