/**
 * Keeps an Electron station in step with the server: push as soon as writes land, and a
 * full sync at start and now and then. When the core's live client is wired in here, its
 * socket becomes the "live" light and the periodic sync only a fallback.
 */
import type { Station } from '../core/index.js';
import type { LiveIndicator } from '../app/sync-status.js';

export interface OnlineStation {
  live: LiveIndicator | null;
  stop(): void;
}

const FALLBACK_SYNC_MS = 15_000;

export function takeOnline(station: Station): OnlineStation {
  const push = () => void station.sync.pushOutbox().catch(() => {});
  const sync = () => void station.sync.sync().catch(() => {});
  station.store.on('written', push);
  const timer = setInterval(sync, FALLBACK_SYNC_MS);
  sync();
  return {
    live: null,
    stop() {
      clearInterval(timer);
      station.store.off('written', push);
    },
  };
}
