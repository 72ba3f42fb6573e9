/**
 * The money rules, shared by the station core (which records sales) and the renderer (which
 * shows the ticket before it is recorded), so the screen and the record cannot disagree.
 *
 * - Every amount is an integer number of cents. Percentages and tax rates are integer basis
 *   points (hundredths of a percent: 21 % is 2100).
 * - One rounding rule, everywhere: to the nearest cent, half away from zero
 *   (`roundDiv`). No floating point touches a stored amount.
 * - Prices are entered tax-included. A ticket's tax is worked out per rate on the sum of
 *   that rate's lines, as a Spanish simplified invoice does: base = total / (1 + rate),
 *   rounded; tax = total − base. So base + tax is always exactly the charged total.
 * - Weighed products keep their price per kilogram and their quantity in grams (an
 *   integer); a line's amount is price × grams / 1000, rounded.
 * - Discounts: per line (on that line's amount) and per ticket (on the total after line
 *   discounts), each a percentage or an amount. A ticket discount is shared among the
 *   lines in proportion to their amounts (largest remainder), so every line and every tax
 *   rate knows its net amount and the shares add up to the discount exactly.
 * - Payment: any number of parts (cash, card, other). Only cash may exceed what is owed;
 *   the excess is the change due.
 */

export const TAX_RATE_KINDS = ['general', 'reduced', 'superReduced', 'exempt'] as const;
export type TaxRateKind = (typeof TAX_RATE_KINDS)[number];
/** Basis points per kind of rate; set per shop. */
export type TaxRates = Record<TaxRateKind, number>;
/** Spain's IVA rates (2026): 21 %, 10 %, 4 %, exempt. */
export const DEFAULT_TAX_RATES: TaxRates = { general: 2100, reduced: 1000, superReduced: 400, exempt: 0 };

export type Discount = { kind: 'percent'; value: number } | { kind: 'amount'; value: number };

export const PAYMENT_METHODS = ['cash', 'card', 'other'] as const;
export type PaymentMethodName = (typeof PAYMENT_METHODS)[number];

export class MoneyError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'MoneyError';
  }
}

function requireInteger(value: number, what: string, minimum = 0): void {
  if (!Number.isSafeInteger(value) || value < minimum) {
    throw new MoneyError(`${what} must be a whole number${minimum === 0 ? ' of at least 0' : ` ≥ ${minimum}`}.`);
  }
}

/** numerator / denominator to the nearest integer, halves away from zero. Integers only. */
export function roundDiv(numerator: number, denominator: number): number {
  if (!Number.isSafeInteger(numerator) || !Number.isSafeInteger(denominator) || denominator === 0) {
    throw new MoneyError('roundDiv takes integers and a non-zero denominator.');
  }
  const sign = Math.sign(numerator) * Math.sign(denominator);
  const n = Math.abs(numerator);
  const d = Math.abs(denominator);
  const quotient = Math.floor(n / d);
  const remainder = n - quotient * d;
  return sign * (remainder * 2 >= d ? quotient + 1 : quotient);
}

/** What a quantity costs before discounts: units × price, or grams × price per kg / 1000. */
export function lineAmount(unitPrice: number, quantity: number, weighed = false): number {
  requireInteger(unitPrice, 'A price');
  requireInteger(quantity, weighed ? 'A weight in grams' : 'A quantity', 1);
  return weighed ? roundDiv(unitPrice * quantity, 1000) : unitPrice * quantity;
}

/** Cents a discount takes off an amount; never more than the amount. */
export function discountOf(amount: number, discount: Discount | null | undefined): number {
  if (!discount) return 0;
  requireInteger(discount.value, 'A discount');
  if (discount.kind === 'percent') {
    if (discount.value > 10_000) throw new MoneyError('A discount cannot be more than 100 %.');
    return roundDiv(amount * discount.value, 10_000);
  }
  if (discount.value > amount) throw new MoneyError('A discount cannot be more than the amount it applies to.');
  return discount.value;
}

/** A discount as basis points of the amount it applies to. */
export function discountShare(amount: number, discounted: number): number {
  return amount === 0 ? 0 : roundDiv(discounted * 10_000, amount);
}

