import {
  type AnyRow,
  type Discount,
  MoneyError,
  MostradorError,
  newId,
  type PaymentInput,
  type PaymentMethodName,
  priceTicket,
  roundDiv,
  settle,
  withinLimit,
} from '@mostrador/common';
import { v5 as uuidv5 } from 'uuid';
import type { LocalStore } from '../store/store.js';
import type { Actor, LocalWriter } from '../store/writer.js';
import type { CashDrawer } from './cash.js';
import { rateOf, readSettings, type ShopSettings, ticketCodeOf } from './sales-settings.js';
import type { StockLedger } from './stock.js';

export interface SaleItemInput {
  productId: string;
  /** Units; grams for a weighed product. */
  quantity: number;
  /** The price the counter showed (cents, per kg when weighed): the sale is refused if it is no longer the product's price. */
  unitPrice?: number;
  /** Off this line: a Discount, or a number of cents. */
  discount?: Discount | number | null;
}

export interface SaleInput {
  items: SaleItemInput[];
  /** One method paying the exact total (when `payments` is absent). */
  paymentMethod?: PaymentMethodName;
  /** The parts of the payment; cash may exceed what is owed (the change). */
  payments?: PaymentInput[];
  /** Off the whole ticket, after line discounts. */
  discount?: Discount | null;
  customerId?: string | null;
}

export interface SaleOptions {
  /** A manager or admin who approved, at the counter, discounts beyond a cashier's limit. */
  approvedBy?: string | null;
}

export interface RecordedSale {
  sale: AnyRow;
  items: AnyRow[];
  payments: AnyRow[];
  /** Products sold beyond their stock (when the shop only warns). */
  beyondStock: { productId: string; name: string; stock: number }[];
}

export interface SalesFilter {
  /** ISO instants: sales created in [from, to). */
  from?: string;
  to?: string;
  stationId?: string;
  userId?: string;
  /** Sales paid (at least partly) by this method. */
  paymentMethod?: PaymentMethodName;
  limit?: number;
}

export interface ReturnInput {
  saleId: string;
  lines: { itemId: string; quantity: number }[];
  /** Pay back by the sale's own methods, or all in cash. */
  refund: 'original' | 'cash';
  reason?: string | null;
}

/** Return movements get ids derived from their sale item, so two stations voiding the same sale offline write the same rows, not twice the stock. */
const RETURN_NAMESPACE = 'a0f1c4c2-6a57-4c39-9a8e-52b7f1c0d3e1';

function asDiscount(discount: Discount | number | null | undefined): Discount | null {
  if (discount === undefined || discount === null) return null;
  if (typeof discount === 'number') return discount === 0 ? null : { kind: 'amount', value: discount };
  return discount.value === 0 ? null : discount;
}

/** Money rule failures are bad input: the same VALIDATION answer as any other. */
function money<T>(work: () => T): T {
  try {
    return work();
  } catch (error) {
    if (error instanceof MoneyError) throw new MostradorError('VALIDATION', error.message);
    throw error;
  }
}

/**
 * Sales, returns and voids. Each is ONE store transaction: the sale row, its items, its
 * payments and its stock movements commit together or not at all (and sync as one group).
 */
export class SalesDesk {
  private readonly itemsOf;
  private readonly numberTaken;
  private readonly paymentsOf;
  private readonly returnedOf;
  private readonly returnsOf;

  constructor(
    private readonly store: LocalStore,
    private readonly writer: LocalWriter,
    private readonly stock: StockLedger,
    private readonly drawer: CashDrawer,
    private readonly station: () => { id: string },
  ) {
    this.itemsOf = store.db.prepare<[string], { id: string }>(
      'SELECT id FROM sale_items WHERE saleId = ? ORDER BY createdAt, id',
    );
    this.numberTaken = store.db.prepare<[string], { id: string }>('SELECT id FROM sales WHERE number = ? LIMIT 1');
    this.paymentsOf = store.db.prepare<[string], { id: string }>(
      'SELECT id FROM sale_payments WHERE saleId = ? ORDER BY createdAt, id',
    );
    this.returnedOf = store.db.prepare<[string], { quantity: number; total: number }>(
      `SELECT COALESCE(SUM(i.quantity), 0) AS quantity, COALESCE(SUM(i.lineTotal), 0) AS total
       FROM sale_items i JOIN sales s ON s.id = i.saleId
       WHERE i.originalItemId = ? AND s.status = 'completed'`,
    );
    this.returnsOf = store.db.prepare<[string], { n: number }>(
      "SELECT count(*) AS n FROM sales WHERE originalSaleId = ? AND status = 'completed'",
    );
  }

