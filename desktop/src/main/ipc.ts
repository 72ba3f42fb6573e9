/**
 * The channel map over Electron IPC: one `handle` per channel of the map and nothing
 * else, the same dispatcher as the browser bridge, and events sent to the window. The
 * window has one session: whoever logged in last in it.
 */
import type { BrowserWindow, IpcMain } from 'electron';
import { EVENT_MESSAGE } from '../preload/expose.js';
import { CHANNEL_NAMES, EVENTS, type EventName } from '../shared/channels.js';
import { dispatch, type Session } from '../shared/dispatch.js';
import type { StationChannels } from '../shared/station-channels.js';

export function serveChannels(
  ipcMain: IpcMain,
  channels: StationChannels,
  window: () => BrowserWindow | null,
): () => void {
  const session: Session = { user: null };
  for (const channel of CHANNEL_NAMES) {
    ipcMain.handle(channel, async (event, request: unknown) => {
      // Only our own window's page may call; a frame that navigated elsewhere may not.
      if (event.sender !== window()?.webContents)
        return { ok: false, error: { code: 'FORBIDDEN', message: 'Unknown caller.' } };
      const result = await dispatch(channels.handlers, channel, request, session);
      return result.ok ? { ok: true, value: result.value } : { ok: false, error: result.error };
    });
  }
  const unsubscribe = channels.subscribe((event: EventName, payload) => {
    const { audience } = EVENTS[event];
    const allowed =
      audience === 'anyone' || (audience === 'user' ? Boolean(session.user) : session.user?.role === 'admin');
    if (allowed) window()?.webContents.send(EVENT_MESSAGE, { event, payload });
  });
  return () => {
    unsubscribe();
    for (const channel of CHANNEL_NAMES) ipcMain.removeHandler(channel);
  };
}
