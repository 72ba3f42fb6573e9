import { ERRORS, type ErrorCode, MostradorError } from '@mostrador/common';
import i18next, { type TFunction } from 'i18next';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { offlineStation } from '../../../test/support/station.js';
import type { Station } from '../core/index.js';
import { ChannelError } from '../shared/channel-error.js';
import { describeError, describeReportedError } from './errors.js';
import { en } from './i18n/en.js';
import { es } from './i18n/es.js';

let esT: TFunction;
let enT: TFunction;
let station: Station;
beforeAll(async () => {
  const i18n = i18next.createInstance();
  await i18n.init({ lng: 'es', resources: { es: { translation: es }, en: { translation: en } } });
  esT = i18n.getFixedT('es');
  enT = i18n.getFixedT('en');
  station = await offlineStation();
});
afterAll(() => station?.close());

/** What the core refuses, as the bridge hands it to the renderer. */
function refusal(write: () => unknown): ChannelError {
  try {
    write();
  } catch (error) {
    if (error instanceof MostradorError) return new ChannelError(error.code, error.message);
    throw error;
  }
  throw new Error('the write was accepted');
}

describe('describeError: server and core refusals in the person’s language (issue 13)', () => {
  it('has a sentence for every code of the catalogue in both languages, the Spanish one never the English message', () => {
    for (const code of Object.keys(ERRORS) as ErrorCode[]) {
      const failure = new ChannelError(code, ERRORS[code].message);
      for (const [t, messages] of [
        [esT, es.errors],
        [enT, en.errors],
      ] as const) {
        expect(messages, code).toHaveProperty(code);
        const said = describeError(failure, t);
        expect(said, code).toBe(messages[code as keyof typeof messages]);
      }
      // The Spanish UI never shows the server's English.
      expect(describeError(failure, esT), code).not.toContain(ERRORS[code].message);
    }
  });

  it('names the field of a validation or uniqueness refusal as the form labels it', () => {
    const price = refusal(() =>
      station.shop.save('products', { sku: 'A-1', name: 'Mate', price: 'caro', active: true }),
    );
    expect(price.code).toBe('VALIDATION');
    expect(describeError(price, esT)).toBe('Revise «Precio»: el valor no es válido.');
    expect(describeError(price, enT)).toBe('Check “Price”: the value is not valid.');
    station.shop.save('products', { sku: 'A-1', name: 'Mate', price: 100, active: true });
    const sku = refusal(() => station.shop.save('products', { sku: 'A-1', name: 'Otro', price: 100, active: true }));
    expect(sku.code).toBe('UNIQUE_VIOLATION');
    expect(describeError(sku, esT)).toBe('Ya existe otro registro con el mismo «Código».');
    // The server's wording of the same refusal (a refused push) reads the same.
    const server = new ChannelError('UNIQUE_VIOLATION', 'Another products row already has this sku.');
    expect(describeError(server, esT)).toBe('Ya existe otro registro con el mismo «Código».');
  });

  it('says which password rule failed, why the last admin stays, and what a shop rule wants', () => {
    const weak = new ChannelError('VALIDATION', 'WEAK_PASSWORD/too_common: The password is one of the most common.');
    expect(describeError(weak, esT)).toBe(es.errors.weakPassword.too_common);
    expect(describeError(weak, enT)).toBe(en.errors.weakPassword.too_common);
    const last = new ChannelError('CONFLICT', 'LAST_ADMIN: admin is the last active admin');
    expect(describeError(last, esT)).toBe(es.errors.LAST_ADMIN);
    const empty = refusal(() => station.shop.recordSale({ items: [], paymentMethod: 'cash' }));
    expect(describeError(empty, esT)).toBe('Añada al menos una línea.');
  });

  it('falls back to a sentence in the UI language for what it does not know, and reads a station’s reported error', () => {
    const odd = new ChannelError('SOMETHING_NEW', 'A brand new English message.');
    expect(describeError(odd, esT)).toBe(es.errors.generic);
    expect(describeError(new Error('boom'), enT)).toBe(en.errors.INTERNAL);
    expect(describeError(new ChannelError('VALIDATION', 'querystring/cursor: must be a whole number'), esT)).toBe(
      es.errors.VALIDATION,
    );
    expect(describeReportedError('CLOCK_AHEAD: The row’s version is stamped too far ahead', esT)).toBe(
      es.errors.CLOCK_AHEAD,
    );
    expect(describeReportedError('socket hang up', esT)).toBe(es.errors.generic);
  });
});