  /** Sales and returns, newest first, for the sales history. */
  list(filter: SalesFilter = {}): AnyRow[] {
    const where: string[] = ['deletedAt IS NULL'];
    const params: unknown[] = [];
    if (filter.from) where.push('createdAt >= ?') && params.push(filter.from);
    if (filter.to) where.push('createdAt < ?') && params.push(filter.to);
    if (filter.stationId) where.push('stationId = ?') && params.push(filter.stationId);
    if (filter.userId) where.push('userId = ?') && params.push(filter.userId);
    if (filter.paymentMethod) {
      where.push('(paymentMethod = ? OR id IN (SELECT saleId FROM sale_payments WHERE method = ?))');
      params.push(filter.paymentMethod, filter.paymentMethod);
    }
    params.push(Math.min(Math.max(filter.limit ?? 500, 1), 5000));
    const ids = this.store.db
      .prepare<unknown[], { id: string }>(
        `SELECT id FROM sales WHERE ${where.join(' AND ')} ORDER BY createdAt DESC, number DESC LIMIT ?`,
      )
      .all(...params);
    return ids.map(({ id }) => this.store.rows.get('sales', id) as AnyRow);
  }

  items(saleId: string): AnyRow[] {
    return this.itemsOf.all(saleId).map(({ id }) => this.store.rows.get('sale_items', id) as AnyRow);
  }

  payments(saleId: string): AnyRow[] {
    return this.paymentsOf.all(saleId).map(({ id }) => this.store.rows.get('sale_payments', id) as AnyRow);
  }

  /** How much of a sold item has been returned already (by returns not voided). */
  returned(itemId: string): { quantity: number; total: number } {
    return this.returnedOf.get(itemId) ?? { quantity: 0, total: 0 };
  }

  /** A sale, its items, payments and stock movements, numbered `<code>-000123`, in one transaction. */
  recordSale(actor: Actor, input: SaleInput, options: SaleOptions = {}): RecordedSale {
    if (!Array.isArray(input.items) || input.items.length === 0) {
      throw new MostradorError('VALIDATION', 'A sale needs at least one item.');
    }
    return this.store.transaction(() => {
      const settings = readSettings(this.store);
      const session = this.drawer.sessionForSale(settings);
      const products = input.items.map((item) => this.sellable(item));
      const ticketDiscount = asDiscount(input.discount);
      const priced = money(() =>
        priceTicket(
          input.items.map((item, index) => {
            const product = products[index] as AnyRow;
            return {
              unitPrice: product.price as number,
              quantity: item.quantity,
              weighed: product.weighed === true,
              taxRate: rateOf(settings, product),
              discount: asDiscount(item.discount),
            };
          }),
          ticketDiscount,
        ),
      );
      this.checkDiscounts(actor, settings, priced, options.approvedBy ?? null);
      const settlement = money(() =>
        settle(priced.total, input.payments ?? [{ method: input.paymentMethod ?? 'cash', amount: priced.total }]),
      );
      const beyondStock = this.checkStock(settings, input.items, products);
      const saleId = newId();
      const methods = new Set(settlement.payments.map((p) => p.method));
      const sale = this.writer.putInTransaction(
        'sales',
        {
          id: saleId,
          number: this.nextNumber(),
          stationId: this.station().id,
          userId: actor.id,
          customerId: input.customerId ?? null,
          status: 'completed',
          kind: 'sale',
          total: priced.total,
          subtotal: priced.subtotal,
          discount: priced.lineDiscounts + priced.ticketDiscount,
          change: settlement.change,
          paymentMethod: methods.size === 1 ? [...methods][0] : 'split',
          sessionId: session?.id ?? null,
          approvedBy: options.approvedBy ?? null,
        },
        actor,
      );
      const items = input.items.map((item, index) => {
        const product = products[index] as AnyRow;
        const line = priced.lines[index] as (typeof priced.lines)[number];
        const row = this.writer.putInTransaction(
          'sale_items',
          {
            saleId,
            productId: product.id,
            name: product.name,
            quantity: item.quantity,
            weighed: product.weighed === true,
            unitPrice: product.price,
            discount: line.discount,
            ticketDiscount: line.ticketDiscount,
            lineTotal: line.total,
            taxRate: line.taxRate,
          },
          actor,
        );
        this.stock.recordMovement(actor, {
          productId: product.id,
          quantity: -item.quantity,
          kind: 'sale',
          refId: saleId,
        });
        return row;
      });
      const payments = settlement.payments.map((payment) =>
        this.writer.putInTransaction(
          'sale_payments',
          {
            saleId,
            method: payment.method,
            amount: payment.amount,
            tendered: payment.method === 'cash' ? payment.tendered : null,
          },
          actor,
        ),
      );
      return { sale, items, payments, beyondStock };
    });
  }

