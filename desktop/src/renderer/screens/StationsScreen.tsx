import type { StationView } from '@mostrador/common';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { StationBackup } from '../../shared/channels.js';
import { api } from '../api/index.js';
import { ConfirmDialog } from '../components/ConfirmDialog.js';
import { ErrorAlert } from '../components/ErrorAlert.js';
import { describeError, describeReportedError } from '../errors.js';
import { clockWords, timeAgo } from '../format.js';
import { useChannel, useEvent, useNow } from '../hooks.js';

/** The admins' monitor: every station of the shop, live, with revoke behind a confirmation. */
export function StationsScreen() {
  const { t } = useTranslation();
  const initial = useChannel('admin:stations', {});
  const [live, setLive] = useState<StationView[] | null>(null);
  const [revoking, setRevoking] = useState<StationView | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [backup, setBackup] = useState<{ busy: boolean; done: StationBackup | null }>({ busy: false, done: null });
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

  async function backUp() {
    setBackup({ busy: true, done: null });
    try {
      setBackup({ busy: false, done: await api.invoke('station:backup', {}) });
    } catch (failure) {
      setBackup({ busy: false, done: null });
      setError(describeError(failure, t));
    }
  }

  return (
    <div className="table-screen">
      <header className="section-header">
        <h1>{t('stations.title')}</h1>
        <p className="muted">{t('stations.intro')}</p>
        <button type="button" disabled={backup.busy} onClick={() => void backUp()}>
          {backup.busy ? t('backup.running') : t('backup.button')}
        </button>
      </header>
      {backup.done ? (
        <p className="alert ok" role="status" data-testid="backup-done">
          {t('backup.done', { file: backup.done.file, size: Math.ceil(backup.done.bytes / 1024) })}
        </p>
      ) : null}
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
              <th>{t('health.checks')}</th>
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
                <td className="num">{t('stations.lagValue', { count: station.lag })}</td>
                <td className="num">{t('stations.pendingValue', { count: station.pending })}</td>
                <td>{station.appVersion ?? '—'}</td>
                <td className="error-text">{station.lastError ? describeReportedError(station.lastError, t) : ''}</td>
                <td data-testid="station-health">
                  {station.overdue ? <span className="pill bad">{t('health.overdueBadge')}</span> : null}{' '}
                  {clockWords(station.clockOffsetMs, t) ? (
                    <span className="pill bad" title={t('clock.hint')}>
                      {clockWords(station.clockOffsetMs, t)}
                    </span>
                  ) : null}{' '}
                  {[
                    station.checkedAt ? t('health.checked', { when: timeAgo(station.checkedAt, now, t) }) : null,
                    station.repairedAt ? t('health.repaired', { when: timeAgo(station.repairedAt, now, t) }) : null,
                    station.reconciledAt
                      ? t('health.reconciled', { when: timeAgo(station.reconciledAt, now, t) })
                      : null,
                  ]
                    .filter(Boolean)
                    .join(' · ')}
                </td>
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
