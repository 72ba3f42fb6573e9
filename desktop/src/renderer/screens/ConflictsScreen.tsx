import type { ConflictView } from '@mostrador/common';
import type { TFunction } from 'i18next';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { api } from '../api/index.js';
import { ConfirmDialog } from '../components/ConfirmDialog.js';
import { ErrorAlert } from '../components/ErrorAlert.js';
import { describeError } from '../errors.js';
import { formatMoney, formatTime } from '../format.js';
import { useChannel } from '../hooks.js';

/** Fields a person compares; the bookkeeping ones (version, who, when) are not the record's content. */
const BOOKKEEPING = new Set(['id', 'version', 'updatedAt', 'updatedBy', 'createdAt', 'passwordHash', 'seq']);
const MONEY = new Set(['price', 'cost', 'total']);
/** Tables whose rows are edited in place, so a lost version can be written again. */
const RESTORABLE = new Set(['products', 'providers', 'customers']);

function shown(field: string, value: unknown, language: string, t: TFunction): string {
  if (value === null || value === undefined || value === '') return '—';
  if (MONEY.has(field) && typeof value === 'number') return formatMoney(value, language);
  if (typeof value === 'boolean') return t(value ? 'table.yes' : 'table.no');
  if (field === 'deletedAt') return t('conflicts.deleted');
  return String(value);
}

/** A version's fields: the wire row is open-ended. */
function values(row: object): Record<string, unknown> {
  return row as Record<string, unknown>;
}

function differences(conflict: ConflictView): string[] {
  const lost = values(conflict.lost);
  const won = values(conflict.won);
  const names = new Set([...Object.keys(conflict.lost), ...Object.keys(conflict.won)]);
  return [...names].filter(
    (name) => !BOOKKEEPING.has(name) && JSON.stringify(lost[name] ?? null) !== JSON.stringify(won[name] ?? null),
  );
}

/**
 * Edits of the same record made at two stations without seeing each other: the version
 * that won beside the one that was overwritten, field by field (admin). Restoring writes
 * the lost values as a new edit, which syncs like any other.
 */
export function ConflictsScreen() {
  const { t, i18n } = useTranslation();
  const list = useChannel('admin:conflicts', { limit: 100 });
  const [restoring, setRestoring] = useState<ConflictView | null>(null);
  const [message, setMessage] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);

  async function restore(conflict: ConflictView) {
    setRestoring(null);
    const fields: Record<string, unknown> = { id: conflict.id };
    for (const name of differences(conflict)) fields[name] = values(conflict.lost)[name] ?? null;
    try {
      await api.invoke('rows:save', { table: conflict.table, row: fields });
      setError(null);
      const lost = values(conflict.lost);
      setMessage(t('conflicts.restored', { name: String(lost.name ?? lost.sku ?? conflict.id) }));
      list.reload();
    } catch (failure) {
      setError(describeError(failure, t));
    }
  }

  const conflicts = list.data?.conflicts ?? [];
  return (
    <div className="table-screen">
      <header className="section-header">
        <h1>{t('conflicts.title')}</h1>
        <p className="muted">{t('conflicts.intro')}</p>
        <button type="button" onClick={list.reload}>
          {t('conflicts.reload')}
        </button>
      </header>
      {message ? (
        <p className="alert ok" role="status">
          {message}
        </p>
      ) : null}
      <ErrorAlert message={error} />
      {list.error ? (
        <p className="alert warning" role="status">
          {t('conflicts.unavailable')} ({describeError(list.error, t)})
        </p>
      ) : conflicts.length === 0 && !list.loading ? (
        <p className="empty">{t('conflicts.empty')}</p>
      ) : null}
      {conflicts.map((conflict) => {
        const fields = differences(conflict);
        const won = values(conflict.won);
        const lost = values(conflict.lost);
        const name = String(won.name ?? won.displayName ?? won.sku ?? conflict.id);
        return (
          <section key={`${conflict.table}:${conflict.id}:${conflict.at}`} className="conflict" data-testid="conflict">
            <h2>
              {t(`conflicts.tables.${conflict.table}`, { defaultValue: conflict.table })} «{name}» ·{' '}
              <span className="muted">{formatTime(conflict.at)}</span>
            </h2>
            <table className="grid">
              <thead>
                <tr>
                  <th>{t('conflicts.field')}</th>
                  <th>{t('conflicts.lost')}</th>
                  <th>{t('conflicts.won')}</th>
                </tr>
              </thead>
              <tbody>
                {fields.map((field) => (
                  <tr key={field}>
                    <td>{t(`fields.${field}`, { defaultValue: field })}</td>
                    <td className="lost">{shown(field, lost[field], i18n.language, t)}</td>
                    <td>{shown(field, won[field], i18n.language, t)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
            {RESTORABLE.has(conflict.table) && fields.length > 0 ? (
              <button type="button" onClick={() => setRestoring(conflict)}>
                {t('conflicts.restore')}
              </button>
            ) : null}
          </section>
        );
      })}
      {restoring ? (
        <ConfirmDialog
          title={t('conflicts.confirmTitle')}
          body={t('conflicts.confirmBody')}
          confirmLabel={t('conflicts.restore')}
          cancelLabel={t('table.cancel')}
          onConfirm={() => void restore(restoring)}
          onCancel={() => setRestoring(null)}
        />
      ) : null}
    </div>
  );
}
