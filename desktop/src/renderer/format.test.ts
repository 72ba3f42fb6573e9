import { describe, expect, it } from 'vitest';
import { formatMoney, parseMoney } from './format.js';

describe('money at the counter', () => {
  it('reads amounts typed with a comma or a dot as whole cents', () => {
    expect(parseMoney('2,75')).toBe(275);
    expect(parseMoney('2.75')).toBe(275);
    expect(parseMoney(' 12 ')).toBe(1200);
    expect(parseMoney('0,1')).toBe(10);
    expect(parseMoney('19.99')).toBe(1999);
  });

  it('refuses what is not an amount instead of guessing', () => {
    for (const text of ['', 'abc', '-1', '1,234', '1.2.3', '2,755', '1e3']) expect(parseMoney(text), text).toBeNull();
  });

  it('shows cents with two decimals in the chosen language', () => {
    expect(formatMoney(275, 'es')).toBe('2,75');
    expect(formatMoney(275, 'en')).toBe('2.75');
    expect(formatMoney(123456, 'en')).toBe('1,234.56');
  });
});
