import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { ProductWithStock } from '../../shared/channels.js';
import { api } from '../api/index.js';
import { ErrorAlert } from '../components/ErrorAlert.js';
import { ProductPicker } from '../components/ProductPicker.js';
import { StockLinesTable, useStockLines } from '../components/StockLines.js';

interface Line {
  product: ProductWithStock;
  counted: string;
}

const countOf = (line: Line) => Number(line.counted);

/** A stock count: enter what is on the shelf; the station posts the differences as one group of adjustments. */
export function CountScreen({ onDone }: { onDone: (message: string) => void }) {
  const { t } = useTranslation();
  const { lines, setLines, update, lineErrors, error, busy, submit } = useStockLines<Line>(onDone);
  const [note, setNote] = useState('');

  function add(product: ProductWithStock) {
    setLines((current) =>
      current.some((l) => l.product.id === product.id) ? current : [...current, { product, counted: '' }],
    );
  }

  const problemOf = (line: Line) => {
    const counted = countOf(line);
    return line.counted.trim() === '' || !Number.isInteger(counted) || counted < 0 ? t('count.badCount') : null;
  };

  async function post() {
    const payload = lines.map((line) => ({ productId: line.product.id, counted: countOf(line) }));
    const result = await api.invoke('stock:count', { lines: payload, note: note.trim() || undefined });
    setNote('');
    return t('count.posted', { adjusted: result.adjusted, unchanged: result.unchanged });
  }

  return (
    <form className="count" onSubmit={(event) => submit(event, problemOf, post)} noValidate>
      <ProductPicker id="count-scan" onPick={add} />
      <StockLinesTable
        testId="count-lines"
        lines={lines}
        lineErrors={lineErrors}
        empty={t('count.empty')}
        stockHeader={t('count.expected')}
        headers={
          <>
            <th className="num">{t('count.counted')}</th>
            <th className="num">{t('count.difference')}</th>
          </>
        }
        cells={(line) => {
          const counted = countOf(line);
          const difference = line.counted.trim() && Number.isInteger(counted) ? counted - line.product.stock : null;
          return (
            <>
              <td className="num">
                <input
                  aria-label={t('count.countedOf', { name: line.product.name })}
                  className="small"
                  inputMode="numeric"
                  value={line.counted}
                  onChange={(e) => update(line.product.id, { counted: e.target.value })}
                />
              </td>
              <td className={difference && difference < 0 ? 'num negative' : 'num'}>
                {difference === null ? '' : difference > 0 ? `+${difference}` : difference}
              </td>
            </>
          );
        }}
      />
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
