import {
  type AnyRow,
  assertPasswordPolicy,
  createUserKey,
  hashPassword,
  MostradorError,
  type Role,
  resealUserKey,
  type SessionReport,
  type SessionUser,
  type TableName,
  type Ticket,
  verifyPassword,
  WITHHELD_PASSWORD_HASH,
  type ZReport,
} from '@mostrador/common';
import type { Session } from '../session.js';
import type { LocalStore } from '../store/store.js';
import type { LocalWriter } from '../store/writer.js';
import { CashDrawer, type ClosingResult } from './cash.js';
import {
  type RecordedSale,
  type ReturnInput,
  type SaleInput,
  type SaleOptions,
  SalesDesk,
  type SalesFilter,
} from './sales.js';
import { readSettings, type ShopSettings, settingsRow } from './sales-settings.js';
import { ProductSearch, type SearchOptions } from './search.js';
import { StockLedger } from './stock.js';
import { TicketBook } from './tickets.js';

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
  readonly cash: CashDrawer;
  private readonly sales: SalesDesk;
  private readonly tickets: TicketBook;
  private readonly finder: ProductSearch;

  constructor(
    private readonly store: LocalStore,
    private readonly writer: LocalWriter,
    private readonly session: Session,
  ) {
    const stationId = () => this.requireMeta('stationId');
    this.stock = new StockLedger(store, writer, stationId);
    this.cash = new CashDrawer(store, writer, stationId);
    this.sales = new SalesDesk(store, writer, this.stock, this.cash, () => ({ id: stationId() }));
    this.tickets = new TicketBook(store, this.sales);
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

  searchProducts(query: string, limit?: number, options?: SearchOptions): AnyRow[] {
    return this.finder.search(query, limit, options);
  }

  /** Prepares the search's in-memory names (the counter calls it as it opens). */
  warmSearch(): void {
    this.finder.warm();
  }

  /** A scanned or typed code, exactly (SKU or barcode), among products on sale. */
  productByCode(code: string): AnyRow | null {
    return this.finder.exact(code, { forSale: true })[0] ?? null;
  }

  recordSale(input: SaleInput, options?: SaleOptions): RecordedSale {
    return this.sales.recordSale(this.session.actor(), input, options);
  }

  returnItems(input: ReturnInput): RecordedSale {
    return this.sales.returnItems(this.session.actor(), input);
  }

  voidSale(saleId: string, reason: string): AnyRow {
    return this.sales.voidSale(this.session.actor(), saleId, reason);
  }

  listSales(filter?: SalesFilter): AnyRow[] {
    this.session.actor();
    return this.sales.list(filter);
  }

  /** A sold item with what is left to return of it. */
  saleItems(saleId: string): (AnyRow & { returned: number })[] {
    return this.sales.items(saleId).map((item) => ({ ...item, returned: this.sales.returned(item.id).quantity }));
  }

  ticket(saleId: string): Ticket {
    this.session.actor();
    return this.tickets.ticket(saleId);
  }

  /**
   * A manager or admin approving something at the counter with their own password (the
   * logged-in cashier stays logged in). Returns who approved.
   */
  async approve(username: string, password: string): Promise<SessionUser> {
    const user = this.store.db
      .prepare<[string], { id: string; username: string; displayName: string; role: Role; passwordHash: string }>(
        'SELECT id, username, displayName, role, passwordHash FROM users WHERE username = ? AND deletedAt IS NULL AND active = 1',
      )
      .get(username);
    if (user?.passwordHash === WITHHELD_PASSWORD_HASH) {
      throw new MostradorError(
        'FORBIDDEN',
        `This station does not hold ${user.username}'s password: a ${user.role} can approve only at a station whose use includes managers.`,
      );
    }
    if (!user || !(await verifyPassword(password, user.passwordHash))) throw new MostradorError('INVALID_CREDENTIALS');
    if (user.role === 'cashier') throw new MostradorError('FORBIDDEN', 'Only a manager or an admin can approve.');
    return { id: user.id, username: user.username, displayName: user.displayName, role: user.role };
  }

  openCash(float: number): AnyRow {
    return this.cash.open(this.session.actor(), float);
  }

  moveCash(kind: 'in' | 'out', amount: number, reason: string): AnyRow {
    return this.cash.move(this.session.actor(), kind, amount, reason);
  }

  closeCash(counts: Record<string, number>): ClosingResult {
    return this.cash.close(this.session.actor(), counts);
  }

  /** The open session of this station and its figures so far. */
  currentCash(): { session: AnyRow; report: SessionReport } | null {
    this.session.actor();
    const session = this.cash.current();
    return session ? { session, report: this.cash.report(session.id) } : null;
  }

  zReport(sessionId: string): ZReport {
    this.session.actor();
    const closing = this.cash.recentClosings(5000).find((c) => c.sessionId === sessionId) ?? null;
    return this.tickets.zReport(this.cash.report(sessionId), closing);
  }

  recentClosings(): AnyRow[] {
    this.session.actor();
    return this.cash.recentClosings();
  }

  settings(): ShopSettings {
    return readSettings(this.store);
  }

  saveSettings(settings: Partial<ShopSettings>): ShopSettings {
    this.writer.put('shop_settings', settingsRow(settings), this.session.actor());
    return this.settings();
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
