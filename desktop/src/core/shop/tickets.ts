import { type AnyRow, MostradorError, type SessionReport, type Ticket, taxesOf, type ZReport } from '@mostrador/common';
import type { LocalStore } from '../store/store.js';
import type { SalesDesk } from './sales.js';
import { readSettings } from './sales-settings.js';

/** Tickets and Z reports as data, from what the sale and closing rows recorded (never from today's catalogue). */
export class TicketBook {
  constructor(
    private readonly store: LocalStore,
    private readonly sales: SalesDesk,
  ) {}

  ticket(saleId: string): Ticket {
    const sale = this.store.rows.get('sales', saleId);
    if (!sale) throw new MostradorError('NOT_FOUND', `No sale with id ${saleId}.`);
    const settings = readSettings(this.store);
    const lines = this.sales.items(saleId).map((item) => ({
      name: String(item.name ?? this.store.rows.get('products', item.productId as string)?.name ?? '?'),
      quantity: item.quantity as number,
      weighed: item.weighed === true,
      unitPrice: item.unitPrice as number,
      discount: (item.discount as number) + ((item.ticketDiscount as number | null) ?? 0),
      total: item.lineTotal as number,
      taxRate: (item.taxRate as number | null) ?? settings.taxRates.general,
    }));
    const original = sale.originalSaleId ? this.store.rows.get('sales', sale.originalSaleId as string) : null;
    return {
      saleId,
      kind: sale.kind === 'return' ? 'return' : 'sale',
      number: sale.number as string,
      originalNumber: (original?.number as string | undefined) ?? null,
      status: sale.status as 'completed' | 'voided',
      voidReason: (sale.voidReason as string | null) ?? null,
      date: sale.createdAt as string,
      shop: {
        name: settings.shopName,
        taxId: settings.taxId,
        address: settings.address,
        footer: settings.receiptFooter,
      },
      station: this.stationName(sale.stationId as string, sale.number as string),
      cashier: this.userName(sale.userId as string),
      approvedBy: sale.approvedBy ? this.userName(sale.approvedBy as string) : null,
      lines,
      subtotal: (sale.subtotal as number | null) ?? lines.reduce((sum, l) => sum + l.total + l.discount, 0),
      discount: (sale.discount as number | null) ?? lines.reduce((sum, l) => sum + l.discount, 0),
      total: sale.total as number,
      taxes: taxesOf(lines),
      payments: this.sales.payments(saleId).map((p) => ({
        method: p.method as string,
        amount: p.amount as number,
        tendered: (p.tendered as number | null) ?? null,
      })),
      change: (sale.change as number | null) ?? 0,
    };
  }

  zReport(report: SessionReport, closing: AnyRow | null): ZReport {
    const settings = readSettings(this.store);
    return {
      closingId: closing?.id ?? null,
      shop: { name: settings.shopName, taxId: settings.taxId },
      station: this.stationName(report.stationId, report.firstNumber ?? ''),
      openedBy: this.userName(report.openedBy),
      closedBy: closing ? this.userName(closing.userId as string) : null,
      closedAt: (closing?.createdAt as string | undefined) ?? null,
      report,
      counted: (closing?.counted as number | undefined) ?? null,
      difference: (closing?.difference as number | undefined) ?? null,
      counts: closing ? (JSON.parse(closing.counts as string) as Record<string, number>) : {},
    };
  }

  private userName(id: string): string {
    return String(this.store.rows.get('users', id)?.displayName ?? id);
  }

  /** This station by its name; another by the code its numbers start with. */
  private stationName(stationId: string, number: string): string {
    if (stationId === this.store.meta.get('stationId'))
      return this.store.meta.get('stationName') ?? number.split('-')[0] ?? '';
    return number.split('-')[0] ?? stationId;
  }
}
