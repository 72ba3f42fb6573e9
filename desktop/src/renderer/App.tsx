import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { SessionUser } from '@mostrador/common';
import type { AppState } from '../shared/channels.js';
import { api } from './api/index.js';
import { useEvent } from './hooks.js';
import { BootstrapScreen } from './screens/BootstrapScreen.js';
import { FirstRunScreen } from './screens/FirstRunScreen.js';
import { LoginScreen } from './screens/LoginScreen.js';
import { MainLayout } from './screens/MainLayout.js';

/** Chooses the screen from where the station is (first run, bootstrap, ready) and who is logged in. */
export function App() {
  const { t } = useTranslation();
  const [state, setState] = useState<AppState | null>(null);
  const [user, setUser] = useState<SessionUser | null | undefined>(undefined);

  useEffect(() => {
    void api.invoke('app:state', {}).then(setState);
    void api.invoke('session:get', {}).then(({ user }) => setUser(user));
  }, []);
  useEvent('app:state', setState);

  if (!state || user === undefined) return <div className="splash">{t('app.loading')}</div>;
  if (state.phase === 'firstRun' || state.phase === 'enrolling') return <FirstRunScreen state={state} onState={setState} />;
  if (state.phase === 'bootstrapping') return <BootstrapScreen state={state} />;
  if (!user) return <LoginScreen state={state} onLogin={setUser} />;
  return <MainLayout state={state} user={user} onLogout={() => setUser(null)} />;
}
