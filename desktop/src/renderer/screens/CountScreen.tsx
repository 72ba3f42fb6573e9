import { type FormEvent, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { ProductWithStock } from '../../shared/channels.js';
import { api } from '../api/index.js';
import { ErrorAlert } from '../components/ErrorAlert.js';
import { ProductPicker } from '../components/ProductPicker.js';
import { describeError } from '../errors.js';

interface Line {
  product: ProductWithStock;
  counted: string;
}

/** A stock count: enter what is on the shelf; the station posts the differences as one group of adjustments. */
export function CountScreen({ onDone }: { onDone: (message: string) => void }) {
  const { t } = useTranslation();
  const [lines, setLines] = useState<Line[]>([]);
  const [note, setNote] = useState('');
  const [lineErrors, setLineErrors] = useState<Record<string, string>>({});
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  function add(product: ProductWithStock) {
    setLines((current) =>
      current.some((l) => l.product.id === product.id) ? current : [...current, { product, counted: '' }],
    );
  }

  async function submit(event: FormEvent) {
    event.preventDefault();
    const problems: Record<string, string> = {};
    const payload = lines.map((line) => {
      const counted = Number(line.counted);
      if (line.counted.trim() === '' || !Number.isInteger(counted) || counted < 0)
        problems[line.product.id] = t('count.badCount');
      return { productId: line.product.id, counted };
    });
    setLineErrors(problems);
    if (Object.keys(problems).length) return;
    setBusy(true);
    setError(null);
    try {
      const result = await api.invoke('stock:count', { lines: payload, note: note.trim() || undefined });
      setLines([]);
      setNote('');
      onDone(t('count.posted', { adjusted: result.adjusted, unchanged: result.unchanged }));
    } catch (failure) {
      setError(describeError(failure, t));
    } finally {
      setBusy(false);
    }
  }

  return (
    <form className="count" onSubmit={submit} noValidate>
      <ProductPicker id="count-scan" onPick={add} />
      {lines.length === 0 ? (
        <p className="empty">{t('count.empty')}</p>
      ) : (
        <table className="grid" data-testid="count-lines">
          <thead>
            <tr>
              <th>{t('fields.sku')}</th>
              <th>{t('fields.name')}</th>
              <th className="num">{t('count.expected')}</th>
              <th className="num">{t('count.counted')}</th>
              <th className="num">{t('count.difference')}</th>
            </tr>
          </thead>
          <tbody>
            {lines.map((line) => {
              const counted = Number(line.counted);
              const difference = line.counted.trim() && Number.isInteger(counted) ? counted - line.product.stock : null;
              return (
                <tr key={line.product.id} data-sku={line.product.sku}>
                  <td>{line.product.sku}</td>
                  <td>
                    {line.product.name}
                    {lineErrors[line.product.id] ? (
                      <span className="field-error" role="alert">
                        {' '}
                        {lineErrors[line.product.id]}
                      </span>
                    ) : null}
                  </td>
                  <td className="num">{line.product.stock}</td>
                  <td className="num">
                    <input
                      aria-label={t('count.countedOf', { name: line.product.name })}
                      className="small"
                      inputMode="numeric"
                      value={line.counted}
                      onChange={(e) => {
                        const value = e.target.value;
                        setLines((current) => current.map((l) => (l === line ? { ...l, counted: value } : l)));
                      }}
                    />
                  </td>
                  <td className={difference && difference < 0 ? 'num negative' : 'num'}>
                    {difference === null ? '' : difference > 0 ? `+${difference}` : difference}
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      )}
      <div className="field">
        <label htmlFor="count-note">{t('count.note')}</label>
        <input id="count-note" value={note} maxLength={200} onChange={(e) => setNote(e.target.value)} />
      </div>
      <ErrorAlert message={error} />
      <div className="actions">
        <button type="submit" className="primary" disabled={busy || lines.length === 0}>
          {t('count.submit', { count: lines.length })}
        </button>
      </div>
    </form>
  );
}
