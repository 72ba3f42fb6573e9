/**
 * The station's reports, computed from its own SQLite copy: instant and offline, over every
 * station's sales that this station has pulled. Sales, hours, cashiers, stations and products
 * read the rollups the local migration 005 keeps (report_sales, report_items) so a year of a
 * busy shop answers in milliseconds; taxes read the sale lines themselves.
 *
 * Periods are the station's local days, inclusive: `{ from: '2026-11-01', to: '2026-11-30' }`.
 */
import { MostradorError } from '@mostrador/common';
import type {
  CashSessionReportRow,
  CategoryReportRow,
  PeriodReportRow,
  ProductReportRow,
  ReportGranularity,
  ReportRange,
  SalesReportRow,
  TaxReportRow,
} from '../../shared/report-types.js';
import type { Db } from '../store/database.js';
import type { Meta } from '../store/meta.js';
import { REBUILD_ROLLUPS_SQL } from './rollups.js';

/**
 * Cash sessions opened in a period, with their closing. An open session's expected cash is
 * the one CashDrawer.report computes: float + cash taken − cash refunded + cash in − cash out,
 * voided sales left out.
 */
const CASH_SESSIONS = `
  WITH cash AS (
    SELECT s.sessionId,
      sum(CASE WHEN s.kind = 'return' THEN -p.amount ELSE p.amount END) AS net
    FROM sales s JOIN sale_payments p ON p.saleId = s.id
    WHERE p.method = 'cash' AND s.status <> 'voided' AND s.sessionId IS NOT NULL
    GROUP BY s.sessionId),
  moved AS (
    SELECT sessionId, sum(CASE WHEN kind = 'in' THEN amount ELSE -amount END) AS net
    FROM cash_movements GROUP BY sessionId)
  SELECT cs.id AS sessionId, cs.stationId, cs.createdAt AS openedAt,
    COALESCE(opener.displayName, opener.username, cs.userId) AS openedBy, cs.float,
    c.createdAt AS closedAt, COALESCE(closer.displayName, closer.username, c.userId) AS closedBy,
    COALESCE(c.expected, cs.float + COALESCE(cash.net, 0) + COALESCE(moved.net, 0)) AS expected,
    c.counted, c.difference,
    (SELECT number FROM sales WHERE stationId = cs.stationId LIMIT 1) AS number
  FROM cash_sessions cs
  LEFT JOIN cash_closings c ON c.sessionId = cs.id AND c.deletedAt IS NULL
  LEFT JOIN users opener ON opener.id = cs.userId
  LEFT JOIN users closer ON closer.id = c.userId
  LEFT JOIN cash ON cash.sessionId = cs.id
  LEFT JOIN moved ON moved.sessionId = cs.id
  WHERE cs.createdAt >= ? AND cs.createdAt < ? AND cs.deletedAt IS NULL
  ORDER BY cs.createdAt, cs.id`;

const DAY = /^\d{4}-\d{2}-\d{2}$/;

/** SQL for the key of a local day (`day` column) at a granularity; weeks start on Monday. */
const PERIOD_KEY: Record<ReportGranularity, string> = {
  day: 'day',
  week: "date(day, '-6 days', 'weekday 1')",
  month: 'substr(day, 1, 7)',
};

const PRODUCT_TOTALS = `
  SELECT productId, sum(quantity) AS quantity, sum(amount) AS amount FROM (
    SELECT productId, quantity, amount, lines FROM report_items WHERE day BETWEEN ? AND ? OR day BETWEEN ? AND ?
    UNION ALL
    SELECT productId, quantity, amount, lines FROM report_items_monthly WHERE month BETWEEN ? AND ?)
  GROUP BY productId HAVING sum(lines) > 0`;

function addDays(day: string, days: number): string {
  const [y, m, d] = day.split('-').map(Number) as [number, number, number];
  return new Date(Date.UTC(y, m - 1, d + days)).toISOString().slice(0, 10);
}

/**
 * The whole months inside a period and the days left at each end (`headEnd` is the day
 * before the first whole month, `tailStart` the day after the last); null when none is whole.
 */
export function splitMonths(
  range: ReportRange,
): { firstMonth: string; lastMonth: string; headEnd: string; tailStart: string } | null {
  const firstDay = range.from.endsWith('-01')
    ? range.from
    : `${addDays(`${range.from.slice(0, 7)}-01`, 32).slice(0, 7)}-01`;
  const next = addDays(range.to, 1);
  const lastDay = next.endsWith('-01') ? range.to : addDays(`${range.to.slice(0, 7)}-01`, -1);
  if (firstDay > lastDay) return null;
  return {
    firstMonth: firstDay.slice(0, 7),
    lastMonth: lastDay.slice(0, 7),
    headEnd: addDays(firstDay, -1),
    tailStart: addDays(lastDay, 1),
  };
}