/**
 * Whether `discounted` cents off `amount` stays within a limit in basis points: no more than
 * the limit's own percentage would take, rounded the same way (10 % of 5,25 is 0,53).
 */
export function withinLimit(amount: number, discounted: number, limit: number): boolean {
  return discounted <= roundDiv(amount * limit, 10_000);
}

/** Splits `total` among `weights` in proportion (largest remainder, ties to the earlier line). */
export function allocate(total: number, weights: readonly number[]): number[] {
  requireInteger(total, 'An amount to share');
  const sum = weights.reduce((a, b) => a + b, 0);
  if (sum === 0) return weights.map(() => 0);
  const shares = weights.map((w) => Math.floor((total * w) / sum));
  let left = total - shares.reduce((a, b) => a + b, 0);
  const byRemainder = weights
    .map((w, index) => ({ index, remainder: (total * w) % sum }))
    .sort((a, b) => b.remainder - a.remainder || a.index - b.index);
  for (const { index } of byRemainder) {
    if (left === 0) break;
    shares[index] = (shares[index] as number) + 1;
    left -= 1;
  }
  return shares;
}

/** Base and tax of a tax-included amount at a rate (basis points). */
export function splitTax(total: number, rate: number): { base: number; tax: number } {
  requireInteger(rate, 'A tax rate');
  const base = roundDiv(total * 10_000, 10_000 + rate);
  return { base, tax: total - base };
}

export interface TicketLineInput {
  unitPrice: number;
  /** Units, or grams when weighed. */
  quantity: number;
  weighed?: boolean;
  /** Basis points. */
  taxRate: number;
  discount?: Discount | null;
}

export interface PricedLine {
  /** Before any discount. */
  amount: number;
  /** The line's own discount. */
  discount: number;
  /** Its share of the ticket discount. */
  ticketDiscount: number;
  /** What the line is charged: amount − discount − ticketDiscount. */
  total: number;
  taxRate: number;
}

export interface TaxLine {
  rate: number;
  base: number;
  tax: number;
  total: number;
}

export interface PricedTicket {
  lines: PricedLine[];
  /** Sum of line amounts before discounts. */
  subtotal: number;
  lineDiscounts: number;
  ticketDiscount: number;
  total: number;
  /** One entry per tax rate present, highest rate first. */
  taxes: TaxLine[];
}

/** Prices a whole ticket: line amounts, discounts, total and the taxes per rate. */
export function priceTicket(inputs: readonly TicketLineInput[], ticketDiscount?: Discount | null): PricedTicket {
  const partial = inputs.map((line) => {
    const amount = lineAmount(line.unitPrice, line.quantity, line.weighed);
    const discount = discountOf(amount, line.discount);
    return { amount, discount, net: amount - discount, taxRate: line.taxRate };
  });
  const afterLines = partial.reduce((sum, line) => sum + line.net, 0);
  const off = discountOf(afterLines, ticketDiscount);
  const shares = allocate(
    off,
    partial.map((line) => line.net),
  );
  const lines = partial.map((line, index) => {
    const share = shares[index] as number;
    return {
      amount: line.amount,
      discount: line.discount,
      ticketDiscount: share,
      total: line.net - share,
      taxRate: line.taxRate,
    };
  });
  return {
    lines,
    subtotal: partial.reduce((sum, line) => sum + line.amount, 0),
    lineDiscounts: partial.reduce((sum, line) => sum + line.discount, 0),
    ticketDiscount: off,
    total: afterLines - off,
    taxes: taxesOf(lines),
  };
}

/** Taxes per rate over lines that know their charged total. */
export function taxesOf(lines: readonly { total: number; taxRate: number }[]): TaxLine[] {
  const byRate = new Map<number, number>();
  for (const line of lines) byRate.set(line.taxRate, (byRate.get(line.taxRate) ?? 0) + line.total);
  return [...byRate.entries()]
    .sort((a, b) => b[0] - a[0])
    .map(([rate, total]) => ({ rate, total, ...splitTax(total, rate) }));
}

