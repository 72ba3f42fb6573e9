import type { SessionUser } from '@mostrador/common';
import { lazy, Suspense, useEffect, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { AppState } from '../shared/channels.js';
import { api } from './api/index.js';
import { type FirstAnswers, takeFirstCalls } from './first-calls.js';
import { useEvent } from './hooks.js';
import { BootstrapScreen } from './screens/BootstrapScreen.js';
import { FirstRunScreen } from './screens/FirstRunScreen.js';
import { LoginScreen } from './screens/LoginScreen.js';

/** Holds the bootstrap screen on its full bar for a moment, so a fast download is still seen to finish. */
function useBootstrapFinish(state: AppState | null): boolean {
  const [finishing, setFinishing] = useState(false);
  const previous = useRef<AppState['phase'] | null>(null);
  useEffect(() => {
    const phase = state?.phase ?? null;
    if (previous.current === 'bootstrapping' && phase === 'ready') {
      setFinishing(true);
      const timer = setTimeout(() => setFinishing(false), BOOTSTRAP_FINISH_MS);
      previous.current = phase;
      return () => clearTimeout(timer);
    }
    previous.current = phase;
  }, [state?.phase]);
  // The render that first sees `ready` comes before the effect above: hold it too.
  const justFinished = previous.current === 'bootstrapping' && state?.phase === 'ready';
  return finishing || justFinished;
}

const BOOTSTRAP_FINISH_MS = 800;

// The screens behind the login are a chunk of their own (issue 11): the login screen paints
// without them, and they load right after it.
const loadMainLayout = () => import('./screens/MainLayout.js');
const MainLayout = lazy(() => loadMainLayout().then(({ MainLayout }) => ({ default: MainLayout })));

/** Runs `task` once the frame being prepared has been painted; the returned function cancels it. */
function afterNextPaint(task: () => void): () => void {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const frame = requestAnimationFrame(() => {
    timer = setTimeout(task);
  });
  return () => {
    cancelAnimationFrame(frame);
    clearTimeout(timer);
  };
}

/**
 * Chooses the screen from where the station is (first run, bootstrap, ready) and who is logged
 * in; `first`: the first calls' answers, when they came before the first render.
 */
export function App({ first = null }: { first?: FirstAnswers | null }) {
  const { t } = useTranslation();
  const [state, setState] = useState<AppState | null>(first?.state ?? null);
  const [user, setUser] = useState<SessionUser | null | undefined>(first ? first.user : undefined);

  useEffect(() => {
    const first = takeFirstCalls();
    void first.state.then(setState);
    void first.session.then(({ user }) => setUser(user));
  }, []);
  // Fetched once the first screen is painted: parsing and starting them (TypeBox's schemas)
  // while the login screen renders would hold it back.
  const shown = state !== null && user !== undefined;
  useEffect(() => {
    if (shown) return afterNextPaint(() => void loadMainLayout());
  }, [shown]);
  useEvent('app:state', setState);
  // issue 13: events are only hints. While enrolling or bootstrapping, ask for the state once a
  // second too, so a 'ready' sent before the event stream was (re)connected is never waited on.
  const waiting = state?.phase === 'enrolling' || state?.phase === 'bootstrapping';
  useEffect(() => {
    if (!waiting) return;
    const timer = setInterval(() => void api.invoke('app:state', {}).then(setState, () => {}), 1000);
    return () => clearInterval(timer);
  }, [waiting]);
  const finishing = useBootstrapFinish(state);

  const splash = <div className="splash">{t('app.loading')}</div>;
  if (!state || user === undefined) return splash;
  if (state.phase === 'firstRun' || state.phase === 'enrolling')
    return <FirstRunScreen state={state} onState={setState} />;
  if (state.phase === 'bootstrapping' || finishing) return <BootstrapScreen state={state} />;
  if (!user) return <LoginScreen state={state} onLogin={setUser} />;
  return (
    <Suspense fallback={splash}>
      <MainLayout state={state} user={user} onLogout={() => setUser(null)} />
    </Suspense>
  );
}
