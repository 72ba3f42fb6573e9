/** The station core's public API; see the comment on `Station` for the tour. */
export { Station, type StationDump, type StationOptions } from './station.js';
export { Session } from './session.js';
export { Shop, type CatalogTable, type UserInput } from './shop/shop.js';
export type { RecordedSale, SaleInput, SaleItemInput } from './shop/sales.js';
export type { MovementKind } from './shop/stock.js';
export {
  SyncManager,
  type PulledEvent,
  type PushedEvent,
  type SyncEvents,
  type SyncOptions,
  type SyncResult,
  type SyncStatus,
} from './sync/manager.js';
export type { PullProgress } from './sync/pull.js';
export type { ServerTimeSample } from './sync/client.js';
export type { EnrollRequest } from './sync/enroll.js';
export { LocalStore, type CommittedWrites } from './store/store.js';
export type { FlaggedRow } from './store/outbox.js';
export type { Actor } from './store/writer.js';
export { DATABASE_FILE, databasePath } from './store/database.js';
