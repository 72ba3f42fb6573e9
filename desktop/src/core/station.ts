import {
  type AnyRow,
  isTableName,
  MostradorError,
  type SessionUser,
  TABLE_NAMES,
  type TableName,
  type WallClock,
} from '@mostrador/common';
import { StationReports } from './reports/reports.js';
import { Session } from './session.js';
import { CsvTransfer } from './shop/csv-io.js';
import { Shop } from './shop/shop.js';
import { StockRoom } from './shop/stock-room.js';
import type { LocalConflict } from './store/conflicts.js';
import type { FlaggedRow } from './store/outbox.js';
import { LocalStore, type TokenSealer } from './store/store.js';
import { LocalWriter } from './store/writer.js';
import { type EnrollRequest, enrollStation } from './sync/enroll.js';
import { SyncManager, type SyncOptions } from './sync/manager.js';

export interface StationOptions {
  /** The station's folder: its SQLite database and nothing else it needs. */
  dataDir: string;
  /** The station's physical clock (tests skew it); Date.now by default. */
  wallClock?: WallClock;
  sync?: SyncOptions;
  /** Seals the station token at rest (Electron: the OS keychain); see TokenSealer. */
  tokenSealer?: TokenSealer | null;
}

/** `station dump`: every table's rows sorted by id with every column, the cursor and the outbox size. */
export interface StationDump {
  tables: Record<TableName, AnyRow[]>;
  cursor: number;
  pending: number;
}

/**
 * A station: the shop's data on this machine and its sync with the server. Plain Node,
 * no Electron; the Electron app, the `station` command, tests and benchmarks share it.
 *
 * Public API (all synchronous unless marked async; writes need a session):
 * - `Station.enroll({dataDir, serverUrl, name, username, password})` async: enrolls a new
 *   station with admin credentials; then `station.sync.pullChanges()` bootstraps it.
 *   `Station.open({dataDir})` opens an enrolled one. Both take `wallClock` and `sync` options.
 * - Session: `login(username, password)` async (offline, against local users; opens the
 *   user's signing key), `unlock(username, password)` (the same without switching user),
 *   `logout()`, `actAs(userId)` (a user logged in here), `user`; `enrolledBy` is the
 *   enrolling user's id (the serve default). Writes are signed: NOT_LOGGED_IN without a key.
 * - `shop`: save/remove/get of products, providers, customers; `saveUser` (admin) async;
 *   `searchProducts(q)`; `recordSale({items, paymentMethod, customerId})`; `voidSale(id, reason)`;
 *   `recordPurchase`, `adjustStock`, `stockOf(productId)`.
 * - Generic rows for any registry table: `put(table, row)`, `delete(table, id)`, `get(table, id)`.
 * - `flagged()`: rows of groups the server holds or rejected, with code and reason (kept until
 *   a person dismisses a rejected one: `dismissRejected(groupId)`, or discards a held one:
 *   `discardHeld(groupId)`, withdrawn on the server and undone here);
 *   `conflicts()`: held/rejected local versions that a newer server version replaced.
 * - `sync` (SyncManager): `pushOutbox()`, `pullChanges()`, `sync()`; `pending`, `cursor`,
 *   `head`, `status()`; `adoptServerTime()`; events `pushed {count,cursor}`,
 *   `pulled {count,cursor,ids}`, `progress {done,total}`, `error`, `status`.
 * - `store.on('written', {tables,count})`: local writes committed (time to push).
 * - `dump()`, `close()`.
 */
export class Station {
  readonly session: Session;
  readonly shop: Shop;
  readonly sync: SyncManager;
  /** issue 13: sales, products, cashiers, stations and taxes from the local copy. */
  readonly reports: StationReports;
  /** issue 13: deliveries, stock counts, low stock, movement history. */
  readonly stockRoom: StockRoom;
  /** issue 13: CSV export and previewed, one-group import of products, providers and customers. */
  readonly csv: CsvTransfer;
  private readonly writer: LocalWriter;

