import { DEFAULT_TAX_RATES } from '@mostrador/common';
import { describe, expect, it } from 'vitest';
import type { ProductWithStock } from '../../shared/channels.js';
import { beyondLimit, type CartLine, parseEntry, priceCart, readDiscount, readQuantity } from './logic.js';

describe('what the counter reads', () => {
  it('reads 3*code and code*3 as a multiplier, anything else as a code', () => {
    expect(parseEntry('3*8410000000113')).toEqual({ code: '8410000000113', quantity: '3' });
    expect(parseEntry('8410000000113*3')).toEqual({ code: '8410000000113', quantity: '3' });
    expect(parseEntry('0,350*QUESO')).toEqual({ code: 'QUESO', quantity: '0,350' });
    expect(parseEntry('3*')).toEqual({ code: '', quantity: '3' });
    expect(parseEntry('café molido')).toEqual({ code: 'café molido', quantity: null });
  });

  it('reads whole units, or kilograms as grams for weighed products', () => {
    expect(readQuantity('3', false)).toBe(3);
    expect(readQuantity('1,5', false)).toBeNull();
    expect(readQuantity('', false)).toBeNull();
    expect(readQuantity('0,350', true)).toBe(350);
  });

  it('reads a discount as a percentage or an amount', () => {
    expect(readDiscount('10%')).toEqual({ kind: 'percent', value: 1000 });
    expect(readDiscount('1,50')).toEqual({ kind: 'amount', value: 150 });
    expect(readDiscount('')).toBeNull();
    expect(readDiscount('abc')).toBeUndefined();
  });

  it("prices the cart like the station and tells when a discount passes a cashier's limit", () => {
    const product = { id: 'p', price: 1000, weighed: false, taxRate: 'general' } as unknown as ProductWithStock;
    const line = (discountText: string): CartLine => ({
      key: 'k',
      product,
      unitPrice: 1000,
      quantity: 2,
      quantityText: '2',
      discountText,
      newPrice: null,
      gone: false,
    });
    // 10 % of an odd amount rounds up a cent and is still 10 %.
    const odd = priceCart([{ ...line('10%'), unitPrice: 525, quantity: 1 }], null, DEFAULT_TAX_RATES);
    expect(odd && beyondLimit(odd, 1000)).toBe(false);
    const within = priceCart([line('10%')], null, DEFAULT_TAX_RATES);
    expect(within?.total).toBe(1800);
    expect(beyondLimit(within as NonNullable<typeof within>, 1000)).toBe(false);
    const beyond = priceCart([line('5,00')], null, DEFAULT_TAX_RATES);
    expect(beyond && beyondLimit(beyond, 1000)).toBe(true);
    expect(priceCart([line('30,00')], null, DEFAULT_TAX_RATES)).toBeNull();
  });
});
