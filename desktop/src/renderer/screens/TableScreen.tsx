import type { AnyRow } from '@mostrador/common';
import { type FormEvent, memo, useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { api } from '../api/index.js';
import { ConfirmDialog } from '../components/ConfirmDialog.js';
import { ErrorAlert } from '../components/ErrorAlert.js';
import { Modal } from '../components/Modal.js';
import { describeError } from '../errors.js';
import { formatMoney, parseMoney } from '../format.js';
import { useChannel, useEvent } from '../hooks.js';
import { CsvImportDialog, type CsvTable } from './CsvImportDialog.js';
import { withChangedRows } from './changed-rows.js';
import { type EditableTable, type FieldView, NEW_ROW, TABLE_VIEWS } from './table-config.js';

const CSV_TABLES = new Set<string>(['products', 'providers', 'customers']);
const PAGE = 50;

type Draft = Record<string, string | boolean>;

function toDraft(fields: FieldView[], row: Record<string, unknown>): Draft {
  const draft: Draft = {};
  for (const field of fields) {
    const value = row[field.name];
    if (field.kind === 'boolean') draft[field.name] = value === true;
    else if (field.kind === 'money') draft[field.name] = typeof value === 'number' ? (value / 100).toFixed(2) : '';
    else if (field.kind === 'count') draft[field.name] = typeof value === 'number' ? String(value) : '';
    else draft[field.name] = typeof value === 'string' ? value : '';
  }
  return draft;
}

/**
 * The draft as row fields (empty optional text becomes null so it clears the stored value),
 * or, per field, what is wrong with it: the app's own words, shown next to the field.
 */
function fromDraft(
  fields: FieldView[],
  draft: Draft,
  editing: boolean,
): { row: Record<string, unknown> } | { invalid: Record<string, string> } {
  const row: Record<string, unknown> = {};
  const invalid: Record<string, string> = {};
  for (const field of fields) {
    const value = draft[field.name];
    const text = typeof value === 'string' ? value.trim() : '';
    if (field.kind === 'boolean') row[field.name] = value === true;
    else if (field.kind === 'password') {
      // The app's own words for the password rule, before the station or server would refuse it.
      if (text && text.length < 8) invalid[field.name] = 'passwordShort';
      else if (text && text === String(draft.username ?? '').trim()) invalid[field.name] = 'passwordIsUsername';
      else if (text) row.password = value;
      else if (!editing) invalid[field.name] = 'required';
    } else if (field.required && !text) invalid[field.name] = 'required';
    else if (field.kind === 'money') {
      const cents = text ? parseMoney(text) : null;
      if (text && cents === null) invalid[field.name] = 'money';
      else row[field.name] = cents;
    } else if (field.kind === 'count') {
      if (text && !/^\d+$/.test(text)) invalid[field.name] = 'count';
      else row[field.name] = text ? Number(text) : null;
    } else if (field.kind === 'email' && text && !/^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(text)) {
      invalid[field.name] = 'email';
    } else row[field.name] = text === '' ? null : text;
  }
  return Object.keys(invalid).length ? { invalid } : { row };
}

function downloadCsv(name: string, text: string) {
  const url = URL.createObjectURL(new Blob([text], { type: 'text/csv;charset=utf-8' }));
  const link = document.createElement('a');
  link.href = url;
  link.download = name;
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}

/** What the form's title says: "Editar producto «Mate»", "Nuevo cliente". */
function recordName(row: Record<string, unknown> | undefined): string {
  return String(row?.name ?? row?.displayName ?? row?.username ?? row?.sku ?? '');
}

function Cell({ field, row, language }: { field: FieldView; row: AnyRow; language: string }) {
  const { t } = useTranslation();
  const value = row[field.name];
  if (field.kind === 'boolean') return <>{value ? t('table.yes') : t('table.no')}</>;
  if (field.kind === 'money') return <>{typeof value === 'number' ? formatMoney(value, language) : ''}</>;
  if (field.kind === 'role' && typeof value === 'string') return <>{t(`roles.${value}`)}</>;
  if (field.kind === 'taxRate') return <>{t(`till.taxRates.${typeof value === 'string' ? value : 'general'}`)}</>;
  return <>{value == null ? '' : String(value)}</>;
}

/**
 * One line of the list. A change pulled from elsewhere re-reads the page, whose rows are
 * all new objects: a line renders again only when its row's version (or the language)
 * changed, so painting one new product does not re-render the other 49 lines.
 */
const ListRow = memo(
  function ListRow({
    row,
    columns,
    language,
    onEdit,
    onDelete,
  }: {
    row: AnyRow;
    columns: FieldView[];
    language: string;
    onEdit: (row: AnyRow) => void;
    onDelete: (row: AnyRow) => void;
  }) {
    const { t } = useTranslation();
    return (
      <tr>
        {columns.map((field) => (
          <td key={field.name} className={field.kind === 'money' ? 'num' : undefined}>
            <Cell field={field} row={row} language={language} />
          </td>
        ))}
        <td className="row-actions">
          <button type="button" className="link" onClick={() => onEdit(row)}>
            {t('table.edit')}
          </button>
          <button type="button" className="link danger" onClick={() => onDelete(row)}>
            {t('table.delete')}
          </button>
        </td>
      </tr>
    );
  },
  (before, after) =>
    before.columns === after.columns &&
    before.language === after.language &&
    before.onEdit === after.onEdit &&
    before.onDelete === after.onDelete &&
    (before.row === after.row ||
      (before.row.id === after.row.id &&
        typeof before.row.version === 'string' &&
        before.row.version === after.row.version)),
);

/** List, search, create, edit and delete for one catalogue or people table. */
export function TableScreen({ table, openId = null }: { table: EditableTable; openId?: string | null }) {
  const { t, i18n } = useTranslation();
  const fields = TABLE_VIEWS[table];
  const [search, setSearch] = useState('');
  const [sort, setSort] = useState<{ field: string; descending: boolean } | null>(null);
  const [page, setPage] = useState(0);
  // One page at a time, sorted and searched by the station (issue 13): fast at 50,000 rows.
  const list = useChannel(
    'rows:page',
    {
      table,
      search,
      offset: page * PAGE,
      limit: PAGE,
      ...(sort ? { sort: sort.field, descending: sort.descending } : {}),
    },
    `${table}|${search}|${page}|${sort?.field ?? ''}|${sort?.descending ?? ''}`,
  );
  const [editing, setEditing] = useState<{ id: string | null; name: string; draft: Draft } | null>(null);
  const [fieldErrors, setFieldErrors] = useState<Record<string, string>>({});
  const [importing, setImporting] = useState(false);
  const [notice, setNotice] = useState<string | null>(null);
  const [deleting, setDeleting] = useState<AnyRow | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  // A change to this table, written here or pulled from elsewhere, re-reads the page shown at
  // once. Rows that came with the event are shown first where that is certain (the first page
  // in the default order, no search): the re-read only confirms them, and brings the total.
  useEvent('data:changed', ({ tables, rows }) => {
    if (!tables.includes(table)) return;
    if (rows && page === 0 && search === '' && sort === null) {
      const changed = rows.filter((changedRow) => changedRow.table === table).map((changedRow) => changedRow.row);
      list.show((shown) => withChangedRows(shown, changed, PAGE));
    }
    list.reload();
  });
  const columns = useMemo(() => fields.filter((field) => field.column), [fields]);

  function open(row: Record<string, unknown> | null) {
    setError(null);
    setFieldErrors({});
    setEditing({
      id: row ? String(row.id) : null,
      name: row ? recordName(row) : '',
      draft: toDraft(fields, row ?? NEW_ROW[table]),
    });
  }

  // Opened to fix a record (issue 13): show its form as soon as it is read.
  // biome-ignore lint/correctness/useExhaustiveDependencies: open once per requested record
  useEffect(() => {
    if (!openId) return;
    let current = true;
    // A refused record was edited here lately, so it is among the most recently changed.
    void api.invoke('rows:list', { table, limit: 5000 }).then(({ rows: all }) => {
      const row = all.find((candidate) => candidate.id === openId);
      if (current && row) open(row);
    });
    return () => {
      current = false;
    };
  }, [openId, table]);

  // Stable for the memoized lines: they call whatever `open` is current.
  const openRef = useRef(open);
  openRef.current = open;
  const onEdit = useCallback((row: AnyRow) => openRef.current(row), []);

  async function exportCsv() {
    try {
      const { text } = await api.invoke('csv:export', { table: table as CsvTable });
      downloadCsv(`${t(`nav.${table}`)}.csv`, text);
    } catch (failure) {
      setError(describeError(failure, t));
    }
  }

  async function save(event: FormEvent) {
    event.preventDefault();
    if (!editing) return;
    const result = fromDraft(fields, editing.draft, Boolean(editing.id));
    if ('invalid' in result) {
      setFieldErrors(result.invalid);
      return;
    }
    setFieldErrors({});
    const row = result.row;
    setBusy(true);
    try {
      await api.invoke('rows:save', { table, row: editing.id ? { ...row, id: editing.id } : row });
      setEditing(null);
      setError(null);
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
      setError(null);
      list.reload();
    } catch (failure) {
      setError(describeError(failure, t));
    }
  }

  const rows = list.data?.rows ?? [];
  const total = list.data?.total ?? 0;
  const pages = Math.max(1, Math.ceil(total / PAGE));
  const shownPage = Math.min(page, pages - 1);
  const sortBy = (field: string) => {
    setSort((current) =>
      current?.field === field ? { field, descending: !current.descending } : { field, descending: false },
    );
    setPage(0);
  };
  return (
    <div className="table-screen">
      <header className="section-header">
        <h1>{t(`nav.${table}`)}</h1>
        <input
          type="search"
          placeholder={t('table.search')}
          aria-label={t('table.search')}
          value={search}
          onChange={(e) => {
            setSearch(e.target.value);
            setPage(0);
          }}
        />
        {CSV_TABLES.has(table) ? (
          <>
            <button type="button" onClick={() => setImporting(true)}>
              {t('csv.import')}
            </button>
            <button type="button" onClick={() => void exportCsv()}>
              {t('csv.export')}
            </button>
          </>
        ) : null}
        <button type="button" className="primary" onClick={() => open(null)}>
          {t(`table.newOf.${table}`)}
        </button>
      </header>
      {notice ? (
        <p className="alert ok" role="status">
          {notice}
        </p>
      ) : null}
      <ErrorAlert message={editing ? null : error} />
      {list.error ? (
        <p className="alert error" role="alert">
          {describeError(list.error, t)}
        </p>
      ) : total === 0 && !list.loading ? (
        <p className="empty">{search ? t('table.noMatch') : t('table.empty')}</p>
      ) : (
        <table className="grid" data-testid={`${table}-table`}>
          <thead>
            <tr>
              {columns.map((field) => (
                <th
                  key={field.name}
                  className={field.kind === 'money' ? 'num' : undefined}
                  aria-sort={sort?.field === field.name ? (sort.descending ? 'descending' : 'ascending') : undefined}
                >
                  <button type="button" className="sort" onClick={() => sortBy(field.name)}>
                    {t(`fields.${field.name}`)}
                    {sort?.field === field.name ? (sort.descending ? ' ▼' : ' ▲') : ''}
                  </button>
                </th>
              ))}
              <th />
            </tr>
          </thead>
          <tbody>
            {rows.map((row) => (
              <ListRow
                key={row.id}
                row={row}
                columns={columns}
                language={i18n.language}
                onEdit={onEdit}
                onDelete={setDeleting}
              />
            ))}
          </tbody>
        </table>
      )}
      {pages > 1 ? (
        <nav className="pager" aria-label={t('table.pages')}>
          <button type="button" disabled={shownPage === 0} onClick={() => setPage(shownPage - 1)}>
            {t('table.previous')}
          </button>
          <span>{t('table.pageOf', { page: shownPage + 1, pages, count: total })}</span>
          <button type="button" disabled={shownPage >= pages - 1} onClick={() => setPage(shownPage + 1)}>
            {t('table.next')}
          </button>
        </nav>
      ) : null}
      {importing ? (
        <CsvImportDialog
          table={table as CsvTable}
          onClose={() => setImporting(false)}
          onImported={(message) => {
            setImporting(false);
            setNotice(message);
            list.reload();
          }}
        />
      ) : null}
      {editing ? (
        <Modal
          title={editing.id ? t(`table.editOf.${table}`, { name: editing.name }) : t(`table.newOf.${table}`)}
          onClose={() => setEditing(null)}
          wide
        >
          <form onSubmit={save} noValidate>
            <div className="form-grid">
              {fields.map((field) => (
                <DraftField
                  key={field.name}
                  field={field}
                  editing={Boolean(editing.id)}
                  value={editing.draft[field.name]}
                  problem={fieldErrors[field.name] ? t(`validation.${fieldErrors[field.name]}`) : null}
                  onChange={(value) => {
                    setEditing({ ...editing, draft: { ...editing.draft, [field.name]: value } });
                    setFieldErrors(({ [field.name]: _, ...rest }) => rest);
                  }}
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
        </Modal>
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
  problem,
  onChange,
}: {
  field: FieldView;
  value: string | boolean | undefined;
  editing: boolean;
  problem: string | null;
  onChange: (value: string | boolean) => void;
}) {
  const { t } = useTranslation();
  const id = `draft-${field.name}`;
  const label = t(`fields.${field.name}`);
  const problemId = `${id}-problem`;
  const problemText = problem ? (
    <small id={problemId} className="field-error" role="alert">
      {problem}
    </small>
  ) : null;
  if (field.kind === 'provider') return <ProviderField id={id} label={label} value={value} onChange={onChange} />;
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
  if (field.kind === 'taxRate') {
    return (
      <div className="field">
        <label htmlFor={id}>{label}</label>
        <select id={id} name={field.name} value={String(value || 'general')} onChange={(e) => onChange(e.target.value)}>
          {(['general', 'reduced', 'superReduced', 'exempt'] as const).map((rate) => (
            <option key={rate} value={rate}>
              {t(`till.taxRates.${rate}`)}
            </option>
          ))}
        </select>
      </div>
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
        inputMode={field.kind === 'money' ? 'decimal' : field.kind === 'count' ? 'numeric' : undefined}
        value={String(value ?? '')}
        placeholder={field.kind === 'password' && editing ? t('fields.passwordKeep') : undefined}
        autoComplete={field.kind === 'password' ? 'new-password' : 'off'}
        aria-invalid={problem ? true : undefined}
        aria-describedby={problem ? problemId : undefined}
        onChange={(e) => onChange(e.target.value)}
      />
      {problemText}
    </div>
  );
}

function ProviderField({
  id,
  label,
  value,
  onChange,
}: {
  id: string;
  label: string;
  value: string | boolean | undefined;
  onChange: (value: string) => void;
}) {
  const { t } = useTranslation();
  const providers = useChannel('rows:list', { table: 'providers', limit: 5000 }, 'providers');
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      <select id={id} name="providerId" value={String(value ?? '')} onChange={(e) => onChange(e.target.value)}>
        <option value="">{t('purchase.noProvider')}</option>
        {(providers.data?.rows ?? []).map((provider) => (
          <option key={provider.id} value={provider.id}>
            {String(provider.name)}
          </option>
        ))}
      </select>
    </div>
  );
}