  private constructor(
    readonly store: LocalStore,
    options: StationOptions,
  ) {
    this.writer = new LocalWriter(store);
    this.session = new Session(store);
    this.shop = new Shop(store, this.writer, this.session);
    this.sync = new SyncManager(store, { wallClock: options.wallClock, ...options.sync });
    this.reports = new StationReports(store.db, store.meta);
    this.csv = new CsvTransfer(store, this.writer, this.session);
    this.stockRoom = new StockRoom(store, this.writer, this.shop.stock, this.session, () => this.id);
  }

  /** Open an enrolled station; NOT_ENROLLED or DATA_CORRUPT otherwise. */
  static open(options: StationOptions): Station {
    const store = LocalStore.open(options.dataDir, { wallClock: options.wallClock, tokenSealer: options.tokenSealer });
    if (!store.meta.get('stationId')) {
      store.close();
      throw new MostradorError('NOT_ENROLLED');
    }
    return new Station(store, options);
  }

  /** Enroll a new station in `dataDir` (online, admin credentials). It is empty until pulled. */
  static async enroll(options: StationOptions & EnrollRequest): Promise<Station> {
    const store = LocalStore.open(options.dataDir, {
      create: true,
      wallClock: options.wallClock,
      tokenSealer: options.tokenSealer,
    });
    const station = new Station(store, options);
    try {
      await enrollStation(store, options, (sample) => station.sync.adoptServerTime(sample));
      return station;
    } catch (error) {
      store.close();
      throw error;
    }
  }

  get id(): string {
    return this.store.meta.get('stationId') as string;
  }

  get enrolledBy(): string | null {
    return this.store.meta.get('enrolledBy');
  }

  login(username: string, password: string): Promise<SessionUser> {
    return this.session.login(username, password);
  }

  /** Check a user's password and open their signing key, so writes may name them (`actAs`). */
  unlock(username: string, password: string): Promise<SessionUser> {
    return this.session.unlock(username, password);
  }

  logout(): void {
    this.session.logout();
  }

  actAs(userId: string): SessionUser {
    return this.session.actAs(userId);
  }

  get user(): SessionUser | null {
    return this.session.user;
  }

  put(table: string, row: Record<string, unknown>): AnyRow {
    return this.writer.put(knownTable(table), row, this.session.actor());
  }

  delete(table: string, id: string): AnyRow {
    return this.writer.delete(knownTable(table), id, this.session.actor());
  }

  get(table: string, id: string): AnyRow | null {
    return this.store.rows.get(knownTable(table), id);
  }

  /** Rows of groups the server holds for review or rejected (or waiting for their user to log in). */
  flagged(): FlaggedRow[] {
    return this.store.outbox.flagged();
  }

  /** Local versions a newer server version replaced while their group was held or rejected. */
  conflicts(): LocalConflict[] {
    return this.store.conflicts.all();
  }

  dump(): StationDump {
    const tables = Object.fromEntries(TABLE_NAMES.map((table) => [table, this.store.rows.all(table)]));
    return { tables: tables as StationDump['tables'], cursor: this.sync.cursor, pending: this.sync.pending };
  }

  /** Forget a group the server rejected for good (it was undone here, or was never a verified fact). */
  dismissRejected(groupId: string): boolean {
    return this.store.outbox.dismissRejected(groupId);
  }

  /** Discard a group the server holds for review: withdrawn there, undone here (see SyncManager.discardHeld). */
  discardHeld(groupId: string): Promise<boolean> {
    return this.sync.discardHeld(groupId);
  }

  close(): void {
    this.store.keyring.clear();
    this.store.close();
  }
}

function knownTable(table: string): TableName {
  if (!isTableName(table)) throw new MostradorError('UNKNOWN_TABLE', `No synced table named ${table}.`);
  return table;
}
