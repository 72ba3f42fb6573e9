/** The station core's public API; see the comment on `Station` for the tour. */

export { Session } from './session.js';
export type { RecordedSale, SaleInput, SaleItemInput } from './shop/sales.js';
export { type CatalogTable, Shop, type UserInput } from './shop/shop.js';
export type { MovementKind } from './shop/stock.js';
export { Station, type StationDump, type StationOptions } from './station.js';
export type { LocalConflict } from './store/conflicts.js';
export { DATABASE_FILE, databasePath } from './store/database.js';
export type { FlaggedRow, GroupState, PendingWork } from './store/outbox.js';
export { type CommittedWrites, LocalStore, type TokenSealer } from './store/store.js';
export type { Actor } from './store/writer.js';
export type { ServerTimeSample } from './sync/client.js';
export type { EnrollRequest } from './sync/enroll.js';
export {
  type PulledEvent,
  type PushedEvent,
  type SyncEvents,
  SyncManager,
  type SyncOptions,
  type SyncResult,
  type SyncStatus,
} from './sync/manager.js';
export type { PullProgress } from './sync/pull.js';
