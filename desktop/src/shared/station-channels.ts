import type { EventName, EventPayloads } from './channels.js';
import type { ChannelHandlers } from './dispatch.js';

export type EventListener = <E extends EventName>(event: E, payload: EventPayloads[E]) => void;

/** The channel map implemented over one station: handlers for calls, a feed of events. */
export interface StationChannels {
  handlers: ChannelHandlers;
  /** Registers a listener for every event; returns the function that removes it. */
  subscribe(listener: EventListener): () => void;
  close(): Promise<void>;
}
