/**
 * `startUiBridge`: what `station serve --ui HOST:PORT` calls. It serves the renderer and
 * the channel map over HTTP and WebSocket for a station that may not exist yet: with an
 * empty data folder the browser shows the first-run screen and enrolls from there.
 */

import { createStationChannels } from '../app/station-channels.js';
import { StationHost } from '../app/station-host.js';
import type { LiveIndicator } from '../app/sync-status.js';
import type { Station } from '../core/index.js';
import { type RunningBridge, startBridge } from './bridge-server.js';

export interface UiBridgeOptions {
  /** The opened station; absent or null when the data folder is not enrolled yet. */
  station?: Station | null;
  /** Needed when `station` is absent: where the first-run screen enrolls. */
  dataDir?: string;
  /** Loopback unless the person starting the station says otherwise. */
  host?: string;
  /** Host names browsers may use when `host` is beyond loopback (required then). */
  allowedHosts?: readonly string[];
  port: number;
  /** Prefilled on the first-run screen; MOSTRADOR_SERVER_URL (set by `npm start`) otherwise. */
  suggestedServerUrl?: string | null;
  /** Called with a station enrolled from the first-run screen, once bootstrapped, to take it online. */
  onStation?: (station: Station) => void | Promise<void>;
  /** The station's live channel, for the status bar's "live" and prompt offline detection. */
  liveOf?: (station: Station) => LiveIndicator | null;
  rendererDir?: string;
}

export interface UiBridge extends RunningBridge {
  host: StationHost;
}

export async function startUiBridge(options: UiBridgeOptions): Promise<UiBridge> {
  const dataDir = options.dataDir ?? options.station?.store.db.name.replace(/[/\\][^/\\]+$/, '');
  if (!dataDir) throw new Error('startUiBridge needs a station or a dataDir');
  const host = new StationHost({
    dataDir,
    station: options.station ?? null,
    suggestedServerUrl: options.suggestedServerUrl ?? process.env.MOSTRADOR_SERVER_URL ?? null,
    onStation: options.onStation,
  });
  const channels = createStationChannels(host, { liveOf: options.liveOf });
  const bridge = await startBridge({
    channels,
    host: options.host ?? '127.0.0.1',
    allowedHosts: options.allowedHosts,
    port: options.port,
    rendererDir: options.rendererDir,
  });
  await host.start();
  return {
    ...bridge,
    host,
    async close() {
      await bridge.close();
      await channels.close();
      host.close();
    },
  };
}
