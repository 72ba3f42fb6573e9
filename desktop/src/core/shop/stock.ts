import { type AnyRow, MostradorError } from '@mostrador/common';
import type { LocalStore } from '../store/store.js';
import type { Actor, LocalWriter } from '../store/writer.js';

export type MovementKind = 'sale' | 'purchase' | 'adjustment' | 'return';

/**
 * Stock is a ledger: insert-only movements, a product's stock is their sum. Two stations
 * selling the same item offline both count; there is no counter to overwrite.
 */
export class StockLedger {
  private readonly sum;

  constructor(
    private readonly store: LocalStore,
    private readonly writer: LocalWriter,
    private readonly stationId: () => string,
  ) {
    this.sum = store.db.prepare<[string], { stock: number }>(
      'SELECT COALESCE(SUM(quantity), 0) AS stock FROM stock_movements WHERE productId = ?',
    );
  }

  stockOf(productId: string): number {
    return this.sum.get(productId)?.stock ?? 0;
  }

  /** Inside the caller's transaction. */
  recordMovement(
    actor: Actor,
    movement: {
      productId: string;
      quantity: number;
      kind: MovementKind;
      reason?: string | null;
      refId?: string | null;
      id?: string;
    },
  ): AnyRow {
    const product = this.store.rows.get('products', movement.productId);
    if (!product || product.deletedAt) {
      throw new MostradorError('NOT_FOUND', `No product with id ${movement.productId}.`);
    }
    if (!Number.isInteger(movement.quantity) || movement.quantity === 0) {
      throw new MostradorError('VALIDATION', 'A stock movement needs a non-zero whole quantity.');
    }
    return this.writer.putInTransaction('stock_movements', { ...movement, stationId: this.stationId() }, actor);
  }

  /** Goods received from a provider. */
  recordPurchase(actor: Actor, productId: string, quantity: number, reason?: string): AnyRow {
    if (quantity <= 0) throw new MostradorError('VALIDATION', 'A purchase adds a positive quantity.');
    return this.store.transaction(() => this.recordMovement(actor, { productId, quantity, kind: 'purchase', reason }));
  }

  /** A correction after counting (breakage, loss, a miscount): signed. */
  adjustStock(actor: Actor, productId: string, quantity: number, reason: string): AnyRow {
    if (!reason.trim()) throw new MostradorError('VALIDATION', 'A stock adjustment needs a reason.');
    return this.store.transaction(() =>
      this.recordMovement(actor, { productId, quantity, kind: 'adjustment', reason }),
    );
  }
}
