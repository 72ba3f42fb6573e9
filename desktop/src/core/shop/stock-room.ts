/**
 * The back room (issue 13): deliveries from providers, stock counts, the low-stock list and
 * a product's movement history. A delivery or a count of any number of lines is ONE local
 * transaction, so it travels and is applied as one write group: no station ever sees half a
 * delivery.
 */
import { type AnyRow, MostradorError, newId } from '@mostrador/common';
import type { LowStockRow, MovementHistoryRow } from '../../shared/channels.js';
import type { Session } from '../session.js';
import type { LocalStore } from '../store/store.js';
import type { LocalWriter } from '../store/writer.js';
import type { StockLedger } from './stock.js';

export type { LowStockRow, MovementHistoryRow };

const MAX_LINES = 2000;

export interface PurchaseLine {
  productId: string;
  quantity: number;
  /** Unit cost in cents; when given it becomes the product's cost. */
  cost?: number | null;
}

export interface PurchaseInput {
  providerId?: string | null;
  /** The provider's delivery note or invoice number. */
  reference?: string | null;
  lines: PurchaseLine[];
}

export interface RecordedPurchase {
  purchaseId: string;
  movements: AnyRow[];
  /** Products whose cost (or provider) changed with this delivery. */
  updatedProducts: string[];
}

export interface CountLine {
  productId: string;
  counted: number;
}

export interface PostedCount {
  countId: string;
  /** One adjustment per product whose count differed from the stock. */
  movements: AnyRow[];
  unchanged: number;
}

function wholeNumber(value: unknown, what: string, line: number, minimum: number): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < minimum || value > 1_000_000_000) {
    throw new MostradorError('VALIDATION', `Line ${line}: ${what} must be a whole number of at least ${minimum}.`);
  }
  return value;
}

export class StockRoom {
  constructor(
    private readonly store: LocalStore,
    private readonly writer: LocalWriter,
    private readonly ledger: StockLedger,
    private readonly session: Session,
    private readonly stationId: () => string,
  ) {}

  private requireStaff() {
    const actor = this.session.actor();
    if (actor.role === 'cashier')
      throw new MostradorError('FORBIDDEN', 'Deliveries and counts are for managers and admins.');
    return actor;
  }

  private liveProduct(productId: string, line: number): AnyRow {
    const product = this.store.rows.get('products', productId);
    if (!product || product.deletedAt)
      throw new MostradorError('NOT_FOUND', `Line ${line}: no product with id ${productId}.`);
    return product;
  }

  /** A delivery: one purchase movement per line, costs (and provider) written to the products, all in one group. */
  recordPurchase(input: PurchaseInput): RecordedPurchase {
    const actor = this.requireStaff();
    if (!Array.isArray(input.lines) || input.lines.length === 0) {
      throw new MostradorError('VALIDATION', 'A purchase needs at least one line.');
    }
    if (input.lines.length > MAX_LINES)
      throw new MostradorError('VALIDATION', `A purchase has at most ${MAX_LINES} lines.`);
    const provider = input.providerId ? this.store.rows.get('providers', input.providerId) : null;
    if (input.providerId && (!provider || provider.deletedAt)) {
      throw new MostradorError('NOT_FOUND', `No provider with id ${input.providerId}.`);
    }
    const reference = input.reference?.trim() || null;
    const reason = [provider ? String(provider.name) : null, reference].filter(Boolean).join(' · ') || null;
    // Check every line before writing any, so a bad line leaves nothing behind.
    const lines = input.lines.map((line, index) => {
      const product = this.liveProduct(line.productId, index + 1);
      const quantity = wholeNumber(line.quantity, 'the quantity', index + 1, 1);
      const cost =
        line.cost === undefined || line.cost === null ? null : wholeNumber(line.cost, 'the cost', index + 1, 0);
      return { product, quantity, cost };
    });
    const purchaseId = newId();
    return this.store.transaction(() => {
      const movements = lines.map(({ product, quantity }) =>
        this.ledger.recordMovement(actor, {
          productId: product.id,
          quantity,
          kind: 'purchase',
          reason,
          refId: purchaseId,
        }),
      );
      const updated = new Map<string, Record<string, unknown>>();
      for (const { product, cost } of lines) {
        const changes: Record<string, unknown> = updated.get(product.id) ?? {};
        if (cost !== null && cost !== product.cost) changes.cost = cost;
        if (provider && product.providerId !== provider.id) changes.providerId = provider.id;
        if (Object.keys(changes).length) updated.set(product.id, changes);
      }
      for (const [id, changes] of updated) this.writer.putInTransaction('products', { id, ...changes }, actor);
      return { purchaseId, movements, updatedProducts: [...updated.keys()] };
    });
  }

