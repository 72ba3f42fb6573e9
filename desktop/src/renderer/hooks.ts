import { type RefObject, useCallback, useEffect, useLayoutEffect, useRef, useState } from 'react';
import { flushSync } from 'react-dom';
import type { ChannelName, ChannelRequest, ChannelResponse, EventName, EventPayloads } from '../shared/channels.js';
import { AnswerOrder } from './answer-order.js';
import { api } from './api/index.js';

export function useEvent<E extends EventName>(event: E, listener: (payload: EventPayloads[E]) => void) {
  const latest = useRef(listener);
  latest.current = listener;
  useEffect(() => api.on(event, (payload) => latest.current(payload)), [event]);
}

/**
 * Opens `dialog` as a modal with the cursor in `focus`, before the frame is painted: a key
 * pressed right after it opens (Escape, Enter; F9 then Enter at the counter) lands in it.
 * Effects wait for the paint under preact/compat, which the renderer runs on.
 */
export function useModalOpen(dialog: RefObject<HTMLDialogElement | null>, focus: RefObject<HTMLElement | null>) {
  useLayoutEffect(() => {
    dialog.current?.showModal();
    focus.current?.focus();
  }, [dialog, focus]);
}

/**
 * A window-wide key handler that always sees the latest render. Registered once: a handler
 * re-registered by an effect after every render would, between a render's paint and its
 * effects, still see the state before it (F9 pressed right after a scanned line shows up
 * would find the ticket empty).
 */
export function useKeyDown(listener: (event: KeyboardEvent) => void) {
  const latest = useRef(listener);
  latest.current = listener;
  useEffect(() => {
    const onKey = (event: KeyboardEvent) => latest.current(event);
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, []);
}

export interface Query<T> {
  data: T | null;
  error: unknown;
  /** True until the first answer for the current request (a reload keeps showing what it has). */
  loading: boolean;
  reload: () => void;
  /**
   * Show what `update` makes of the current answer at once, as if it were the newest
   * answer (none asked before it replaces it; a reload asked after it does). Nothing
   * happens while the current request is unanswered, or when `update` answers null.
   */
  show: (update: (data: T) => T | null) => void;
}

interface QueryState<T> {
  data: T | null;
  error: unknown;
  loading: boolean;
}

/**
 * Calls a channel and keeps its answer; reloads when `key` changes or `reload()` is called.
 * `reload()` asks at once, from the caller's own event (no render or effect before the
 * request leaves: that is what keeps a change pulled from elsewhere quick on screen), and
 * keeps the current answer shown meanwhile. Answers may arrive out of order: the newest
 * request's answer wins, and none for an older `key` is ever shown.
 */
export function useChannel<C extends ChannelName>(
  channel: C,
  request: ChannelRequest<C>,
  key = '',
): Query<ChannelResponse<C>> {
  const [state, setState] = useState<QueryState<ChannelResponse<C>>>({ data: null, error: null, loading: true });
  // What is on screen, or about to be: events may call show() twice before a render.
  const latest = useRef(state);
  const put = useCallback((next: QueryState<ChannelResponse<C>>) => {
    latest.current = next;
    setState(next);
  }, []);
  const requestRef = useRef(request);
  requestRef.current = request;
  const order = useRef(new AnswerOrder()).current;
  const ask = useCallback(() => {
    const ticket = order.ask();
    api.invoke(channel, requestRef.current).then(
      (value) => {
        if (order.accept(ticket)) put({ data: value, error: null, loading: false });
      },
      (failure: unknown) => {
        if (order.accept(ticket)) put({ data: latest.current.data, error: failure, loading: false });
      },
    );
  }, [channel, order, put]);
  const show = useCallback(
    (update: (data: ChannelResponse<C>) => ChannelResponse<C> | null) => {
      const { data, loading } = latest.current;
      const next = data === null || loading ? null : update(data);
      // Rendered in this very task: what the caller shows is already known, so nothing is
      // gained by letting React schedule it behind the event's other work.
      if (next !== null && order.accept(order.ask())) flushSync(() => put({ data: next, error: null, loading: false }));
    },
    [order, put],
  );
  // biome-ignore lint/correctness/useExhaustiveDependencies: `key` stands for the request's content
  useEffect(() => {
    order.restart();
    if (!latest.current.loading) put({ ...latest.current, loading: true });
    ask();
    // Answers to this key's requests are not shown once the key changed or the screen closed.
    return () => order.restart();
  }, [ask, key, order]);
  return { ...state, reload: ask, show };
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
