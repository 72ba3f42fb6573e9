import { type AnyRow, countTotal, MoneyError, MostradorError, type SessionReport, taxesOf } from '@mostrador/common';
import { v5 as uuidv5 } from 'uuid';
import type { LocalStore } from '../store/store.js';
import type { Actor, LocalWriter } from '../store/writer.js';
import type { ShopSettings } from './sales-settings.js';

/** A session's closing gets an id derived from the session: two closings of one session are the same row. */
const CLOSING_NAMESPACE = '5b0d7a52-0f6b-4a51-9a53-3f1f0c6f8e21';

export interface ClosingResult {
  closing: AnyRow;
  report: SessionReport;
}

interface SessionSale {
  id: string;
  number: string;
  kind: string | null;
  status: string;
  total: number;
  discount: number | null;
}

/**
 * The cash drawer of this station: sessions opened with a float, cash moved in and out with a
 * reason, and a closing that counts the cash by denomination. Sessions, movements and closings
 * are written once and never changed: a session is open until its closing row exists.
 */
export class CashDrawer {
  private readonly latestOpen;
  private readonly salesOf;
  private readonly paymentsOf;
  private readonly itemsOf;
  private readonly movementsOf;
  private readonly closingOf;
  private readonly closings;

  constructor(
    private readonly store: LocalStore,
    private readonly writer: LocalWriter,
    private readonly stationId: () => string,
  ) {
    this.latestOpen = store.db.prepare<[string], { id: string }>(
      `SELECT s.id FROM cash_sessions s WHERE s.stationId = ? AND s.deletedAt IS NULL
       AND NOT EXISTS (SELECT 1 FROM cash_closings c WHERE c.sessionId = s.id)
       ORDER BY s.createdAt DESC LIMIT 1`,
    );
    this.salesOf = store.db.prepare<[string], SessionSale>(
      'SELECT id, number, kind, status, total, discount FROM sales WHERE sessionId = ? ORDER BY createdAt, number',
    );
    this.paymentsOf = store.db.prepare<[string], { method: string; amount: number }>(
      'SELECT method, amount FROM sale_payments WHERE saleId = ?',
    );
    this.itemsOf = store.db.prepare<[string], { lineTotal: number; taxRate: number | null }>(
      'SELECT lineTotal, taxRate FROM sale_items WHERE saleId = ?',
    );
    this.movementsOf = store.db.prepare<[string], { kind: string; amount: number }>(
      'SELECT kind, amount FROM cash_movements WHERE sessionId = ?',
    );
    this.closingOf = store.db.prepare<[string], { id: string }>('SELECT id FROM cash_closings WHERE sessionId = ?');
    this.closings = store.db.prepare<[number], { id: string }>(
      'SELECT id FROM cash_closings ORDER BY createdAt DESC LIMIT ?',
    );
  }

  /** This station's open session, if any. */
  current(): AnyRow | null {
    const open = this.latestOpen.get(this.stationId());
    return open ? this.store.rows.get('cash_sessions', open.id) : null;
  }

  /** The session a sale or return belongs to; refuses when the shop needs one and none is open. */
  sessionForSale(settings: ShopSettings): AnyRow | null {
    const session = this.current();
    if (!session && settings.requireSession) {
      throw new MostradorError('CONFLICT', 'Open the cash drawer (a cash session) before selling.');
    }
    return session;
  }

  open(actor: Actor, float: number): AnyRow {
    if (!Number.isSafeInteger(float) || float < 0) {
      throw new MostradorError('VALIDATION', 'The float is a whole number of cents, at least 0.');
    }
    return this.store.transaction(() => {
      if (this.current()) throw new MostradorError('CONFLICT', 'This station already has an open cash session.');
      return this.writer.putInTransaction(
        'cash_sessions',
        { stationId: this.stationId(), userId: actor.id, float },
        actor,
      );
    });
  }

