import type { Role, SessionUser } from '@mostrador/common';
import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { AppState } from '../../shared/channels.js';
import { api } from '../api/index.js';
import { LanguageSwitch } from '../components/LanguageSwitch.js';
import { StatusBar } from '../components/StatusBar.js';
import { useChannel, useEvent, useKeyDown } from '../hooks.js';
import { onOpenRecord } from '../open-record.js';
import { CashScreen } from './CashScreen.js';
import { ConflictsScreen } from './ConflictsScreen.js';
import { CounterScreen } from './CounterScreen.js';
import { ReportsScreen } from './ReportsScreen.js';
import { SalesHistoryScreen } from './SalesHistoryScreen.js';
import { ShopSettingsScreen } from './ShopSettingsScreen.js';
import { StationsScreen } from './StationsScreen.js';
import { StockScreen } from './StockScreen.js';
import { TableScreen } from './TableScreen.js';

// issue 10: sales (history), cash (the till) and settings (the shop's); issue 13: reports, conflicts
type Section =
  | 'counter'
  | 'sales'
  | 'cash'
  | 'products'
  | 'providers'
  | 'customers'
  | 'stock'
  | 'reports'
  | 'users'
  | 'stations'
  | 'conflicts'
  | 'settings';

/** Which sections each role sees; the station enforces the same rules again on every write. */
const SECTIONS: Record<Role, Section[]> = {
  cashier: ['counter', 'sales', 'cash', 'customers', 'stock'],
  manager: ['counter', 'sales', 'cash', 'products', 'providers', 'customers', 'stock', 'reports'],
  admin: [
    'counter',
    'sales',
    'cash',
    'products',
    'providers',
    'customers',
    'stock',
    'reports',
    'users',
    'stations',
    'conflicts',
    'settings',
  ],
};

function SectionView({ section, user, openId }: { section: Section; user: SessionUser; openId: string | null }) {
  switch (section) {
    case 'counter':
      return <CounterScreen role={user.role} />;
    case 'sales':
      return <SalesHistoryScreen role={user.role} />;
    case 'cash':
      return <CashScreen />;
    case 'settings':
      return <ShopSettingsScreen />;
    case 'stock':
      return <StockScreen canAdjust={user.role !== 'cashier'} />;
    case 'stations':
      return <StationsScreen />;
    case 'reports':
      return <ReportsScreen />;
    case 'conflicts':
      return <ConflictsScreen />;
    default:
      return <TableScreen key={section} table={section} openId={openId} />;
  }
}

export function MainLayout({ state, user, onLogout }: { state: AppState; user: SessionUser; onLogout: () => void }) {
  const { t } = useTranslation();
  const sections = SECTIONS[user.role];
  const [section, setSection] = useState<Section>('counter');
  // issue 13: "fix" from the refused-records list opens the record's form in its section.
  const [opening, setOpening] = useState<{ section: Section; id: string } | null>(null);
  useEffect(
    () =>
      onOpenRecord(({ table, id }) => {
        const target = sections.find((name) => name === table);
        if (!target) return;
        setSection(target);
        setOpening({ section: target, id });
      }),
    [sections],
  );
  // The low-stock badge on the menu (issue 13).
  const low = useChannel('stock:low', {});
  // Asked after the open screen's own re-read (a microtask runs once every listener of the
  // event has run), so the bridge answers the list on screen first and the badge next.
  useEvent('data:changed', ({ tables }) => {
    if (tables.includes('stock_movements') || tables.includes('products')) queueMicrotask(low.reload);
  });
  const lowCount = low.data?.products.length ?? 0;

  // Alt+1…7 jumps between sections without the mouse.
  useKeyDown((event) => {
    if (!event.altKey) return;
    const target = sections[Number(event.key) - 1];
    if (target) {
      event.preventDefault();
      setSection(target);
      setOpening(null);
    }
  });

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
              onClick={() => {
                setSection(name);
                setOpening(null);
              }}
            >
              {name === 'sales' || name === 'cash' || name === 'settings' ? t(`till.nav.${name}`) : t(`nav.${name}`)}
              {name === 'stock' && lowCount > 0 ? (
                <span className="badge" title={t('stock.lowBadge', { count: lowCount })} data-testid="nav-low-stock">
                  {lowCount}
                </span>
              ) : null}
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
        <SectionView section={section} user={user} openId={opening?.section === section ? opening.id : null} />
      </main>
      <StatusBar />
    </div>
  );
}
