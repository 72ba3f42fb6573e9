import type { StationView } from '@mostrador/common';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { api } from '../api/index.js';
import { ConfirmDialog } from '../components/ConfirmDialog.js';
import { ErrorAlert } from '../components/ErrorAlert.js';
import { describeError } from '../errors.js';
import { timeAgo } from '../format.js';
import { useChannel, useEvent, useNow } from '../hooks.js';

/** The admins' monitor: every station of the shop, live, with revoke behind a confirmation. */
export function StationsScreen() {
  const { t } = useTranslation();
  const initial = useChannel('admin:stations', {});
  const [live, setLive] = useState<StationView[] | null>(null);
  const [revoking, setRevoking] = useState<StationView | null>(null);
  const [error, setError] = useState<string | null>(null);
  const now = useNow(5000);
  useEvent('admin:stations', ({ stations }) => setLive(stations));
  const stations = live ?? initial.data?.stations ?? null;

  async function revoke(station: StationView) {
    setRevoking(null);
    try {
      await api.invoke('admin:revoke', { stationId: station.id });
      setLive((await api.invoke('admin:stations', {})).stations);
    } catch (failure) {
      setError(describeError(failure, t));
    }
  }

  return (
    <div className="table-screen">
      <header className="section-header">
        <h1>{t('stations.title')}</h1>
        <p className="muted">{t('stations.intro')}</p>
      </header>
      <ErrorAlert message={error} />
      {initial.error && !stations ? (
        <p className="alert warning" role="status">
          {t('stations.unavailable')} ({describeError(initial.error, t)})
        </p>
      ) : stations && stations.length === 0 ? (
        <p className="empty">{t('stations.empty')}</p>
      ) : stations ? (
        <table className="grid" data-testid="stations-table">
          <thead>
            <tr>
              <th>{t('stations.name')}</th>
              <th>{t('stations.state')}</th>
              <th>{t('stations.lastSeen')}</th>
              <th className="num">{t('stations.lag')}</th>
              <th className="num">{t('stations.pending')}</th>
              <th>{t('stations.version')}</th>
              <th>{t('stations.lastError')}</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {stations.map((station) => (
              <tr key={station.id} data-station={station.name}>
                <td>{station.name}</td>
                <td>
                  {station.revokedAt ? (
                    <span className="pill muted">{t('stations.revoked')}</span>
                  ) : station.online ? (
                    <span className="pill ok">{t('stations.online')}</span>
                  ) : (
                    <span className="pill bad">{t('stations.offline')}</span>
                  )}
                </td>
                <td>{timeAgo(station.lastSeenAt, now, t)}</td>
                <td className="num">{station.lag}</td>
                <td className="num">{station.pending}</td>
                <td>{station.appVersion ?? '—'}</td>
                <td className="error-text">{station.lastError ?? ''}</td>
                <td className="row-actions">
                  {station.revokedAt ? null : (
                    <button type="button" className="link danger" onClick={() => setRevoking(station)}>
                      {t('stations.revoke')}
                    </button>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : null}
      {revoking ? (
        <ConfirmDialog
          title={t('stations.confirmTitle', { name: revoking.name })}
          body={t('stations.confirmBody')}
          confirmLabel={t('stations.confirm')}
          cancelLabel={t('table.cancel')}
          danger
          onConfirm={() => void revoke(revoking)}
          onCancel={() => setRevoking(null)}
        />
      ) : null}
    </div>
  );
}
