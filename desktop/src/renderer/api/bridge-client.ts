/**
 * The channel map in a plain browser: calls are POST /api/<channel> on the bridge that
 * served this page (the session cookie rides along), events come over one WebSocket that
 * reconnects with backoff. Same interface as the Electron preload's `window.mostrador`.
 */
import { ChannelError } from '../../shared/channel-error.js';
import type {
  ChannelName,
  ChannelRequest,
  ChannelResponse,
  EventName,
  EventPayloads,
  MostradorApi,
} from '../../shared/channels.js';

type AnyListener = (payload: unknown) => void;

export function createBridgeClient(base: URL = new URL('/', location.href)): MostradorApi & { reconnect(): void } {
  const listeners = new Map<string, Set<AnyListener>>();
  let socket: WebSocket | null = null;
  let retry = 0;
  let timer: ReturnType<typeof setTimeout> | undefined;

  function connect() {
    clearTimeout(timer);
    const url = new URL('api/events', base);
    url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
    const ws = new WebSocket(url);
    socket = ws;
    ws.onopen = () => {
      retry = 0;
    };
    ws.onmessage = (message) => {
      const { event, payload } = JSON.parse(String(message.data)) as { event: string; payload: unknown };
      for (const listener of listeners.get(event) ?? []) listener(payload);
    };
    ws.onclose = () => {
      if (socket !== ws) return;
      // The bridge runs on this machine; back off gently so a restarting station is not hammered.
      const delay = Math.min(5000, 250 * 2 ** retry++) * (0.5 + Math.random() / 2);
      timer = setTimeout(connect, delay);
    };
  }
  connect();

  async function invoke<C extends ChannelName>(channel: C, request: ChannelRequest<C>): Promise<ChannelResponse<C>> {
    let response: Response;
    try {
      response = await fetch(new URL(`api/${channel}`, base), {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(request),
        credentials: 'same-origin',
      });
    } catch {
      throw new ChannelError('STATION_UNREACHABLE', 'The station process is not answering.');
    }
    const body = (await response.json().catch(() => null)) as unknown;
    if (!response.ok) {
      const error = (body as { error?: { code?: string; message?: string } } | null)?.error;
      throw new ChannelError(error?.code ?? 'INTERNAL', error?.message ?? response.statusText);
    }
    // A login or logout changes which events this browser may hear: reopen the socket with the new cookie.
    if (channel === 'session:login' || channel === 'session:logout') reconnectSocket();
    return body as ChannelResponse<C>;
  }

  function reconnectSocket() {
    const old = socket;
    socket = null;
    old?.close();
    connect();
  }

  function on<E extends EventName>(event: E, listener: (payload: EventPayloads[E]) => void) {
    const set = listeners.get(event) ?? new Set<AnyListener>();
    listeners.set(event, set);
    set.add(listener as AnyListener);
    return () => set.delete(listener as AnyListener);
  }

  return { invoke, on, reconnect: reconnectSocket };
}
