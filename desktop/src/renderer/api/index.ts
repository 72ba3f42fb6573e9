import type { MostradorApi } from '../../shared/channels.js';
import { createBridgeClient } from './bridge-client.js';

declare global {
  interface Window {
    /** Set by the Electron preload; absent in a plain browser, where the bridge client stands in. */
    mostrador?: MostradorApi;
  }
}

export const api: MostradorApi = window.mostrador ?? createBridgeClient();
