/**
 * The one channel map and its two implementations: the Electron side (preload + main IPC)
 * and the browser bridge must offer exactly the channels of the map, and refuse others.
 */
import { mkdtempSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createStationChannels } from '../app/station-channels.js';
import { StationHost } from '../app/station-host.js';
import { startBridge } from '../bridge/bridge-server.js';
import { serveChannels } from '../main/ipc.js';
import { createPreloadApi, EVENT_MESSAGE } from '../preload/expose.js';
import { ChannelError } from './channel-error.js';
import { CHANNEL_NAMES, CHANNELS, EVENT_NAMES, type MostradorApi } from './channels.js';
import type { StationChannels } from './station-channels.js';

let folder: string;
let host: StationHost;
let channels: StationChannels;

beforeAll(() => {
  folder = mkdtempSync(join(tmpdir(), 'mostrador-channels-'));
  host = new StationHost({ dataDir: join(folder, 'data') });
  channels = createStationChannels(host);
});

afterAll(async () => {
  await channels.close();
  host.close();
  await rm(folder, { recursive: true, force: true });
});

describe('the channel map', () => {
  it('has a handler for every channel and nothing else', () => {
    expect(Object.keys(channels.handlers).sort()).toEqual([...CHANNEL_NAMES].sort());
  });

  it('keeps only first run, state and login public', () => {
    const open = CHANNEL_NAMES.filter((name) => CHANNELS[name].public).sort();
    expect(open).toEqual(['app:state', 'session:get', 'session:login', 'session:logout', 'station:enroll']);
  });
});

describe('the Electron side', () => {
  function recordingIpcRenderer() {
    const calls: [string, unknown][] = [];
    const listeners = new Map<string, (event: unknown, data: unknown) => void>();
    return {
      calls,
      listeners,
      ipc: {
        async invoke(channel: string, request: unknown) {
          calls.push([channel, request]);
          return { ok: true, value: { echoed: channel } };
        },
        on(message: string, listener: (event: unknown, data: unknown) => void) {
          listeners.set(message, listener);
        },
        removeListener(message: string) {
          listeners.delete(message);
        },
      },
    };
  }

  it('the preload forwards every channel of the map and refuses any other before IPC', async () => {
    const { ipc, calls } = recordingIpcRenderer();
    const api = createPreloadApi(ipc);
    for (const channel of CHANNEL_NAMES) await api.invoke(channel, {} as never);
    expect(calls.map(([channel]) => channel)).toEqual(CHANNEL_NAMES);
    const loose = api as unknown as { invoke(channel: string, request: unknown): Promise<unknown> };
    await expect(loose.invoke('db:query', { sql: 'SELECT 1' })).rejects.toBeInstanceOf(ChannelError);
    await expect(loose.invoke('__proto__', {})).rejects.toThrow(/No channel/);
    expect(calls).toHaveLength(CHANNEL_NAMES.length);
  });

  it('the preload turns a failure value back into a ChannelError with its code', async () => {
    const api = createPreloadApi({
      invoke: async () => ({ ok: false, error: { code: 'NOT_LOGGED_IN', message: 'Log in first.' } }),
      on() {},
      removeListener() {},
    });
    await expect(api.invoke('sync:status', {})).rejects.toMatchObject({ code: 'NOT_LOGGED_IN' });
  });

  it('the preload delivers only the event asked for and refuses unknown events', () => {
    const { ipc, listeners } = recordingIpcRenderer();
    const api = createPreloadApi(ipc);
    const heard: unknown[] = [];
    const stop = api.on('sync:status', (payload) => heard.push(payload));
    const relay = listeners.get(EVENT_MESSAGE);
    relay?.({}, { event: 'data:changed', payload: { tables: [] } });
    relay?.({}, { event: 'sync:status', payload: { online: true } });
    expect(heard).toEqual([{ online: true }]);
    stop();
    expect(listeners.has(EVENT_MESSAGE)).toBe(false);
    expect(() => (api as unknown as { on(e: string, l: () => void): void }).on('shell:open', () => {})).toThrow(
      /No event/,
    );
    expect(EVENT_NAMES).toContain('app:state');
  });

  it('the main process handles exactly the map and only for its own window', async () => {
    const handlers = new Map<string, (event: { sender: unknown }, request: unknown) => Promise<unknown>>();
    const ipcMain = {
      handle: (channel: string, handler: (event: { sender: unknown }, request: unknown) => Promise<unknown>) =>
        handlers.set(channel, handler),
      removeHandler: (channel: string) => handlers.delete(channel),
    };
    const webContents = { send() {} };
    const stop = serveChannels(ipcMain as never, channels, () => ({ webContents }) as never);
    expect([...handlers.keys()].sort()).toEqual([...CHANNEL_NAMES].sort());
    const state = await handlers.get('app:state')?.({ sender: webContents }, {});
    expect(state).toMatchObject({ ok: true, value: { phase: 'firstRun' } });
    const locked = await handlers.get('sync:status')?.({ sender: webContents }, {});
    expect(locked).toMatchObject({ ok: false, error: { code: 'NOT_LOGGED_IN' } });
    const stranger = await handlers.get('app:state')?.({ sender: {} }, {});
    expect(stranger).toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } });
    const bad = await handlers.get('session:login')?.({ sender: webContents }, { username: [] });
    expect(bad).toMatchObject({ ok: false, error: { code: 'VALIDATION' } });
    stop();
    expect(handlers.size).toBe(0);
  });
});

describe('the browser bridge', () => {
  it('answers every channel of the map (public ones, or 401 for the rest) and 404 for others', async () => {
    const bridge = await startBridge({
      channels: Promise.resolve(channels),
      host: '127.0.0.1',
      port: 0,
      rendererDir: folder,
    });
    try {
      for (const channel of CHANNEL_NAMES) {
        const response = await fetch(`${bridge.url}api/${channel}`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: '{}',
        });
        expect(response.status, channel).not.toBe(404);
        if (!CHANNELS[channel].public) expect(response.status, channel).toBe(401);
      }
      const unknown = await fetch(`${bridge.url}api/shell:open`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: '{}',
      });
      expect(unknown.status).toBe(404);
      const get = await fetch(`${bridge.url}api/app:state`);
      expect(get.status).toBe(405);
    } finally {
      await bridge.close();
    }
  });

  it('the renderer type accepts both implementations', () => {
    const preload: MostradorApi = createPreloadApi({
      invoke: async () => ({ ok: true, value: null }),
      on() {},
      removeListener() {},
    });
    expect(typeof preload.invoke).toBe('function');
  });
});
