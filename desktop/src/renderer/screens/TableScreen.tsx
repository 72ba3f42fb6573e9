import type { AnyRow } from '@mostrador/common';
import { type FormEvent, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { api } from '../api/index.js';
import { ConfirmDialog } from '../components/ConfirmDialog.js';
import { ErrorAlert } from '../components/ErrorAlert.js';
import { describeError } from '../errors.js';
import { formatMoney, parseMoney } from '../format.js';
import { useChannel, useEvent } from '../hooks.js';
import { type EditableTable, type FieldView, NEW_ROW, TABLE_VIEWS } from './table-config.js';

type Draft = Record<string, string | boolean>;

function toDraft(fields: FieldView[], row: Record<string, unknown>): Draft {
  const draft: Draft = {};
  for (const field of fields) {
    const value = row[field.name];
    if (field.kind === 'boolean') draft[field.name] = value === true;
    else if (field.kind === 'money') draft[field.name] = typeof value === 'number' ? (value / 100).toFixed(2) : '';
    else draft[field.name] = typeof value === 'string' ? value : '';
  }
  return draft;
}

/** The draft as row fields; empty optional text becomes null so it clears the stored value. */
function fromDraft(fields: FieldView[], draft: Draft): Record<string, unknown> | { invalid: string } {
  const row: Record<string, unknown> = {};
  for (const field of fields) {
    const value = draft[field.name];
    if (field.kind === 'boolean') row[field.name] = value === true;
    else if (field.kind === 'password') {
      if (typeof value === 'string' && value) row.password = value;
    } else if (field.kind === 'money') {
      const text = String(value ?? '');
      if (!text.trim()) row[field.name] = field.required ? 0 : null;
      else {
        const cents = parseMoney(text);
        if (cents === null) return { invalid: field.name };
        row[field.name] = cents;
      }
    } else {
      const text = String(value ?? '').trim();
      row[field.name] = text === '' ? (field.required ? '' : null) : text;
    }
  }
  return row;
}

function Cell({ field, row, language }: { field: FieldView; row: AnyRow; language: string }) {
  const { t } = useTranslation();
  const value = row[field.name];
  if (field.kind === 'boolean') return <>{value ? t('table.yes') : t('table.no')}</>;
  if (field.kind === 'money') return <>{typeof value === 'number' ? formatMoney(value, language) : ''}</>;
  if (field.kind === 'role' && typeof value === 'string') return <>{t(`roles.${value}`)}</>;
  return <>{value == null ? '' : String(value)}</>;
}

/** List, search, create, edit and delete for one catalogue or people table. */
export function TableScreen({ table }: { table: EditableTable }) {
  const { t, i18n } = useTranslation();
  const fields = TABLE_VIEWS[table];
  const [search, setSearch] = useState('');
  const list = useChannel('rows:list', { table, search, limit: 500 }, `${table}|${search}`);
  const [editing, setEditing] = useState<{ id: string | null; draft: Draft } | null>(null);
  const [deleting, setDeleting] = useState<AnyRow | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  useEvent('data:changed', ({ tables }) => {
    if (tables.includes(table)) list.reload();
  });

  function open(row: Record<string, unknown> | null) {
    setError(null);
    setEditing({ id: row ? String(row.id) : null, draft: toDraft(fields, row ?? NEW_ROW[table]) });
  }

  async function save(event: FormEvent) {
    event.preventDefault();
    if (!editing) return;
    const row = fromDraft(fields, editing.draft);
    if ('invalid' in row) return setError(t('errors.VALIDATION', { message: t(`fields.${String(row.invalid)}`) }));
    setBusy(true);
    try {
      await api.invoke('rows:save', { table, row: editing.id ? { ...row, id: editing.id } : row });
      setEditing(null);
      list.reload();
    } catch (failure) {
      setError(describeError(failure, t));
    } finally {
      setBusy(false);
    }
  }

  async function remove(row: AnyRow) {
    setDeleting(null);
    try {
      await api.invoke('rows:remove', { table, id: row.id });
      list.reload();
    } catch (failure) {
      setError(describeError(failure, t));
    }
  }

  const rows = list.data?.rows ?? [];
  const columns = fields.filter((field) => field.column);
  return (
    <div className="table-screen">
      <header className="section-header">
        <h1>{t(`nav.${table}`)}</h1>
        <input
          type="search"
          placeholder={t('table.search')}
          aria-label={t('table.search')}
          value={search}
          onChange={(e) => setSearch(e.target.value)}
        />
        <button type="button" className="primary" onClick={() => open(null)}>
          {t('table.new')}
        </button>
      </header>
      <ErrorAlert message={editing ? null : error} />
      {list.error ? (
        <p className="alert error" role="alert">
          {describeError(list.error, t)}
        </p>
      ) : rows.length === 0 && !list.loading ? (
        <p className="empty">{search ? t('table.noMatch') : t('table.empty')}</p>
      ) : (
        <table className="grid" data-testid={`${table}-table`}>
          <thead>
            <tr>
              {columns.map((field) => (
                <th key={field.name} className={field.kind === 'money' ? 'num' : undefined}>
                  {t(`fields.${field.name}`)}
                </th>
              ))}
              <th />
            </tr>
          </thead>
          <tbody>
            {rows.map((row) => (
              <tr key={row.id}>
                {columns.map((field) => (
                  <td key={field.name} className={field.kind === 'money' ? 'num' : undefined}>
                    <Cell field={field} row={row} language={i18n.language} />
                  </td>
                ))}
                <td className="row-actions">
                  <button type="button" className="link" onClick={() => open(row)}>
                    {t('table.edit')}
                  </button>
                  <button type="button" className="link danger" onClick={() => setDeleting(row)}>
                    {t('table.delete')}
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {editing ? (
        <dialog open className="dialog wide" aria-labelledby="edit-title">
          <form onSubmit={save}>
            <h2 id="edit-title">{editing.id ? t('table.edit') : t('table.new')}</h2>
            <div className="form-grid">
              {fields.map((field) => (
                <DraftField
                  key={field.name}
                  field={field}
                  editing={Boolean(editing.id)}
                  value={editing.draft[field.name]}
                  onChange={(value) => setEditing({ ...editing, draft: { ...editing.draft, [field.name]: value } })}
                />
              ))}
            </div>
            <ErrorAlert message={error} />
            <div className="actions">
              <button type="button" onClick={() => setEditing(null)}>
                {t('table.cancel')}
              </button>
              <button type="submit" className="primary" disabled={busy}>
                {busy ? t('table.saving') : t('table.save')}
              </button>
            </div>
          </form>
        </dialog>
      ) : null}
      {deleting ? (
        <ConfirmDialog
          title={t('table.delete')}
          body={t('table.confirmDelete')}
          confirmLabel={t('table.delete')}
          cancelLabel={t('table.cancel')}
          danger
          onConfirm={() => void remove(deleting)}
          onCancel={() => setDeleting(null)}
        />
      ) : null}
    </div>
  );
}

function DraftField({
  field,
  value,
  editing,
  onChange,
}: {
  field: FieldView;
  value: string | boolean | undefined;
  editing: boolean;
  onChange: (value: string | boolean) => void;
}) {
  const { t } = useTranslation();
  const id = `draft-${field.name}`;
  const label = t(`fields.${field.name}`);
  if (field.kind === 'boolean') {
    return (
      <label className="check">
        <input
          type="checkbox"
          name={field.name}
          checked={value === true}
          onChange={(e) => onChange(e.target.checked)}
        />{' '}
        {label}
      </label>
    );
  }
  if (field.kind === 'role') {
    return (
      <div className="field">
        <label htmlFor={id}>{label}</label>
        <select id={id} name={field.name} value={String(value ?? 'cashier')} onChange={(e) => onChange(e.target.value)}>
          {(['cashier', 'manager', 'admin'] as const).map((role) => (
            <option key={role} value={role}>
              {t(`roles.${role}`)}
            </option>
          ))}
        </select>
      </div>
    );
  }
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      <input
        id={id}
        name={field.name}
        type={field.kind === 'password' ? 'password' : field.kind === 'email' ? 'email' : 'text'}
        inputMode={field.kind === 'money' ? 'decimal' : undefined}
        value={String(value ?? '')}
        required={field.required || (field.kind === 'password' && !editing)}
        placeholder={field.kind === 'password' && editing ? t('fields.passwordKeep') : undefined}
        autoComplete={field.kind === 'password' ? 'new-password' : 'off'}
        onChange={(e) => onChange(e.target.value)}
      />
    </div>
  );
}
