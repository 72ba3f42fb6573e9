/**
 * The status bar's view of sync, from the core's SyncManager and the live channel. "Online"
 * is the last request reaching the server; "live" is the WebSocket being connected.
 */
import type { Station } from '../core/index.js';
import type { SyncStatus } from '../shared/channels.js';

/** What the app needs to know of the live channel; `station serve` and the Electron main pass theirs. */
export interface LiveIndicator {
  readonly connected: boolean;
  on(event: 'online' | 'offline', listener: () => void): unknown;
  off(event: 'online' | 'offline', listener: () => void): unknown;
}

const SHUT_OUT = new Set(['STATION_REVOKED', 'UNAUTHORIZED']);

/**
 * `unanswered`: the server's health probe has just gone unanswered (issue 13). A frozen server
 * keeps its sockets open and answers nothing, so neither the live channel nor the last sync
 * would notice for a long time; the probe does within seconds.
 */
export function syncStatusOf(
  station: Station,
  live: LiveIndicator | null,
  lastSyncAt: string | null,
  unanswered = false,
): SyncStatus {
  const status = station.sync.status();
  const liveNow = live?.connected ?? false;
  // A server that answers "revoked" is reachable, but this station is not online with it.
  const shutOut = status.lastError !== null && SHUT_OUT.has(status.lastError.code);
  return {
    online: !shutOut && !unanswered && (liveNow || status.reachable === true),
    live: liveNow,
    lastSyncAt,
    pending: status.pending,
    pendingSales: status.pendingWork.sales,
    pendingChanges: status.pendingWork.changes,
    refused: status.flagged,
    cursor: status.cursor,
    head: status.head,
    problem: status.lastError,
    syncedAt: status.syncedAt,
    overdue: status.overdue,
    clockAheadMs: Math.round(-station.store.clock.offset),
  };
}

export const NO_STATION_STATUS: SyncStatus = {
  online: false,
  live: false,
  lastSyncAt: null,
  pending: 0,
  pendingSales: 0,
  pendingChanges: 0,
  refused: 0,
  cursor: 0,
  head: 0,
  problem: null,
  syncedAt: null,
  overdue: false,
  clockAheadMs: 0,
};
