import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { RefusedRow, SyncStatus } from '../../shared/channels.js';
import { api } from '../api/index.js';
import { describeError } from '../errors.js';
import { clockWords, formatTime, pendingWork, timeAgo } from '../format.js';
import { useChannel, useEvent, useNow } from '../hooks.js';
import { openRecord } from '../open-record.js';
import { ConfirmDialog } from './ConfirmDialog.js';
import { ErrorAlert } from './ErrorAlert.js';
import { Modal } from './Modal.js';

/** Sync failures that will not fix themselves by waiting; being offline is shown by the first light. */
/** Refused rows a person can open and correct in a form (issue 13). */
const FIXABLE = new Set(['products', 'providers', 'customers', 'users']);

const NEEDS_A_PERSON = new Set([
  'STATION_REVOKED',
  'UNAUTHORIZED',
  'CLOCK_AHEAD',
  'RESYNC_REQUIRED',
  'UPGRADE_REQUIRED',
]);

/** Always at the bottom: is this station connected, live, up to date, and does anything need a person. */
export function StatusBar() {
  const { t } = useTranslation();
  const initial = useChannel('sync:status', {});
  const [status, setStatus] = useState<SyncStatus | null>(null);
  const [refused, setRefused] = useState<RefusedRow[] | null>(null);
  const [discarding, setDiscarding] = useState<string | null>(null);
  const [listNote, setListNote] = useState<{ kind: 'ok' | 'error'; text: string } | null>(null);
  const now = useNow(5000);
  useEvent('sync:status', setStatus);
  const current = status ?? initial.data;
  if (!current) return <footer className="statusbar" />;

  async function showRefused() {
    setListNote(null);
    setRefused((await api.invoke('sync:refused', {})).rows);
  }

  async function discard(groupId: string) {
    setDiscarding(null);
    try {
      setRefused((await api.invoke('sync:discard', { groupId })).rows);
      setListNote({ kind: 'ok', text: t('status.discarded') });
    } catch (failure) {
      setListNote({ kind: 'error', text: describeError(failure, t) });
    }
  }

  return (
    <footer className="statusbar" data-testid="status-bar" data-online={current.online} data-live={current.live}>
      <span className={current.online ? 'pill ok' : 'pill bad'} data-testid="status-online">
        {current.online ? t('status.online') : t('status.offline')}
      </span>
      <span className={current.live ? 'pill ok' : 'pill muted'} data-testid="status-live">
        {current.live ? t('status.live') : t('status.notLive')}
      </span>
      <span title={current.lastSyncAt ? formatTime(current.lastSyncAt) : undefined}>
        {t('status.lastSync', { when: timeAgo(current.lastSyncAt, now, t) })}
      </span>
      <span data-testid="status-pending">
        {pendingWork({ sales: current.pendingSales, changes: current.pendingChanges }, t)}
      </span>
      {clockWords(current.clockAheadMs, t) ? (
        <span className="pill bad" role="status" data-testid="status-clock" title={t('clock.hint')}>
          {clockWords(current.clockAheadMs, t)}
        </span>
      ) : null}
      {current.overdue ? (
        <span className="pill bad" role="status" data-testid="status-overdue">
          {t('health.overdue', { when: timeAgo(current.syncedAt, now, t) })}
        </span>
      ) : null}
      {current.problem && NEEDS_A_PERSON.has(current.problem.code) ? (
        <span className="pill bad" role="alert" data-testid="status-problem">
          {describeError(current.problem, t)}
        </span>
      ) : null}
      {current.refused > 0 ? (
        <button type="button" className="pill bad" onClick={() => void showRefused()}>
          {t('status.refused', { count: current.refused })}
        </button>
      ) : null}
      <button
        type="button"
        className="link push-right"
        onClick={() => void api.invoke('sync:now', {}).then(setStatus, () => {})}
      >
        {t('status.syncNow')}
      </button>
      {refused ? (
        <Modal title={t('status.refusedTitle')} onClose={() => setRefused(null)} testId="refused-dialog">
          <p>{t('status.refusedIntro')}</p>
          {listNote?.kind === 'ok' ? (
            <p className="alert ok" role="status">
              {listNote.text}
            </p>
          ) : (
            <ErrorAlert message={listNote?.text} />
          )}
          <ul className="refused-list">
            {refused.map((row) => (
              <li key={`${row.groupId ?? ''}:${row.table}:${row.id}`} data-state={row.state}>
                <strong>
                  {t(`refused.tables.${row.table}`, { defaultValue: row.table })}
                  {row.label ? ` «${row.label}»` : ''}
                </strong>
                : {t(`refused.reasons.${row.code}`, { defaultValue: t('refused.reasons.other') })}
                {row.state ? <div className="muted">{t(`status.groupState.${row.state}`)}</div> : null}
                {FIXABLE.has(row.table) ? (
                  <button
                    type="button"
                    className="link"
                    onClick={() => {
                      setRefused(null);
                      openRecord({ table: row.table, id: row.id });
                    }}
                  >
                    {t('refused.fix')}
                  </button>
                ) : null}
                {row.state === 'held' && row.groupId ? (
                  <button type="button" className="link" onClick={() => setDiscarding(row.groupId as string)}>
                    {t('status.discard')}
                  </button>
                ) : null}
                {row.state === 'rejected' && row.groupId ? (
                  <button
                    type="button"
                    className="link"
                    onClick={() =>
                      void api.invoke('sync:dismiss', { groupId: row.groupId as string }).then(
                        ({ rows }) => setRefused(rows),
                        () => {},
                      )
                    }
                  >
                    {t('status.dismiss')}
                  </button>
                ) : null}
                <details>
                  <summary>{t('refused.details')}</summary>
                  <code className="wrap">{row.message}</code>
                </details>
              </li>
            ))}
          </ul>
          <div className="actions">
            <button type="button" onClick={() => setRefused(null)}>
              {t('status.close')}
            </button>
          </div>
        </Modal>
      ) : null}
      {discarding ? (
        <ConfirmDialog
          title={t('status.discardTitle')}
          body={t('status.discardBody')}
          confirmLabel={t('status.discardConfirm')}
          cancelLabel={t('table.cancel')}
          danger
          onConfirm={() => void discard(discarding)}
          onCancel={() => setDiscarding(null)}
        />
      ) : null}
    </footer>
  );
}
