/**
 * The login screen's first two calls, sent as the script starts (issue 11) rather than from
 * the first render's effect: their answers travel while i18n starts and React paints the
 * splash. Each is handed out once; later askers (a remount) call again.
 */
import type { SessionUser } from '@mostrador/common';
import type { AppState } from '../shared/channels.js';
import { api } from './api/index.js';

interface FirstCalls {
  state: Promise<AppState>;
  session: Promise<{ user: SessionUser | null }>;
}

let sent: FirstCalls | null = null;

export function sendFirstCalls(): void {
  sent ??= { state: api.invoke('app:state', {}), session: api.invoke('session:get', {}) };
  // A failure is seen by whoever takes the call; until then it must not count as unhandled.
  sent.state.catch(() => {});
  sent.session.catch(() => {});
}

export function takeFirstCalls(): FirstCalls {
  const calls = sent ?? { state: api.invoke('app:state', {}), session: api.invoke('session:get', {}) };
  sent = null;
  return calls;
}
