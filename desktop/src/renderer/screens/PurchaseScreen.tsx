import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { ProductWithStock } from '../../shared/channels.js';
import { api } from '../api/index.js';
import { ErrorAlert } from '../components/ErrorAlert.js';
import { ProductPicker } from '../components/ProductPicker.js';
import { StockLinesTable, useStockLines } from '../components/StockLines.js';
import { formatMoney, parseMoney } from '../format.js';
import { useChannel } from '../hooks.js';

interface Line {
  product: ProductWithStock;
  quantity: string;
  cost: string;
}

/** The line's unit cost in cents; null when left blank (or not money, which `problemOf` reports). */
const costOf = (line: Line) => (line.cost.trim() ? parseMoney(line.cost) : null);

/** A delivery from a provider: scan or search each product, quantity and unit cost per line, saved as one group. */
export function PurchaseScreen({ onDone }: { onDone: (message: string) => void }) {
  const { t, i18n } = useTranslation();
  const providers = useChannel('rows:list', { table: 'providers', limit: 5000 }, 'providers');
  const [providerId, setProviderId] = useState('');
  const [reference, setReference] = useState('');
  const { lines, setLines, update, clearLineError, remove, lineErrors, error, busy, submit } =
    useStockLines<Line>(onDone);

  function add(product: ProductWithStock) {
    setLines((current) => {
      const existing = current.find((line) => line.product.id === product.id);
      if (existing) {
        return current.map((line) =>
          line === existing ? { ...line, quantity: String((Number(line.quantity) || 0) + 1) } : line,
        );
      }
      const cost = typeof product.cost === 'number' ? (product.cost / 100).toFixed(2) : '';
      return [...current, { product, quantity: '1', cost }];
    });
  }

  function edit(id: string, changes: Partial<Line>) {
    update(id, changes);
    clearLineError(id);
  }

  const problemOf = (line: Line) => {
    if (line.cost.trim() && costOf(line) === null) return t('purchase.badCost');
    const quantity = Number(line.quantity);
    return !Number.isInteger(quantity) || quantity < 1 ? t('purchase.badQuantity') : null;
  };

  async function post() {
    const result = await api.invoke('stock:purchase', {
      providerId: providerId || null,
      reference: reference.trim() || undefined,
      lines: lines.map((line) => ({ productId: line.product.id, quantity: Number(line.quantity), cost: costOf(line) })),
    });
    setReference('');
    return t('purchase.recorded', { count: result.lines });
  }

  const total = lines.reduce((sum, line) => sum + (Number(line.quantity) || 0) * (parseMoney(line.cost) ?? 0), 0);
  return (
    <form className="purchase" onSubmit={(event) => submit(event, problemOf, post)} noValidate>
      <div className="form-grid">
        <div className="field">
          <label htmlFor="purchase-provider">{t('purchase.provider')}</label>
          <select id="purchase-provider" value={providerId} onChange={(e) => setProviderId(e.target.value)}>
            <option value="">{t('purchase.noProvider')}</option>
            {(providers.data?.rows ?? []).map((provider) => (
              <option key={provider.id} value={provider.id}>
                {String(provider.name)}
              </option>
            ))}
          </select>
        </div>
        <div className="field">
          <label htmlFor="purchase-reference">{t('purchase.reference')}</label>
          <input
            id="purchase-reference"
            value={reference}
            maxLength={100}
            onChange={(e) => setReference(e.target.value)}
          />
        </div>
      </div>
      <ProductPicker id="purchase-scan" onPick={add} />
      <StockLinesTable
        testId="purchase-lines"
        lines={lines}
        lineErrors={lineErrors}
        empty={t('purchase.empty')}
        stockHeader={t('stock.level')}
        headers={
          <>
            <th className="num">{t('purchase.quantity')}</th>
            <th className="num">{t('purchase.unitCost')}</th>
            <th />
          </>
        }
        cells={(line) => (
          <>
            <td className="num">
              <input
                aria-label={t('purchase.quantityOf', { name: line.product.name })}
                className="small"
                inputMode="numeric"
                value={line.quantity}
                onChange={(e) => edit(line.product.id, { quantity: e.target.value })}
              />
            </td>
            <td className="num">
              <input
                aria-label={t('purchase.costOf', { name: line.product.name })}
                className="small"
                inputMode="decimal"
                value={line.cost}
                onChange={(e) => edit(line.product.id, { cost: e.target.value })}
              />
            </td>
            <td className="row-actions">
              <button type="button" className="link danger" onClick={() => remove(line)}>
                {t('counter.remove')}
              </button>
            </td>
          </>
        )}
      />
      <ErrorAlert message={error} />
      <div className="actions">
        <span className="muted">{t('purchase.total', { total: formatMoney(total, i18n.language) })}</span>
        <button type="submit" className="primary" disabled={busy || lines.length === 0}>
          {t('purchase.submit', { count: lines.length })}
        </button>
      </div>
    </form>
  );
}
