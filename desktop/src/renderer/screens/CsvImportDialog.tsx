import type { TFunction } from 'i18next';
import { type ChangeEvent, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { CsvPreview } from '../../shared/channels.js';
import { api } from '../api/index.js';
import { ErrorAlert } from '../components/ErrorAlert.js';
import { Modal } from '../components/Modal.js';
import { describeError } from '../errors.js';
import { formatMoney } from '../format.js';

export type CsvTable = 'products' | 'providers' | 'customers';

function lineError(error: CsvPreview['lines'][number]['errors'][number], t: TFunction): string {
  const field = t(`fields.${error.field}`, { defaultValue: error.field });
  return t(`csv.errors.${error.code}`, { field, value: error.value ?? '' });
}

/** Choose a file, see what each line would do and why a line cannot be taken; nothing is written until confirmed. */
export function CsvImportDialog({
  table,
  onClose,
  onImported,
}: {
  table: CsvTable;
  onClose: () => void;
  onImported: (message: string) => void;
}) {
  const { t, i18n } = useTranslation();
  const [text, setText] = useState<string | null>(null);
  const [preview, setPreview] = useState<CsvPreview | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  async function choose(event: ChangeEvent<HTMLInputElement>) {
    const file = event.target.files?.[0];
    if (!file) return;
    setError(null);
    setPreview(null);
    try {
      const content = await file.text();
      setText(content);
      setPreview(await api.invoke('csv:preview', { table, text: content }));
    } catch (failure) {
      setError(describeError(failure, t));
    }
  }

  async function confirm() {
    if (text === null) return;
    setBusy(true);
    try {
      const result = await api.invoke('csv:import', { table, text });
      onImported(t('csv.imported', result));
    } catch (failure) {
      setError(describeError(failure, t));
    } finally {
      setBusy(false);
    }
  }

  const importable = preview ? preview.creates + preview.updates : 0;
  return (
    <Modal title={t('csv.importTitle', { table: t(`nav.${table}`) })} onClose={onClose} wide testId="csv-dialog">
      <div className="field">
        <label htmlFor="csv-file">{t('csv.file')}</label>
        <input id="csv-file" type="file" accept=".csv,text/csv,text/plain" onChange={(e) => void choose(e)} />
        <small className="hint">{t('csv.hint')}</small>
      </div>
      <ErrorAlert message={error} />
      {preview ? (
        <>
          <p className="muted" data-testid="csv-summary">
            {t('csv.summary', { creates: preview.creates, updates: preview.updates, errors: preview.errors })}
            {preview.ignoredColumns.length
              ? ` ${t('csv.ignored', { columns: preview.ignoredColumns.join(', ') })}`
              : ''}
          </p>
          <div className="scroll">
            <table className="grid" data-testid="csv-preview">
              <thead>
                <tr>
                  <th className="num">{t('csv.line')}</th>
                  <th>{t('csv.action')}</th>
                  {preview.columns.map((column) => (
                    <th key={column}>{t(`fields.${column}`, { defaultValue: column })}</th>
                  ))}
                  <th>{t('csv.problems')}</th>
                </tr>
              </thead>
              <tbody>
                {/* Lines that cannot be taken first: they are what needs a look. */}
                {[
                  ...preview.lines.filter((l) => l.errors.length),
                  ...preview.lines.filter((l) => !l.errors.length),
                ].map((line) => (
                  <tr key={line.line} className={line.errors.length ? 'bad-line' : undefined} data-line={line.line}>
                    <td className="num">{line.line}</td>
                    <td>{t(`csv.actions.${line.action}`)}</td>
                    {preview.columns.map((column) => {
                      const value = column === 'provider' ? line.values.providerId : line.values[column];
                      const shown =
                        value === null || value === undefined
                          ? ''
                          : column === 'provider'
                            ? '✓'
                            : column === 'price' || column === 'cost'
                              ? formatMoney(Number(value), i18n.language)
                              : typeof value === 'boolean'
                                ? t(value ? 'table.yes' : 'table.no')
                                : String(value);
                      return <td key={column}>{shown}</td>;
                    })}
                    <td className="error-text">{line.errors.map((e) => lineError(e, t)).join(' ')}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </>
      ) : null}
      <div className="actions">
        <button type="button" onClick={onClose}>
          {t('table.cancel')}
        </button>
        <button
          type="button"
          className="primary"
          disabled={!preview || importable === 0 || busy}
          onClick={() => void confirm()}
        >
          {t('csv.confirm', { count: importable })}
        </button>
      </div>
    </Modal>
  );
}
