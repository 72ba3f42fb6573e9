import i18next from 'i18next';
import { describe, expect, it } from 'vitest';
import { clockWords, formatMoney, parseMoney } from './format.js';
import { en } from './i18n/en.js';
import { es } from './i18n/es.js';

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

describe('a clock far from the server, in words', () => {
  it('says how far ahead or behind, past a minute, in both languages', async () => {
    const i18n = i18next.createInstance();
    await i18n.init({ lng: 'es', resources: { es: { translation: es }, en: { translation: en } } });
    const esT = i18n.getFixedT('es');
    const enT = i18n.getFixedT('en');
    expect(clockWords(600_000, esT)).toBe('Reloj 10 min adelantado');
    expect(clockWords(-2 * 3_600_000, esT)).toBe('Reloj 2 h atrasado');
    expect(clockWords(600_000, enT)).toBe('Clock 10 min ahead');
    // Small differences are corrected by themselves: nothing to say.
    expect(clockWords(30_000, esT)).toBeNull();
    expect(clockWords(null, esT)).toBeNull();
  });
});
