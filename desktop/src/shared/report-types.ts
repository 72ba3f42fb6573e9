/** The shapes of the station's reports; the channel map and the renderer use them too. */

export type ReportGranularity = 'day' | 'week' | 'month';

/** Local days, both included, as YYYY-MM-DD. */
export interface ReportRange {
  from: string;
  to: string;
}

export interface PeriodReportRow {
  /** YYYY-MM-DD for days, the Monday for weeks, YYYY-MM for months. */
  period: string;
  sales: number;
  total: number;
  voided: number;
  voidedTotal: number;
}

export interface SalesReportRow {
  key: string;
  label: string;
  sales: number;
  total: number;
}

export interface ProductReportRow {
  productId: string;
  sku: string | null;
  name: string;
  category: string | null;
  quantity: number;
  amount: number;
  /** Today's cost × quantity; null when the product has no cost. */
  cost: number | null;
  margin: number | null;
}

export interface CategoryReportRow {
  category: string | null;
  quantity: number;
  amount: number;
  /** The part of `amount` sold by products that have a cost, which `margin` covers. */
  amountWithCost: number;
  margin: number;
}

export interface TaxReportRow {
  /** Basis points (2100 = 21 %), or null when the lines carry no rate. */
  rate: number | null;
  lines: number;
  gross: number;
  base: number;
  tax: number;
}

/** A cash session of any station (issue 13): who opened and closed it, where, and the cash it should and did hold. */
export interface CashSessionReportRow {
  sessionId: string;
  stationId: string;
  /** The station's code as its sale numbers carry it (`C1-000123` → C1); null before its first sale. */
  stationCode: string | null;
  /** Opened at this station. */
  here: boolean;
  openedAt: string;
  openedBy: string;
  float: number;
  /** Null while the session is open. */
  closedAt: string | null;
  closedBy: string | null;
  /** At closing: as frozen then; while open: what the drawer should hold now. */
  expected: number;
  counted: number | null;
  /** counted − expected: negative is cash missing. */
  difference: number | null;
}
