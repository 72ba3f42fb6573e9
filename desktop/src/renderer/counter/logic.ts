/**
 * The counter's rules that need no screen: reading what was typed or scanned (`3*code`,
 * `code*3`, weights in kg), discounts ("10%" or "1,50"), and pricing the ticket with the same
 * money rules the station records it with (common/src/money.ts).
 */
import {
  type Discount,
  type PricedTicket,
  parseAmount,
  parseKilograms,
  parsePercent,
  priceTicket,
  type TaxRateKind,
  type TaxRates,
  withinLimit,
} from '@mostrador/common/money';
import type { ProductWithStock } from '../../shared/channels.js';

export interface Entry {
  code: string;
  /** The multiplier as typed ("3", "0,350"), when there is one. */
  quantity: string | null;
}

const NUMBER = '(\\d+(?:[.,]\\d{1,3})?)';
const BEFORE = new RegExp(`^${NUMBER}\\s*\\*\\s*(.*)$`);
const AFTER = new RegExp(`^(.*?)\\s*\\*\\s*${NUMBER}$`);

/**
 * `3*code` or `code*3`: the code and its multiplier; anything else is a plain code. When both
 * sides are numbers (`3*8410000000113`), the multiplier is the shorter one.
 */
export function parseEntry(text: string): Entry {
  const trimmed = text.trim();
  const candidates: Entry[] = [];
  const before = BEFORE.exec(trimmed);
  if (before) candidates.push({ code: (before[2] ?? '').trim(), quantity: before[1] ?? null });
  const after = AFTER.exec(trimmed);
  if (after) candidates.push({ code: (after[1] ?? '').trim(), quantity: after[2] ?? null });
  const fitting = candidates.filter((c) => (c.quantity ?? '').length <= 7);
  fitting.sort((a, b) => (a.quantity ?? '').length - (b.quantity ?? '').length);
  return fitting[0] ?? { code: trimmed, quantity: null };
}

/** A quantity as typed: whole units, or kilograms (stored as grams) for a weighed product; null when invalid. */
export function readQuantity(text: string, weighed: boolean): number | null {
  if (weighed) return parseKilograms(text);
  const clean = text.trim();
  if (!/^\d+$/.test(clean)) return null;
  const units = Number(clean);
  return units >= 1 && units <= 100_000 ? units : null;
}

/** A quantity as shown: units, or kilograms with three decimals. */
export function showQuantity(quantity: number, weighed: boolean, language: string): string {
  if (!weighed) return String(quantity);
  return new Intl.NumberFormat(language, { minimumFractionDigits: 3, maximumFractionDigits: 3 }).format(
    quantity / 1000,
  );
}

/** "10%" is a percentage, "1,50" an amount; "" no discount; undefined when it is neither. */
export function readDiscount(text: string): Discount | null | undefined {
  const clean = text.trim();
  if (!clean) return null;
  if (clean.endsWith('%')) {
    const points = parsePercent(clean);
    return points === null ? undefined : { kind: 'percent', value: points };
  }
  const cents = parseAmount(clean);
  return cents === null ? undefined : { kind: 'amount', value: cents };
}

export interface CartLine {
  key: string;
  product: ProductWithStock;
  /** The price the ticket shows and charges (per kg when weighed). */
  unitPrice: number;
  /** Units, or grams. */
  quantity: number;
  /** The quantity field while being edited. */
  quantityText: string;
  discountText: string;
  /** The product's current price when it changed elsewhere since it was added: shown until confirmed. */
  newPrice: number | null;
  /** Deleted or made inactive elsewhere since it was added. */
  gone: boolean;
}

export function rateOf(rates: TaxRates, product: ProductWithStock): number {
  const kind = (product.taxRate as TaxRateKind | null | undefined) ?? 'general';
  return rates[kind] ?? rates.general;
}

/** The ticket as the station will record it; null when a discount does not fit (the screen says which). */
export function priceCart(lines: CartLine[], ticketDiscount: Discount | null, rates: TaxRates): PricedTicket | null {
  try {
    return priceTicket(
      lines.map((line) => ({
        unitPrice: line.unitPrice,
        quantity: line.quantity,
        weighed: line.product.weighed === true,
        taxRate: rateOf(rates, line.product),
        discount: readDiscount(line.discountText) ?? null,
      })),
      ticketDiscount,
    );
  } catch {
    return null;
  }
}

/** Whether any discount on the ticket goes beyond a limit (basis points). */
export function beyondLimit(priced: PricedTicket, limit: number): boolean {
  const afterLines = priced.subtotal - priced.lineDiscounts;
  return (
    priced.lines.some((line) => !withinLimit(line.amount, line.discount, limit)) ||
    !withinLimit(afterLines, priced.ticketDiscount, limit)
  );
}