  /**
   * Return some lines of a sale: a sale row of kind `return` (its own number, the original
   * named), its lines, the refund as payments, and the goods back in stock, in one transaction.
   */
  returnItems(actor: Actor, input: ReturnInput): RecordedSale {
    if (!Array.isArray(input.lines) || input.lines.length === 0) {
      throw new MostradorError('VALIDATION', 'A return needs at least one line.');
    }
    return this.store.transaction(() => {
      const original = this.store.rows.get('sales', input.saleId);
      if (!original) throw new MostradorError('NOT_FOUND', `No sale with id ${input.saleId}.`);
      if (original.kind === 'return') throw new MostradorError('VALIDATION', 'A return cannot be returned.');
      if (original.status !== 'completed') throw new MostradorError('CONFLICT', `Sale ${original.number} is voided.`);
      const settings = readSettings(this.store);
      const session = this.drawer.sessionForSale(settings);
      const seen = new Set<string>();
      const lines = input.lines.map(({ itemId, quantity }) => {
        const item = this.store.rows.get('sale_items', itemId);
        if (!item || item.saleId !== original.id) {
          throw new MostradorError('NOT_FOUND', `Sale ${original.number} has no line ${itemId}.`);
        }
        if (seen.has(itemId)) throw new MostradorError('VALIDATION', 'Each line may be returned once per return.');
        seen.add(itemId);
        const sold = item.quantity as number;
        const already = this.returned(itemId);
        if (!Number.isInteger(quantity) || quantity < 1 || quantity > sold - already.quantity) {
          throw new MostradorError(
            'VALIDATION',
            `Only ${sold - already.quantity} of ${String(item.name ?? item.productId)} can still be returned.`,
          );
        }
        // What the customer paid for the returned part: shares of the line total that add up to it exactly.
        const lineTotal = item.lineTotal as number;
        const refund = roundDiv(lineTotal * (already.quantity + quantity), sold) - already.total;
        return { item, quantity, refund };
      });
      const total = lines.reduce((sum, line) => sum + line.refund, 0);
      const parts = this.refundParts(original, total, input.refund);
      const saleId = newId();
      const methods = new Set(parts.map((p) => p.method));
      const sale = this.writer.putInTransaction(
        'sales',
        {
          id: saleId,
          number: this.nextNumber(),
          stationId: this.station().id,
          userId: actor.id,
          customerId: original.customerId ?? null,
          status: 'completed',
          kind: 'return',
          originalSaleId: original.id,
          total,
          subtotal: total,
          discount: 0,
          change: 0,
          paymentMethod: methods.size === 1 ? [...methods][0] : 'split',
          sessionId: session?.id ?? null,
          voidReason: null,
        },
        actor,
      );
      const items = lines.map(({ item, quantity, refund }) => {
        const row = this.writer.putInTransaction(
          'sale_items',
          {
            saleId,
            productId: item.productId,
            name: item.name ?? null,
            quantity,
            weighed: item.weighed ?? false,
            unitPrice: item.unitPrice,
            discount: 0,
            ticketDiscount: 0,
            lineTotal: refund,
            taxRate: item.taxRate ?? null,
            originalItemId: item.id,
          },
          actor,
        );
        this.stock.recordMovement(actor, {
          productId: item.productId as string,
          quantity,
          kind: 'return',
          reason: input.reason?.trim() || null,
          refId: saleId,
        });
        return row;
      });
      const payments = parts.map((part) =>
        this.writer.putInTransaction('sale_payments', { saleId, method: part.method, amount: part.amount }, actor),
      );
      return { sale, items, payments, beyondStock: [] };
    });
  }

  /** Void a completed sale or return (admin or manager): status and reason, and the goods back where they were. */
  voidSale(actor: Actor, saleId: string, reason: string): AnyRow {
    if (!reason.trim()) throw new MostradorError('VALIDATION', 'Voiding a sale needs a reason.');
    return this.store.transaction(() => {
      const stored = this.store.rows.get('sales', saleId);
      if (!stored) throw new MostradorError('NOT_FOUND', `No sale with id ${saleId}.`);
      if (stored.status === 'completed' && (this.returnsOf.get(saleId)?.n ?? 0) > 0) {
        throw new MostradorError('CONFLICT', `Sale ${stored.number} has returns: void them first.`);
      }
      const sale = this.writer.putInTransaction('sales', { id: saleId, status: 'voided', voidReason: reason }, actor);
      const isReturn = stored.kind === 'return';
      for (const { id } of this.itemsOf.all(saleId)) {
        const item = this.store.rows.get('sale_items', id) as AnyRow;
        this.stock.recordMovement(actor, {
          id: uuidv5(id, RETURN_NAMESPACE),
          productId: item.productId as string,
          // A voided sale puts its goods back; a voided return takes them out again.
          quantity: isReturn ? -(item.quantity as number) : (item.quantity as number),
          kind: isReturn ? 'sale' : 'return',
          reason,
          refId: saleId,
        });
      }
      return sale;
    });
  }

