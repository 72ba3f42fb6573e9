import type { Role, SessionUser } from '@mostrador/common';
import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { AppState } from '../../shared/channels.js';
import { api } from '../api/index.js';
import { LanguageSwitch } from '../components/LanguageSwitch.js';
import { StatusBar } from '../components/StatusBar.js';
import { CounterScreen } from './CounterScreen.js';
import { StationsScreen } from './StationsScreen.js';
import { StockScreen } from './StockScreen.js';
import { TableScreen } from './TableScreen.js';

type Section = 'counter' | 'products' | 'providers' | 'customers' | 'stock' | 'users' | 'stations';

/** Which sections each role sees; the station enforces the same rules again on every write. */
const SECTIONS: Record<Role, Section[]> = {
  cashier: ['counter', 'customers', 'stock'],
  manager: ['counter', 'products', 'providers', 'customers', 'stock'],
  admin: ['counter', 'products', 'providers', 'customers', 'stock', 'users', 'stations'],
};

function SectionView({ section, user }: { section: Section; user: SessionUser }) {
  switch (section) {
    case 'counter':
      return <CounterScreen />;
    case 'stock':
      return <StockScreen canAdjust={user.role !== 'cashier'} />;
    case 'stations':
      return <StationsScreen />;
    default:
      return <TableScreen key={section} table={section} />;
  }
}

export function MainLayout({ state, user, onLogout }: { state: AppState; user: SessionUser; onLogout: () => void }) {
  const { t } = useTranslation();
  const sections = SECTIONS[user.role];
  const [section, setSection] = useState<Section>('counter');

  // Alt+1…7 jumps between sections without the mouse.
  useEffect(() => {
    function onKey(event: KeyboardEvent) {
      if (!event.altKey) return;
      const index = Number(event.key) - 1;
      const target = sections[index];
      if (target) {
        event.preventDefault();
        setSection(target);
      }
    }
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [sections]);

  const signedInAs = t('nav.signedInAs', { name: user.displayName, role: t(`roles.${user.role}`) });

  async function logout() {
    await api.invoke('session:logout', {});
    onLogout();
  }

  return (
    <div className="layout">
      <header className="topbar">
        <span className="brand">{t('app.name')}</span>
        {state.station ? <span className="station-name">{state.station.name}</span> : null}
        <nav className="nav" aria-label={t('app.name')}>
          {sections.map((name, index) => (
            <button
              key={name}
              type="button"
              className={name === section ? 'nav-item active' : 'nav-item'}
              aria-current={name === section ? 'page' : undefined}
              title={`Alt+${index + 1}`}
              onClick={() => setSection(name)}
            >
              {t(`nav.${name}`)}
            </button>
          ))}
        </nav>
        <div className="topbar-end">
          <span className="user">{signedInAs}</span>
          <LanguageSwitch />
          <button type="button" className="link" title={signedInAs} onClick={() => void logout()}>
            {t('nav.logout')}
          </button>
        </div>
      </header>
      <main className="content">
        <SectionView section={section} user={user} />
      </main>
      <StatusBar />
    </div>
  );
}