export function checkRange(range: ReportRange): ReportRange {
  if (
    !DAY.test(range.from) ||
    !DAY.test(range.to) ||
    Number.isNaN(Date.parse(range.from)) ||
    Number.isNaN(Date.parse(range.to))
  ) {
    throw new MostradorError('VALIDATION', 'A report period needs dates as YYYY-MM-DD.');
  }
  if (range.from > range.to) throw new MostradorError('VALIDATION', 'The period ends before it starts.');
  return range;
}

/** Local midnight of a YYYY-MM-DD day as a UTC instant (what createdAt holds). */
function localMidnightIso(day: string, plusDays = 0): string {
  const [y, m, d] = day.split('-').map(Number) as [number, number, number];
  return new Date(y, m - 1, d + plusDays).toISOString();
}

export class StationReports {
  constructor(
    private readonly db: Db,
    private readonly meta: Meta,
    private readonly timeZone: () => string = () => Intl.DateTimeFormat().resolvedOptions().timeZone,
  ) {}

  /**
   * The rollups' days are local days of the time zone they were built in; a station moved
   * to another zone (or whose zone setting changed) rebuilds them once.
   */
  ensureRollups(): void {
    const zone = this.timeZone();
    const built = this.meta.get('reportTimeZone');
    if (built === zone) return;
    if (built !== null) this.rebuildRollups();
    this.meta.set('reportTimeZone', zone);
  }

  rebuildRollups(): void {
    this.db.transaction(() => this.db.exec(REBUILD_ROLLUPS_SQL))();
  }

  /** Sales per day, week or month: completed sales and their total, voids apart. */
  salesByPeriod(range: ReportRange, granularity: ReportGranularity): PeriodReportRow[] {
    checkRange(range);
    this.ensureRollups();
    const key = PERIOD_KEY[granularity];
    if (!key) throw new MostradorError('VALIDATION', `No report granularity ${granularity}.`);
    return this.db
      .prepare<[string, string], PeriodReportRow>(
        `SELECT ${key} AS period, sum(sales) AS sales, sum(total) AS total, sum(voided) AS voided,
           sum(voidedTotal) AS voidedTotal
         FROM report_sales WHERE day BETWEEN ? AND ? GROUP BY 1 HAVING sum(sales) + sum(voided) > 0 ORDER BY 1`,
      )
      .all(range.from, range.to);
  }

  /** Sales by hour of the day (0–23), every hour present. */
  salesByHour(range: ReportRange): (SalesReportRow & { hour: number })[] {
    checkRange(range);
    this.ensureRollups();
    const rows = this.db
      .prepare<[string, string], { hour: number; sales: number; total: number }>(
        'SELECT hour, sum(sales) AS sales, sum(total) AS total FROM report_sales WHERE day BETWEEN ? AND ? GROUP BY hour',
      )
      .all(range.from, range.to);
    const byHour = new Map(rows.map((row) => [row.hour, row]));
    return Array.from({ length: 24 }, (_, hour) => {
      const row = byHour.get(hour);
      return {
        key: String(hour),
        label: `${String(hour).padStart(2, '0')}:00`,
        hour,
        sales: row?.sales ?? 0,
        total: row?.total ?? 0,
      };
    });
  }

  /** Sales by cashier, named from the users table. */
  byCashier(range: ReportRange): SalesReportRow[] {
    checkRange(range);
    this.ensureRollups();
    return this.db
      .prepare<[string, string], SalesReportRow>(
        `SELECT r.userId AS key, COALESCE(u.displayName, u.username, r.userId) AS label, sum(r.sales) AS sales,
           sum(r.total) AS total
         FROM report_sales r LEFT JOIN users u ON u.id = r.userId
         WHERE r.day BETWEEN ? AND ? GROUP BY r.userId ORDER BY total DESC`,
      )
      .all(range.from, range.to);
  }

  /** Sales by station, named by the code their sale numbers carry (`C1-000123` → C1). */
  byStation(range: ReportRange): SalesReportRow[] {
    checkRange(range);
    this.ensureRollups();
    const rows = this.db
      .prepare<[string, string], SalesReportRow>(
        `SELECT stationId AS key, stationId AS label, sum(sales) AS sales, sum(total) AS total
         FROM report_sales WHERE day BETWEEN ? AND ? GROUP BY stationId ORDER BY total DESC`,
      )
      .all(range.from, range.to);
    const codeOf = this.db.prepare<[string], { number: string }>(
      'SELECT number FROM sales WHERE stationId = ? LIMIT 1',
    );
    return rows.map((row) => {
      const number = codeOf.get(row.key)?.number ?? '';
      const dash = number.lastIndexOf('-');
      return { ...row, label: dash > 0 ? number.slice(0, dash) : row.key.slice(0, 8) };
    });
  }

