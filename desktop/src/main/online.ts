/**
 * Takes an Electron station online the way `station serve` does: the core's live client
 * (pull on connect and on notices, push as writes land, reconnect with backoff), after one
 * sync. Offline is fine: the live client keeps trying.
 */
import type { Station } from '../core/index.js';
import { LiveClient } from '../core/live/live-client.js';

export async function takeOnline(station: Station, appVersion: string): Promise<LiveClient> {
  const live = new LiveClient(station, { appVersion });
  await station.sync.sync().catch(() => {});
  live.start();
  return live;
}
