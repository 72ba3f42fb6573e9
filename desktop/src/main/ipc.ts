/**
 * The channel map over Electron IPC: one `handle` per channel of the map and nothing
 * else, the same dispatcher as the browser bridge, and events sent to the window. The
 * window has one session: whoever logged in last in it.
 */
import type { BrowserWindow, IpcMain, WebContents } from 'electron';
import { EVENT_MESSAGE } from '../preload/expose.js';
import { CHANNEL_NAMES, EVENTS, type EventName } from '../shared/channels.js';
import { dispatch, type Session } from '../shared/dispatch.js';
import type { StationChannels } from '../shared/station-channels.js';

/** Prints the window to the default or a named printer, with or without the system dialog. */
function printReceipt(sender: WebContents, request: unknown): Promise<{ ok: true; value: { printed: boolean } }> {
  const { silent, deviceName } = (request ?? {}) as { silent?: unknown; deviceName?: unknown };
  const options = {
    silent: silent === true,
    printBackground: true,
    ...(typeof deviceName === 'string' && deviceName ? { deviceName } : {}),
  };
  return new Promise((resolve) => sender.print(options, (printed) => resolve({ ok: true, value: { printed } })));
}

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
      // issue 10: a ticket is printed from the window itself (its print stylesheet shows only the ticket).
      if (channel === 'print:receipt' && session.user) return printReceipt(event.sender, request);
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
