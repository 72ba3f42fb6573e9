import { useCallback, useEffect, useRef, useState } from 'react';
import type { ChannelName, ChannelRequest, ChannelResponse, EventName, EventPayloads } from '../shared/channels.js';
import { api } from './api/index.js';

export function useEvent<E extends EventName>(event: E, listener: (payload: EventPayloads[E]) => void) {
  const latest = useRef(listener);
  latest.current = listener;
  useEffect(() => api.on(event, (payload) => latest.current(payload)), [event]);
}

export interface Query<T> {
  data: T | null;
  error: unknown;
  loading: boolean;
  reload: () => void;
}

/** Calls a channel and keeps its answer; reloads when `key` changes or `reload()` is called. */
export function useChannel<C extends ChannelName>(
  channel: C,
  request: ChannelRequest<C>,
  key = '',
): Query<ChannelResponse<C>> {
  const [data, setData] = useState<ChannelResponse<C> | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [loading, setLoading] = useState(true);
  const [tick, setTick] = useState(0);
  const requestRef = useRef(request);
  requestRef.current = request;
  // biome-ignore lint/correctness/useExhaustiveDependencies: `key` stands for the request's content
  useEffect(() => {
    let current = true;
    setLoading(true);
    api.invoke(channel, requestRef.current).then(
      (value) => {
        if (!current) return;
        setData(value);
        setError(null);
        setLoading(false);
      },
      (failure: unknown) => {
        if (!current) return;
        setError(failure);
        setLoading(false);
      },
    );
    return () => {
      current = false;
    };
  }, [channel, key, tick]);
  const reload = useCallback(() => setTick((n) => n + 1), []);
  return { data, error, loading, reload };
}

/** Re-renders every `ms` milliseconds, for "x seconds ago" labels. */
export function useNow(ms: number): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), ms);
    return () => clearInterval(timer);
  }, [ms]);
  return now;
}