  /** A product as the counter may sell it: live, active, and at the price the counter showed. */
  private sellable(item: SaleItemInput): AnyRow {
    const product = this.store.rows.get('products', item.productId);
    if (!product || product.deletedAt) throw new MostradorError('NOT_FOUND', `No product with id ${item.productId}.`);
    if (product.active !== true) {
      throw new MostradorError('VALIDATION', `${product.name} is not on sale (inactive product).`);
    }
    if (!Number.isInteger(item.quantity) || item.quantity < 1) {
      throw new MostradorError(
        'VALIDATION',
        product.weighed
          ? `The weight of ${product.name} must be a whole number of grams, at least 1.`
          : `Quantity of ${product.name} must be a whole number of at least 1.`,
      );
    }
    if (item.unitPrice !== undefined && item.unitPrice !== product.price) {
      throw new MostradorError(
        'CONFLICT',
        `The price of ${product.name} changed to ${product.price} (the ticket showed ${item.unitPrice}); confirm the new price.`,
      );
    }
    return product;
  }

  private checkDiscounts(
    actor: Actor,
    settings: ShopSettings,
    priced: ReturnType<typeof priceTicket>,
    approvedBy: string | null,
  ): void {
    if (actor.role !== 'cashier' || approvedBy) return;
    const limit = settings.cashierDiscountLimit;
    const afterLines = priced.subtotal - priced.lineDiscounts;
    const over =
      priced.lines.some((line) => !withinLimit(line.amount, line.discount, limit)) ||
      !withinLimit(afterLines, priced.ticketDiscount, limit);
    if (over) {
      throw new MostradorError(
        'FORBIDDEN',
        `A discount above ${limit / 100} % needs a manager's approval at the counter.`,
      );
    }
  }

  private checkStock(settings: ShopSettings, items: SaleItemInput[], products: AnyRow[]) {
    const wanted = new Map<string, number>();
    for (const item of items) wanted.set(item.productId, (wanted.get(item.productId) ?? 0) + item.quantity);
    const beyond: RecordedSale['beyondStock'] = [];
    for (const [productId, quantity] of wanted) {
      const stock = this.stock.stockOf(productId);
      if (quantity > stock) {
        const name = String(products.find((p) => p.id === productId)?.name);
        beyond.push({ productId, name, stock });
      }
    }
    if (beyond.length > 0 && settings.stockPolicy === 'forbid') {
      throw new MostradorError(
        'CONFLICT',
        `Not enough stock: ${beyond.map((b) => `${b.name} (${b.stock} left)`).join(', ')}.`,
      );
    }
    return beyond;
  }

  /** How a refund is paid: all cash, or back by the sale's methods (card and other first, the rest in cash). */
  private refundParts(original: AnyRow, total: number, refund: 'original' | 'cash') {
    if (refund === 'cash') return [{ method: 'cash' as PaymentMethodName, amount: total }];
    const paid = this.payments(original.id);
    if (paid.length === 0) return [{ method: (original.paymentMethod as PaymentMethodName) ?? 'cash', amount: total }];
    let left = total;
    const parts: { method: PaymentMethodName; amount: number }[] = [];
    for (const payment of [...paid].sort((a, b) => Number(a.method === 'cash') - Number(b.method === 'cash'))) {
      const amount = payment.method === 'cash' ? left : Math.min(left, payment.amount as number);
      if (amount > 0) parts.push({ method: payment.method as PaymentMethodName, amount });
      left -= amount;
    }
    if (left > 0) parts.push({ method: 'cash', amount: left });
    return parts.length > 0 ? parts : [{ method: 'cash' as PaymentMethodName, amount: 0 }];
  }

  /**
   * The counter is rebuilt from the sales this station holds, pulled ones included: a data
   * folder restored from a backup has an old counter, but once it has pulled the sales it
   * made after that backup, their numbers are skipped instead of repeated.
   */
  private nextNumber(): string {
    // Skip numbers this station already holds (pulled ones included): a data folder restored
    // from a backup must not print a number twice.
    const code = ticketCodeOf(this.store);
    const numberOf = (seq: number) => `${code}-${String(seq).padStart(6, '0')}`;
    let seq = this.store.meta.getNumber('saleSeq') + 1;
    while (this.numberTaken.get(numberOf(seq))) seq += 1;
    this.store.meta.set('saleSeq', seq);
    return numberOf(seq);
  }
}
