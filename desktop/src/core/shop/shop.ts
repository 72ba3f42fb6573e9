import {
  type AnyRow,
  assertPasswordPolicy,
  createUserKey,
  hashPassword,
  MostradorError,
  type Role,
  resealUserKey,
  type TableName,
} from '@mostrador/common';
import type { Session } from '../session.js';
import type { LocalStore } from '../store/store.js';
import type { LocalWriter } from '../store/writer.js';
import { type RecordedSale, type SaleInput, SalesDesk } from './sales.js';
import { ProductSearch } from './search.js';
import { StockLedger } from './stock.js';

/** Catalogue and people tables, edited in place (last writer wins). */
export type CatalogTable = 'products' | 'providers' | 'customers';

export interface UserInput {
  id?: string;
  username?: string;
  displayName?: string;
  role?: Role;
  active?: boolean;
  /** Plain password; stored only as its scrypt hash. */
  password?: string;
}

/**
 * The operations the screens call. Every one acts as the session's user (NOT_LOGGED_IN
 * otherwise), is checked against the registry's roles, and commits in one transaction
 * together with its outbox entries.
 */
export class Shop {
  readonly stock: StockLedger;
  private readonly sales: SalesDesk;
  private readonly finder: ProductSearch;

  constructor(
    private readonly store: LocalStore,
    private readonly writer: LocalWriter,
    private readonly session: Session,
  ) {
    const stationId = () => this.requireMeta('stationId');
    this.stock = new StockLedger(store, writer, stationId);
    this.sales = new SalesDesk(store, writer, this.stock, () => ({
      id: stationId(),
      code: this.requireMeta('stationCode'),
    }));
    this.finder = new ProductSearch(store.db);
  }

  /** Create (no id) or edit a product, provider or customer; returns the stored row. */
  save(table: CatalogTable, row: Record<string, unknown>): AnyRow {
    return this.writer.put(table, row, this.session.actor());
  }

  remove(table: CatalogTable | 'users', id: string): AnyRow {
    return this.writer.delete(table, id, this.session.actor());
  }

  get(table: TableName, id: string): AnyRow | null {
    return this.store.rows.get(table, id);
  }

  /**
   * Create or edit a user (admin only). A password is stored only as its scrypt hash, and
   * sets the user's signing key: the same key resealed with the new password when the user
   * is logged in here (their earlier writes keep verifying), otherwise a new key pair
   * (the server keeps each user's key history, so earlier writes still verify there).
   */
  async saveUser(input: UserInput): Promise<AnyRow> {
    const actor = this.session.actor();
    if (actor.role !== 'admin') throw new MostradorError('FORBIDDEN', 'Only an admin can edit users.');
    const { password, ...fields } = input;
    const row: Record<string, unknown> = { ...fields };
    for (const secret of ['passwordHash', 'publicKey', 'sealedKey']) {
      if (secret in row) throw new MostradorError('VALIDATION', `Send a password, never ${secret}.`);
    }
    const stored = input.id ? this.store.rows.get('users', input.id) : null;
    if (stored && input.id) this.refuseLosingLastAdmin(input.id, { role: input.role, active: input.active });
    if (password !== undefined) {
      assertPasswordPolicy(password, input.username ?? (stored?.username as string | undefined) ?? null);
      row.passwordHash = await hashPassword(password);
      const existing = typeof input.id === 'string' ? this.store.rows.get('users', input.id) : null;
      const openKey = existing ? this.store.keyring.get(existing.id) : null;
      if (existing && openKey && typeof existing.publicKey === 'string') {
        row.sealedKey = await resealUserKey(openKey, existing.publicKey, password);
      } else {
        const key = await createUserKey(password);
        row.publicKey = key.publicKey;
        row.sealedKey = key.sealedKey;
      }
    }
    return this.writer.put('users', row, actor);
  }

  /** Deleting a user: never the last active admin. */
  removeUser(id: string): AnyRow {
    this.refuseLosingLastAdmin(id, { deleted: true });
    return this.remove('users', id);
  }

  /**
   * The server refuses to deactivate, demote or delete the last active admin (nobody could
   * log in to fix it); the station says so before the write instead of after a push.
   */
  private refuseLosingLastAdmin(id: string, change: { role?: Role; active?: boolean; deleted?: boolean }): void {
    const user = this.store.rows.get('users', id);
    const isLiveAdmin = (u: AnyRow | null) => !!u && u.role === 'admin' && !!u.active && !u.deletedAt;
    if (!isLiveAdmin(user)) return;
    const staysAdmin = !change.deleted && (change.role ?? 'admin') === 'admin' && change.active !== false;
    if (staysAdmin) return;
    const others = this.store.db
      .prepare<[string], { n: number }>(
        "SELECT count(*) AS n FROM users WHERE role = 'admin' AND active = 1 AND deletedAt IS NULL AND id <> ?",
      )
      .get(id);
    if (!others?.n) {
      throw new MostradorError(
        'CONFLICT',
        'LAST_ADMIN: this is the last active admin; make another user admin before deactivating, demoting or deleting it.',
      );
    }
  }

  searchProducts(query: string, limit?: number): AnyRow[] {
    return this.finder.search(query, limit);
  }

  recordSale(input: SaleInput): RecordedSale {
    return this.sales.recordSale(this.session.actor(), input);
  }

  voidSale(saleId: string, reason: string): AnyRow {
    return this.sales.voidSale(this.session.actor(), saleId, reason);
  }

  recordPurchase(productId: string, quantity: number, reason?: string): AnyRow {
    return this.stock.recordPurchase(this.session.actor(), productId, quantity, reason);
  }

  adjustStock(productId: string, quantity: number, reason: string): AnyRow {
    return this.stock.adjustStock(this.session.actor(), productId, quantity, reason);
  }

  stockOf(productId: string): number {
    return this.stock.stockOf(productId);
  }

  private requireMeta(key: 'stationId' | 'stationCode'): string {
    const value = this.store.meta.get(key);
    if (!value) throw new MostradorError('NOT_ENROLLED');
    return value;
  }
}
