/**
 * `startUiBridge`: what `station serve --ui HOST:PORT` calls. It serves the renderer and
 * the channel map over HTTP and WebSocket for a station that may not exist yet: with an
 * empty data folder the browser shows the first-run screen and enrolls from there.
 *
 * `station serve` takes it in two steps, to listen first (issue 11): `listenUiBridge` before
 * the station core or even Fastify is imported (a plain node:http server, early-server.ts),
 * then `attach` once the station is open. Fastify takes the server over once the login
 * screen has its first answers (or at `attach`). Calls made before the station is attached
 * wait, but for the login screen's state, peeked from the data folder.
 */

import type { StationHost } from '../app/station-host.js';
import type { LiveIndicator } from '../app/sync-status.js';
import type { Station } from '../core/index.js';
import type { StationChannels } from '../shared/station-channels.js';
import type { BridgeOptions, RunningBridge } from './bridge-server.js';
import { listenEarly } from './early-server.js';
import { RENDERER_DIR } from './static-files.js';

export interface UiListenOptions {
  /** The station's data folder (where the first-run screen enrolls, when it is empty). */
  dataDir: string;
  /** Loopback unless the person starting the station says otherwise. */
  host?: string;
  /** Host names browsers may use when `host` is beyond loopback (required then). */
  allowedHosts?: readonly string[];
  port: number;
  /** Prefilled on the first-run screen; MOSTRADOR_SERVER_URL (set by `npm start`) otherwise. */
  suggestedServerUrl?: string | null;
  rendererDir?: string;
}

export interface UiStationOptions {
  /** The opened station; absent or null when the data folder is not enrolled yet. */
  station?: Station | null;
  /** Called with a station enrolled from the first-run screen, once bootstrapped, to take it online. */
  onStation?: (station: Station) => void | Promise<void>;
  /** The station's live channel, for the status bar's "live" and prompt offline detection. */
  liveOf?: (station: Station) => LiveIndicator | null;
}

/** `dataDir` is needed only when `station` is absent. */
export type UiBridgeOptions = Omit<UiListenOptions, 'dataDir'> & UiStationOptions & { dataDir?: string };

export interface UiBridge extends RunningBridge {
  /**
   * Resolves once the login screen has its first answers (`app:state` and `session:get`), or
   * with a call that waits for the station: the browser has loaded the renderer and runs it.
   */
  firstCall: Promise<void>;
  /** Resolves once the page has been sent before Fastify took over: a browser is loading the renderer. */
  pageServed: Promise<void>;
  /** Answers the calls (those already waiting too) over this station, or its first-run screen. */
  attach(options: UiStationOptions): Promise<void>;
}

let peekModule: Promise<typeof import('../app/station-peek.js')> | null = null;
const peek = () => {
  peekModule ??= import('../app/station-peek.js');
  return peekModule;
};

/** What the login screen asks first; once both are answered, Fastify and the station core may load. */
const EARLY_CHANNELS = ['app:state', 'session:get'];

/** Listening, serving the renderer and the login screen's state; other calls wait for `attach`. */
export async function listenUiBridge(options: UiListenOptions): Promise<UiBridge> {
  const suggestedServerUrl = options.suggestedServerUrl ?? process.env.MOSTRADOR_SERVER_URL ?? null;
  let answerWith: (channels: StationChannels) => void = () => {};
  const channels = new Promise<StationChannels>((resolve) => {
    answerWith = resolve;
  });
  let closeStation = async () => {};
  let called: () => void = () => {};
  const firstCall = new Promise<void>((resolve) => {
    called = resolve;
  });
  const rendererDir = options.rendererDir ?? RENDERER_DIR;
  let pageSent: () => void = () => {};
  const pageServed = new Promise<void>((resolve) => {
    pageSent = resolve;
  });
  const answeredEarly = new Set<string>();
  const bridgeOptions: BridgeOptions = {
    channels,
    earlyAnswer: (channel, session) => {
      if (channel === 'session:get') return { user: session.user };
      if (channel === 'app:state')
        return peek().then(({ peekReadyState }) => peekReadyState(options.dataDir, suggestedServerUrl));
      return undefined;
    },
    onCall: (channel, answered) => {
      if (answered) answeredEarly.add(channel);
      if (!answered || EARLY_CHANNELS.every((name) => answeredEarly.has(name))) called();
    },
    host: options.host ?? '127.0.0.1',
    allowedHosts: options.allowedHosts,
    port: options.port,
    rendererDir,
  };
  const early = await listenEarly({ ...bridgeOptions, rendererDir, onPage: () => pageSent() });
  // better-sqlite3 loads, and the folder is peeked at once, after listening: the login
  // screen's first call finds both warm (the first peek takes tens of milliseconds).
  void peek().then(({ peekReadyState }) => peekReadyState(options.dataDir, suggestedServerUrl));
  // Fastify and its plugins are imported once the login screen is served, not before.
  let running: Promise<RunningBridge> | null = null;
  const takeOver = () => {
    running ??= import('./bridge-server.js').then(({ takeOverBridge }) => takeOverBridge(bridgeOptions, early));
    return running;
  };
  // A failure here is reported by `attach`, which takes over too.
  void firstCall.then(takeOver).catch(() => {});
  return {
    url: early.url,
    port: early.port,
    firstCall,
    pageServed,
    async attach(stationOptions) {
      await takeOver();
      const { host, channels } = await stationChannels({
        ...stationOptions,
        dataDir: options.dataDir,
        suggestedServerUrl,
      });
      closeStation = async () => {
        await channels.close();
        host.close();
      };
      answerWith(channels);
      await host.start();
    },
    async close() {
      const bridge = running ? await running.catch(() => null) : null;
      await (bridge ?? early).close();
      await closeStation();
    },
  };
}

export async function startUiBridge(options: UiBridgeOptions): Promise<UiBridge> {
  const dataDir = options.dataDir ?? options.station?.store.db.name.replace(/[/\\][^/\\]+$/, '');
  if (!dataDir) throw new Error('startUiBridge needs a station or a dataDir');
  const bridge = await listenUiBridge({ ...options, dataDir });
  try {
    await bridge.attach(options);
  } catch (error) {
    await bridge.close();
    throw error;
  }
  return bridge;
}

/** Imported here, not above: the station core is what `listenUiBridge` does not wait for. */
async function stationChannels(
  options: UiStationOptions & { dataDir: string; suggestedServerUrl: string | null },
): Promise<{ host: StationHost; channels: StationChannels }> {
  const [{ StationHost }, { createStationChannels }] = await Promise.all([
    import('../app/station-host.js'),
    import('../app/station-channels.js'),
  ]);
  const host = new StationHost({
    dataDir: options.dataDir,
    station: options.station ?? null,
    suggestedServerUrl: options.suggestedServerUrl,
    onStation: options.onStation,
  });
  return { host, channels: createStationChannels(host, { liveOf: options.liveOf }) };
}