  move(actor: Actor, kind: 'in' | 'out', amount: number, reason: string): AnyRow {
    if (!reason.trim()) throw new MostradorError('VALIDATION', 'Cash in or out needs a reason.');
    if (!Number.isSafeInteger(amount) || amount < 1) {
      throw new MostradorError('VALIDATION', 'The amount is a whole number of cents, at least 1.');
    }
    return this.store.transaction(() => {
      const session = this.current();
      if (!session) throw new MostradorError('CONFLICT', 'No open cash session on this station.');
      return this.writer.putInTransaction(
        'cash_movements',
        { sessionId: session.id, kind, amount, reason: reason.trim() },
        actor,
      );
    });
  }

  /** Close the open session with the cash counted by denomination: expected, counted, difference and the Z report, frozen. */
  close(actor: Actor, counts: Record<string, number>): ClosingResult {
    let counted: number;
    try {
      counted = countTotal(counts);
    } catch (error) {
      if (error instanceof MoneyError) throw new MostradorError('VALIDATION', error.message);
      throw error;
    }
    return this.store.transaction(() => {
      const session = this.current();
      if (!session) throw new MostradorError('CONFLICT', 'No open cash session on this station.');
      const report = this.report(session.id);
      const cleanCounts = Object.fromEntries(Object.entries(counts).filter(([, n]) => n > 0));
      const closing = this.writer.putInTransaction(
        'cash_closings',
        {
          id: uuidv5(session.id, CLOSING_NAMESPACE),
          sessionId: session.id,
          userId: actor.id,
          expected: report.expected,
          counted,
          difference: counted - report.expected,
          counts: JSON.stringify(cleanCounts),
          report: JSON.stringify(report),
        },
        actor,
      );
      return { closing, report };
    });
  }

  /** The figures of a session as they stand now (a closed one: as frozen at its closing). */
  report(sessionId: string): SessionReport {
    const closing = this.closingOf.get(sessionId);
    if (closing) {
      const row = this.store.rows.get('cash_closings', closing.id) as AnyRow;
      return JSON.parse(row.report as string) as SessionReport;
    }
    const session = this.store.rows.get('cash_sessions', sessionId);
    if (!session) throw new MostradorError('NOT_FOUND', `No cash session with id ${sessionId}.`);
    const zero = () => ({ cash: 0, card: 0, other: 0 });
    const report: SessionReport = {
      sessionId,
      stationId: session.stationId as string,
      openedAt: session.createdAt as string,
      openedBy: session.userId as string,
      float: session.float as number,
      sales: zero(),
      refunds: zero(),
      cashIn: 0,
      cashOut: 0,
      expected: 0,
      salesCount: 0,
      salesTotal: 0,
      returnsCount: 0,
      returnsTotal: 0,
      voidsCount: 0,
      voidsTotal: 0,
      discounts: 0,
      taxes: [],
      firstNumber: null,
      lastNumber: null,
    };
    const taxed: { total: number; taxRate: number }[] = [];
    for (const sale of this.salesOf.all(sessionId)) {
      report.firstNumber ??= sale.number;
      report.lastNumber = sale.number;
      if (sale.status === 'voided') {
        report.voidsCount += 1;
        report.voidsTotal += sale.total;
        continue;
      }
      const isReturn = sale.kind === 'return';
      const bucket = isReturn ? report.refunds : report.sales;
      for (const payment of this.paymentsOf.all(sale.id)) {
        const method = payment.method as 'cash' | 'card' | 'other';
        bucket[method] += payment.amount;
      }
      for (const item of this.itemsOf.all(sale.id)) {
        taxed.push({ total: isReturn ? -item.lineTotal : item.lineTotal, taxRate: item.taxRate ?? 0 });
      }
      if (isReturn) {
        report.returnsCount += 1;
        report.returnsTotal += sale.total;
      } else {
        report.salesCount += 1;
        report.salesTotal += sale.total;
        report.discounts += sale.discount ?? 0;
      }
    }
    for (const movement of this.movementsOf.all(sessionId)) {
      if (movement.kind === 'in') report.cashIn += movement.amount;
      else report.cashOut += movement.amount;
    }
    report.taxes = taxesOf(taxed);
    report.expected = report.float + report.sales.cash - report.refunds.cash + report.cashIn - report.cashOut;
    return report;
  }

  /** The latest closings (any station), newest first. */
  recentClosings(limit = 50): AnyRow[] {
    return this.closings.all(limit).map(({ id }) => this.store.rows.get('cash_closings', id) as AnyRow);
  }
}
