/**
 * The preload's whole API, built over an injected IPC renderer so it can be checked
 * without Electron: only channels and events of the map pass, anything else is refused
 * before it reaches the main process.
 */
import { ChannelError } from '../shared/channel-error.js';
import {
  CHANNEL_NAMES,
  type ChannelName,
  type ChannelRequest,
  type ChannelResponse,
  type ChannelResult,
  EVENT_NAMES,
  type EventName,
  type EventPayloads,
  type MostradorApi,
} from '../shared/channels.js';

/** The one IPC message name events travel on, main → renderer. */
export const EVENT_MESSAGE = 'mostrador:event';

export interface IpcRendererLike {
  invoke(channel: string, request: unknown): Promise<unknown>;
  on(message: string, listener: (event: unknown, data: unknown) => void): unknown;
  removeListener(message: string, listener: (event: unknown, data: unknown) => void): unknown;
}

const channels = new Set<string>(CHANNEL_NAMES);
const events = new Set<string>(EVENT_NAMES);

export function createPreloadApi(ipc: IpcRendererLike): MostradorApi {
  return {
    async invoke<C extends ChannelName>(channel: C, request: ChannelRequest<C>): Promise<ChannelResponse<C>> {
      if (!channels.has(channel)) throw new ChannelError('NOT_FOUND', `No channel named ${String(channel)}.`);
      const result = (await ipc.invoke(channel, request)) as ChannelResult<C>;
      if (!result.ok) throw new ChannelError(result.error.code, result.error.message);
      return result.value;
    },
    on<E extends EventName>(event: E, listener: (payload: EventPayloads[E]) => void) {
      if (!events.has(event)) throw new ChannelError('NOT_FOUND', `No event named ${String(event)}.`);
      const relay = (_: unknown, data: unknown) => {
        const message = data as { event: string; payload: EventPayloads[E] };
        if (message.event === event) listener(message.payload);
      };
      ipc.on(EVENT_MESSAGE, relay);
      return () => {
        ipc.removeListener(EVENT_MESSAGE, relay);
      };
    },
  };
}
