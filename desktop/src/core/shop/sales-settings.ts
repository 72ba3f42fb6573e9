import { type AnyRow, DEFAULT_TAX_RATES, type ShopSettings, type TaxRateKind } from '@mostrador/common';

export type { ShopSettings };

import type { LocalStore } from '../store/store.js';

/** The one shop_settings row every station edits (admin only; last writer wins). */
export const SHOP_SETTINGS_ID = '0192f000-0000-7000-8000-00000000510a';

/**
 * Defaults when the admin has not set them: Spain's IVA rates, a cashier may discount up to
 * 10 %, selling beyond stock warns, and a station may sell without an open cash session.
 */
export const DEFAULT_SETTINGS: ShopSettings = {
  shopName: '',
  taxId: '',
  address: '',
  receiptFooter: '',
  taxRates: DEFAULT_TAX_RATES,
  cashierDiscountLimit: 1000,
  stockPolicy: 'warn',
  requireSession: false,
};

export function readSettings(store: LocalStore): ShopSettings {
  return settingsOf(store.rows.get('shop_settings', SHOP_SETTINGS_ID));
}

export function settingsOf(row: AnyRow | null): ShopSettings {
  if (!row || row.deletedAt) return DEFAULT_SETTINGS;
  const number = (value: unknown, fallback: number) => (typeof value === 'number' ? value : fallback);
  const text = (value: unknown) => (typeof value === 'string' ? value : '');
  return {
    shopName: text(row.shopName),
    taxId: text(row.taxId),
    address: text(row.address),
    receiptFooter: text(row.receiptFooter),
    taxRates: {
      general: number(row.rateGeneral, DEFAULT_TAX_RATES.general),
      reduced: number(row.rateReduced, DEFAULT_TAX_RATES.reduced),
      superReduced: number(row.rateSuperReduced, DEFAULT_TAX_RATES.superReduced),
      exempt: 0,
    },
    cashierDiscountLimit: number(row.cashierDiscountLimit, DEFAULT_SETTINGS.cashierDiscountLimit),
    stockPolicy: row.stockPolicy === 'forbid' ? 'forbid' : 'warn',
    requireSession: row.requireSession === true,
  };
}

/** The settings as the shop_settings row stores them. */
export function settingsRow(settings: Partial<ShopSettings>): Record<string, unknown> {
  const row: Record<string, unknown> = { id: SHOP_SETTINGS_ID };
  if (settings.shopName !== undefined) row.shopName = settings.shopName || null;
  if (settings.taxId !== undefined) row.taxId = settings.taxId || null;
  if (settings.address !== undefined) row.address = settings.address || null;
  if (settings.receiptFooter !== undefined) row.receiptFooter = settings.receiptFooter || null;
  if (settings.taxRates) {
    row.rateGeneral = settings.taxRates.general;
    row.rateReduced = settings.taxRates.reduced;
    row.rateSuperReduced = settings.taxRates.superReduced;
  }
  if (settings.cashierDiscountLimit !== undefined) row.cashierDiscountLimit = settings.cashierDiscountLimit;
  if (settings.stockPolicy !== undefined) row.stockPolicy = settings.stockPolicy;
  if (settings.requireSession !== undefined) row.requireSession = settings.requireSession;
  return row;
}

/** The IVA rate of a product, in basis points, under the shop's rates (no rate: general). */
export function rateOf(settings: ShopSettings, product: AnyRow): number {
  const kind = (product.taxRate as TaxRateKind | null) ?? 'general';
  return settings.taxRates[kind] ?? settings.taxRates.general;
}

/**
 * The short code sale numbers start with (`C1` in `C1-000123`): set by an admin per station,
 * or made from the station's name ("Caja 1" → "C1"), or the enrolled id's tail.
 */
export function ticketCodeOf(store: LocalStore): string {
  const set = store.meta.get('ticketCode');
  if (set) return set;
  const name = store.meta.get('stationName') ?? '';
  const derived = name
    .normalize('NFD')
    .replace(/\p{Diacritic}/gu, '')
    .split(/\s+/)
    .map((word) => (/^\d+$/.test(word) ? word : (word[0] ?? '').toUpperCase()))
    .join('')
    .replace(/[^A-Z0-9]/g, '')
    .slice(0, 6);
  return /\d/.test(derived) ? derived : (store.meta.get('stationCode') ?? 'ST');
}
