import { type AnyRow, MostradorError, newId } from '@mostrador/common';
import { v5 as uuidv5 } from 'uuid';
import type { LocalStore } from '../store/store.js';
import type { Actor, LocalWriter } from '../store/writer.js';
import type { StockLedger } from './stock.js';

export interface SaleItemInput {
  productId: string;
  quantity: number;
  /** Cents; the product's price when absent. */
  unitPrice?: number;
  /** Cents off the whole line. */
  discount?: number;
}

export interface SaleInput {
  items: SaleItemInput[];
  paymentMethod: 'cash' | 'card' | 'other';
  customerId?: string | null;
}

export interface RecordedSale {
  sale: AnyRow;
  items: AnyRow[];
}

/** Return movements get ids derived from their sale item, so two stations voiding the same sale offline write the same rows, not twice the stock. */
const RETURN_NAMESPACE = 'a0f1c4c2-6a57-4c39-9a8e-52b7f1c0d3e1';

export class SalesDesk {
  private readonly itemsOf;

  constructor(
    private readonly store: LocalStore,
    private readonly writer: LocalWriter,
    private readonly stock: StockLedger,
    private readonly station: () => { id: string; code: string },
  ) {
    this.itemsOf = store.db.prepare<[string], { id: string }>('SELECT id FROM sale_items WHERE saleId = ? ORDER BY id');
  }

  /** A sale, its items and their stock movements, numbered `<station code>-<n>`, in one transaction. */
  recordSale(actor: Actor, input: SaleInput): RecordedSale {
    if (!Array.isArray(input.items) || input.items.length === 0) {
      throw new MostradorError('VALIDATION', 'A sale needs at least one item.');
    }
    return this.store.transaction(() => {
      const saleId = newId();
      const lines = input.items.map((item) => this.priceLine(item));
      const total = lines.reduce((sum, line) => sum + line.lineTotal, 0);
      const number = this.nextNumber();
      const station = this.station();
      const sale = this.writer.putInTransaction(
        'sales',
        {
          id: saleId,
          number,
          stationId: station.id,
          userId: actor.id,
          customerId: input.customerId ?? null,
          status: 'completed',
          total,
          paymentMethod: input.paymentMethod,
        },
        actor,
      );
      const items = lines.map((line) => {
        const item = this.writer.putInTransaction('sale_items', { saleId, ...line }, actor);
        this.stock.recordMovement(actor, {
          productId: line.productId,
          quantity: -line.quantity,
          kind: 'sale',
          refId: saleId,
        });
        return item;
      });
      return { sale, items };
    });
  }

  /** Void a completed sale (admin or manager): status and reason, and the goods back in stock. */
  voidSale(actor: Actor, saleId: string, reason: string): AnyRow {
    if (!reason.trim()) throw new MostradorError('VALIDATION', 'Voiding a sale needs a reason.');
    return this.store.transaction(() => {
      if (!this.store.rows.get('sales', saleId)) throw new MostradorError('NOT_FOUND', `No sale with id ${saleId}.`);
      const sale = this.writer.putInTransaction('sales', { id: saleId, status: 'voided', voidReason: reason }, actor);
      for (const { id } of this.itemsOf.all(saleId)) {
        const item = this.store.rows.get('sale_items', id) as AnyRow;
        this.stock.recordMovement(actor, {
          id: uuidv5(id, RETURN_NAMESPACE),
          productId: item.productId as string,
          quantity: item.quantity as number,
          kind: 'return',
          reason,
          refId: saleId,
        });
      }
      return sale;
    });
  }

  private priceLine(item: SaleItemInput) {
    const product = this.store.rows.get('products', item.productId);
    if (!product || product.deletedAt) throw new MostradorError('NOT_FOUND', `No product with id ${item.productId}.`);
    if (!Number.isInteger(item.quantity) || item.quantity < 1) {
      throw new MostradorError('VALIDATION', `Quantity of ${product.name} must be a whole number of at least 1.`);
    }
    const unitPrice = item.unitPrice ?? (product.price as number);
    const discount = item.discount ?? 0;
    const lineTotal = item.quantity * unitPrice - discount;
    if (lineTotal < 0) throw new MostradorError('VALIDATION', `The discount on ${product.name} exceeds its line.`);
    return { productId: item.productId, quantity: item.quantity, unitPrice, discount, lineTotal };
  }

  private nextNumber(): string {
    const seq = this.store.meta.getNumber('saleSeq') + 1;
    this.store.meta.set('saleSeq', seq);
    return `${this.station().code}-${seq}`;
  }
}