export interface PaymentInput {
  method: PaymentMethodName;
  /** What the customer hands over in this method (for cash, the amount tendered). */
  amount: number;
}

export interface SettledPayment {
  method: PaymentMethodName;
  /** The part of the total this payment covers. */
  amount: number;
  /** For cash: what was handed over (amount + change). */
  tendered: number;
}

export interface Settlement {
  payments: SettledPayment[];
  change: number;
}

/**
 * Checks a payment against what is owed and works out the change. Card and other parts may
 * not exceed what is owed; cash covers the rest and any excess is change.
 */
export function settle(total: number, inputs: readonly PaymentInput[]): Settlement {
  requireInteger(total, 'A total');
  if (inputs.length === 0) throw new MoneyError('A payment needs at least one part.');
  for (const input of inputs) {
    if (!PAYMENT_METHODS.includes(input.method)) throw new MoneyError(`Unknown payment method ${input.method}.`);
    requireInteger(input.amount, 'A payment');
  }
  const nonCash = inputs.filter((p) => p.method !== 'cash').reduce((sum, p) => sum + p.amount, 0);
  const cash = inputs.filter((p) => p.method === 'cash').reduce((sum, p) => sum + p.amount, 0);
  if (nonCash > total) throw new MoneyError('Card and other payments cannot exceed the total.');
  if (nonCash + cash < total) throw new MoneyError('The payment does not cover the total.');
  const change = nonCash + cash - total;
  let changeLeft = change;
  const payments = inputs
    .filter((p) => p.amount > 0 || inputs.length === 1)
    .map((p) => {
      if (p.method !== 'cash') return { method: p.method, amount: p.amount, tendered: p.amount };
      const back = Math.min(changeLeft, p.amount);
      changeLeft -= back;
      return { method: p.method, amount: p.amount - back, tendered: p.amount };
    });
  return { payments, change };
}

/** Euro notes and coins, in cents, largest first: the denominations of a cash count. */
export const DENOMINATIONS = [50000, 20000, 10000, 5000, 2000, 1000, 500, 200, 100, 50, 20, 10, 5, 2, 1] as const;

/** The total of a count by denomination ({cents of the note or coin: how many}). */
export function countTotal(counts: Readonly<Record<string, number>>): number {
  let total = 0;
  for (const [denomination, count] of Object.entries(counts)) {
    const value = Number(denomination);
    if (!(DENOMINATIONS as readonly number[]).includes(value))
      throw new MoneyError(`${denomination} is not a euro note or coin.`);
    requireInteger(count, 'A count');
    total += value * count;
  }
  return total;
}

/** Reads "12,50", "12.5" or "12" as cents; null when it is not an amount (at most 2 decimals). */
export function parseAmount(text: string): number | null {
  const clean = text.trim().replace(/\s/g, '').replace(',', '.');
  if (!/^\d+(\.\d{0,2})?$/.test(clean)) return null;
  const [whole, fraction = ''] = clean.split('.');
  return Number(whole) * 100 + Number(fraction.padEnd(2, '0'));
}

/** Reads a weight in kilograms ("0,350") as grams; null when it is not one (at most 3 decimals). */
export function parseKilograms(text: string): number | null {
  const clean = text.trim().replace(/\s/g, '').replace(',', '.');
  if (!/^\d+(\.\d{0,3})?$/.test(clean)) return null;
  const [whole, fraction = ''] = clean.split('.');
  const grams = Number(whole) * 1000 + Number(fraction.padEnd(3, '0'));
  return grams > 0 ? grams : null;
}

/** Reads a percentage ("10", "12,5") as basis points; null when it is not one in 0–100. */
export function parsePercent(text: string): number | null {
  const clean = text.trim().replace(/\s/g, '').replace('%', '').replace(',', '.');
  if (!/^\d+(\.\d{0,2})?$/.test(clean)) return null;
  const [whole, fraction = ''] = clean.split('.');
  const points = Number(whole) * 100 + Number(fraction.padEnd(2, '0'));
  return points <= 10_000 ? points : null;
}