  /** A stock count: for each counted product, one adjustment by the difference to its stock, all in one group. */
  postCount(lines: CountLine[], note?: string | null): PostedCount {
    const actor = this.requireStaff();
    if (!Array.isArray(lines) || lines.length === 0)
      throw new MostradorError('VALIDATION', 'A count needs at least one line.');
    if (lines.length > MAX_LINES * 10) throw new MostradorError('VALIDATION', 'Too many lines in one count.');
    const seen = new Set<string>();
    const checked = lines.map((line, index) => {
      const product = this.liveProduct(line.productId, index + 1);
      if (seen.has(product.id)) {
        throw new MostradorError('VALIDATION', `Line ${index + 1}: ${String(product.name)} is counted twice.`);
      }
      seen.add(product.id);
      return { product, counted: wholeNumber(line.counted, 'the counted quantity', index + 1, 0) };
    });
    const countId = newId();
    const reason = note?.trim() ? `Recuento · ${note.trim()}` : 'Recuento';
    return this.store.transaction(() => {
      const movements: AnyRow[] = [];
      for (const { product, counted } of checked) {
        const difference = counted - this.ledger.stockOf(product.id);
        if (difference === 0) continue;
        movements.push(
          this.ledger.recordMovement(actor, {
            productId: product.id,
            quantity: difference,
            kind: 'adjustment',
            reason,
            refId: countId,
          }),
        );
      }
      return { countId, movements, unchanged: checked.length - movements.length };
    });
  }

  /** Active products whose stock is below their minimum, the emptiest first. */
  lowStock(): LowStockRow[] {
    return this.store.db
      .prepare<[], LowStockRow>(
        `SELECT id, sku, name, category, providerId, minStock, stock FROM (
           SELECT p.id, p.sku, p.name, p.category, p.providerId, p.minStock,
             (SELECT COALESCE(SUM(quantity), 0) FROM stock_movements m WHERE m.productId = p.id) AS stock
           FROM products p WHERE p.deletedAt IS NULL AND p.active = 1 AND p.minStock IS NOT NULL)
         WHERE stock < minStock ORDER BY stock - minStock, name`,
      )
      .all();
  }

  /** A product's movements, newest first, each with who made it, where, why, and the stock after it. */
  history(productId: string, limit = 500): MovementHistoryRow[] {
    const here = this.stationId();
    return this.store.db
      .prepare<[string, string, number], MovementHistoryRow>(
        `SELECT * FROM (
           SELECT m.id, m.createdAt, m.kind, m.quantity, m.reason, m.refId, m.updatedBy AS userId,
             COALESCE(u.displayName, u.username) AS userName, m.stationId, m.stationId = ? AS here,
             SUM(m.quantity) OVER (ORDER BY m.createdAt, m.id ROWS UNBOUNDED PRECEDING) AS balance
           FROM stock_movements m LEFT JOIN users u ON u.id = m.updatedBy
           WHERE m.productId = ? AND m.deletedAt IS NULL)
         ORDER BY createdAt DESC, id DESC LIMIT ?`,
      )
      .all(here, productId, Math.min(Math.max(limit, 1), 5000))
      .map((row) => ({ ...row, here: Boolean(row.here) }));
  }
}
