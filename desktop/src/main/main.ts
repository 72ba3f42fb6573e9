/**
 * The Electron main process: a thin shell. It opens the station core in the app's data
 * folder, serves the channel map to one sandboxed window, and takes the station online.
 * Everything it does lives in tested modules (app/, shared/, bridge/); this file only wires.
 */
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { app, type BrowserWindow, ipcMain, session } from 'electron';
import { createStationChannels } from '../app/station-channels.js';
import { StationHost } from '../app/station-host.js';
import type { Station } from '../core/index.js';
import type { LiveClient } from '../core/live/live-client.js';
import { serveChannels } from './ipc.js';
import { takeOnline } from './online.js';
import { lockDownSession } from './security.js';
import { keychainSealer } from './token-sealer.js';
import { createAppWindow } from './window.js';

const DIST = fileURLToPath(new URL('..', import.meta.url));
const paths = {
  preload: join(DIST, 'electron', 'preload.cjs'),
  rendererIndex: join(DIST, 'renderer', 'index.html'),
};

let window: BrowserWindow | null = null;
let live: LiveClient | null = null;

async function start() {
  // No permission is ever granted, and the CSP rides on every response (index.html has it too).
  lockDownSession(session.defaultSession);
  const host = new StationHost({
    dataDir: join(app.getPath('userData'), 'station'),
    stationOptions: { tokenSealer: keychainSealer() },
    suggestedServerUrl: process.env.MOSTRADOR_SERVER_URL ?? null,
    onStation: async (station: Station) => {
      live = await takeOnline(station, app.getVersion());
    },
  });
  const channels = createStationChannels(host, { liveOf: () => live });
  const stopServing = serveChannels(ipcMain, channels, () => window);
  await host.start();
  window = createAppWindow(paths);
  window.on('closed', () => {
    window = null;
  });
  app.once('will-quit', () => {
    stopServing();
    live?.stop();
    void channels.close();
    host.close();
  });
}

if (!app.requestSingleInstanceLock()) {
  // Two copies would open the same SQLite file and both push: focus the first one instead.
  app.quit();
} else {
  app.on('second-instance', () => {
    if (window?.isMinimized()) window.restore();
    window?.focus();
  });
  app.on('window-all-closed', () => app.quit());
  void app.whenReady().then(start);
}
