/**
 * What the counter, the tickets and the cash drawer exchange between the station core and the
 * screens (issue 10): plain data, amounts in integer cents (see money.ts).
 */
import type { TaxLine, TaxRates } from './money.js';

export interface ShopSettings {
  shopName: string;
  taxId: string;
  address: string;
  receiptFooter: string;
  taxRates: TaxRates;
  /** Basis points a cashier may discount (a line or the ticket) without a manager. */
  cashierDiscountLimit: number;
  /** Selling more than the stock: warn at the counter, or refuse the sale. */
  stockPolicy: 'warn' | 'forbid';
  /** A station sells only with an open cash session. */
  requireSession: boolean;
}

export interface TicketLine {
  name: string;
  /** Units, or grams when weighed. */
  quantity: number;
  weighed: boolean;
  unitPrice: number;
  /** The line's discount plus its share of the ticket discount. */
  discount: number;
  total: number;
  taxRate: number;
}

/** Everything a printed ticket shows, as data; the renderer lays it out. */
export interface Ticket {
  saleId: string;
  kind: 'sale' | 'return';
  number: string;
  /** For a return: the number of the sale it returns. */
  originalNumber: string | null;
  status: 'completed' | 'voided';
  voidReason: string | null;
  date: string;
  shop: { name: string; taxId: string; address: string; footer: string };
  station: string;
  cashier: string;
  approvedBy: string | null;
  lines: TicketLine[];
  subtotal: number;
  discount: number;
  total: number;
  taxes: TaxLine[];
  payments: { method: string; amount: number; tendered: number | null }[];
  change: number;
}

/** The figures of a cash session: what the drawer should hold and the Z report's totals. */
export interface SessionReport {
  sessionId: string;
  stationId: string;
  openedAt: string;
  openedBy: string;
  float: number;
  /** Payments of completed sales by method (cash: what stayed in the drawer, net of change). */
  sales: Record<'cash' | 'card' | 'other', number>;
  /** Refunds of completed returns by method. */
  refunds: Record<'cash' | 'card' | 'other', number>;
  cashIn: number;
  cashOut: number;
  /** float + cash sales − cash refunds + cash in − cash out. */
  expected: number;
  salesCount: number;
  salesTotal: number;
  returnsCount: number;
  returnsTotal: number;
  voidsCount: number;
  voidsTotal: number;
  discounts: number;
  /** Net of returns, per IVA rate. */
  taxes: TaxLine[];
  firstNumber: string | null;
  lastNumber: string | null;
}

export interface ZReport {
  closingId: string | null;
  shop: { name: string; taxId: string };
  station: string;
  openedBy: string;
  closedBy: string | null;
  closedAt: string | null;
  report: SessionReport;
  counted: number | null;
  difference: number | null;
  counts: Record<string, number>;
}
