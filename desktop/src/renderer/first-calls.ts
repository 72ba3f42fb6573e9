/**
 * The login screen's first two calls, sent by the entry (main.tsx) before the app's code is
 * even started (issue 11): their answers travel meanwhile. When they come at once the first
 * render has them (`answeredWithin`); otherwise the splash shows while they travel.
 * Each is handed out once; later askers (a remount) call again.
 */
import type { SessionUser } from '@mostrador/common';
import type { AppState } from '../shared/channels.js';
import { api } from './api/index.js';

interface FirstCalls {
  state: Promise<AppState>;
  session: Promise<{ user: SessionUser | null }>;
}

export interface FirstAnswers {
  state: AppState;
  user: SessionUser | null;
}

let sent: FirstCalls | null = null;

export function sendFirstCalls(): void {
  sent ??= { state: api.invoke('app:state', {}), session: api.invoke('session:get', {}) };
  // A failure is seen by whoever takes the call; until then it must not count as unhandled.
  sent.state.catch(() => {});
  sent.session.catch(() => {});
}

/** Both answers, if they come within `ms`; null if not, or if either fails (the splash then shows). */
export async function answeredWithin(ms: number): Promise<FirstAnswers | null> {
  if (!sent) return null;
  const answers = Promise.all([sent.state, sent.session]).then(([state, { user }]) => ({ state, user }));
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<null>((resolve) => {
    timer = setTimeout(() => resolve(null), ms);
  });
  try {
    return await Promise.race([answers.catch(() => null), late]);
  } finally {
    clearTimeout(timer);
  }
}

export function takeFirstCalls(): FirstCalls {
  const calls = sent ?? { state: api.invoke('app:state', {}), session: api.invoke('session:get', {}) };
  sent = null;
  return calls;
}