  /** Sales by payment method. */
  byPayment(range: ReportRange): SalesReportRow[] {
    checkRange(range);
    this.ensureRollups();
    return this.db
      .prepare<[string, string], SalesReportRow>(
        `SELECT paymentMethod AS key, paymentMethod AS label, sum(sales) AS sales, sum(total) AS total
         FROM report_sales WHERE day BETWEEN ? AND ? GROUP BY paymentMethod ORDER BY total DESC`,
      )
      .all(range.from, range.to);
  }

  /**
   * Per product totals of a period: whole months from the monthly rollup, the days at either
   * end from the daily one. Parameters for PRODUCT_TOTALS, in order.
   */
  private productTotalsParams(range: ReportRange): string[] {
    const split = splitMonths(range);
    if (!split) return [range.from, range.to, '1', '0', '1', '0'];
    return [range.from, split.headEnd, split.tailStart, range.to, split.firstMonth, split.lastMonth];
  }

  /**
   * Products sold, best first (by amount or quantity), with the margin where the product
   * has a cost (today's cost: the ledger keeps no cost per sale).
   */
  byProduct(range: ReportRange, options: { limit?: number; orderBy?: 'amount' | 'quantity' } = {}): ProductReportRow[] {
    checkRange(range);
    this.ensureRollups();
    const order = options.orderBy === 'quantity' ? 'quantity' : 'amount';
    const limit = Math.min(Math.max(options.limit ?? 50, 1), 10_000);
    return this.db
      .prepare<[...string[], number], ProductReportRow>(
        `SELECT t.productId, p.sku, COALESCE(p.name, t.productId) AS name, p.category, t.quantity, t.amount,
           CASE WHEN p.cost IS NULL THEN NULL ELSE p.cost * t.quantity END AS cost,
           CASE WHEN p.cost IS NULL THEN NULL ELSE t.amount - p.cost * t.quantity END AS margin
         FROM (${PRODUCT_TOTALS} ORDER BY ${order} DESC LIMIT ?) t
         LEFT JOIN products p ON p.id = t.productId
         ORDER BY t.${order} DESC, name`,
      )
      .all(...this.productTotalsParams(range), limit);
  }

  /** Categories (a product without one counts under null), with the margin of the products that have a cost. */
  byCategory(range: ReportRange): CategoryReportRow[] {
    checkRange(range);
    this.ensureRollups();
    return this.db
      .prepare<string[], CategoryReportRow>(
        `SELECT NULLIF(p.category, '') AS category, sum(t.quantity) AS quantity, sum(t.amount) AS amount,
           sum(CASE WHEN p.cost IS NULL THEN 0 ELSE t.amount END) AS amountWithCost,
           sum(CASE WHEN p.cost IS NULL THEN 0 ELSE t.amount - p.cost * t.quantity END) AS margin
         FROM (${PRODUCT_TOTALS}) t
         LEFT JOIN products p ON p.id = t.productId
         GROUP BY 1 ORDER BY amount DESC`,
      )
      .all(...this.productTotalsParams(range));
  }

  /**
   * Taxes per rate for a period: prices are tax-included, so each rate's base is its
   * gross divided by (1 + rate), rounded once on the rate's sum. Lines carry their rate
   * (basis points) when the station's schema has it; otherwise everything is one group.
   */
  taxes(range: ReportRange): TaxReportRow[] {
    checkRange(range);
    const from = localMidnightIso(range.from);
    const to = localMidnightIso(range.to, 1);
    const hasRate = this.db
      .prepare<[], { name: string }>("SELECT name FROM pragma_table_info('sale_items')")
      .all()
      .some((column) => column.name === 'taxRate');
    const rate = hasRate ? 'i.taxRate' : 'NULL';
    const rows = this.db
      .prepare<[string, string], { rate: number | null; lines: number; gross: number }>(
        `SELECT ${rate} AS rate, count(*) AS lines, sum(i.lineTotal) AS gross
         FROM sales s JOIN sale_items i ON i.saleId = s.id
         WHERE s.createdAt >= ? AND s.createdAt < ? AND s.status = 'completed' AND s.deletedAt IS NULL
         GROUP BY 1 ORDER BY 1`,
      )
      .all(from, to);
    return rows.map((row) => {
      const base = row.rate === null ? row.gross : Math.round((row.gross * 10_000) / (10_000 + row.rate));
      return { ...row, base, tax: row.gross - base };
    });
  }

  /** Cash sessions opened in a period, oldest first: expected against counted cash, and the difference. */
  cashSessions(range: ReportRange): CashSessionReportRow[] {
    checkRange(range);
    const here = this.meta.get('stationId');
    return this.db
      .prepare<[string, string], Omit<CashSessionReportRow, 'stationCode' | 'here'> & { number: string | null }>(
        CASH_SESSIONS,
      )
      .all(localMidnightIso(range.from), localMidnightIso(range.to, 1))
      .map(({ number, ...row }) => {
        const dash = number?.lastIndexOf('-') ?? -1;
        return { ...row, stationCode: number && dash > 0 ? number.slice(0, dash) : null, here: row.stationId === here };
      });
  }
}
