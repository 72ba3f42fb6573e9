import { type FormEvent, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { ProductWithStock } from '../../shared/channels.js';
import { api } from '../api/index.js';
import { ErrorAlert } from '../components/ErrorAlert.js';
import { ProductPicker } from '../components/ProductPicker.js';
import { describeError } from '../errors.js';
import { formatMoney, parseMoney } from '../format.js';
import { useChannel } from '../hooks.js';

interface Line {
  product: ProductWithStock;
  quantity: string;
  cost: string;
}

/** A delivery from a provider: scan or search each product, quantity and unit cost per line, saved as one group. */
export function PurchaseScreen({ onDone }: { onDone: (message: string) => void }) {
  const { t, i18n } = useTranslation();
  const providers = useChannel('rows:list', { table: 'providers', limit: 5000 }, 'providers');
  const [providerId, setProviderId] = useState('');
  const [reference, setReference] = useState('');
  const [lines, setLines] = useState<Line[]>([]);
  const [lineErrors, setLineErrors] = useState<Record<string, string>>({});
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

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

  function update(id: string, changes: Partial<Line>) {
    setLines((current) => current.map((line) => (line.product.id === id ? { ...line, ...changes } : line)));
    setLineErrors(({ [id]: _, ...rest }) => rest);
  }

  async function submit(event: FormEvent) {
    event.preventDefault();
    const problems: Record<string, string> = {};
    const payload = lines.map((line) => {
      const quantity = Number(line.quantity);
      if (!Number.isInteger(quantity) || quantity < 1) problems[line.product.id] = t('purchase.badQuantity');
      const cost = line.cost.trim() ? parseMoney(line.cost) : null;
      if (line.cost.trim() && cost === null) problems[line.product.id] = t('purchase.badCost');
      return { productId: line.product.id, quantity, cost };
    });
    setLineErrors(problems);
    if (Object.keys(problems).length) return;
    setBusy(true);
    setError(null);
    try {
      const result = await api.invoke('stock:purchase', {
        providerId: providerId || null,
        reference: reference.trim() || undefined,
        lines: payload,
      });
      setLines([]);
      setReference('');
      onDone(t('purchase.recorded', { count: result.lines }));
    } catch (failure) {
      setError(describeError(failure, t));
    } finally {
      setBusy(false);
    }
  }

  const total = lines.reduce((sum, line) => sum + (Number(line.quantity) || 0) * (parseMoney(line.cost) ?? 0), 0);
  return (
    <form className="purchase" onSubmit={submit} noValidate>
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
      {lines.length === 0 ? (
        <p className="empty">{t('purchase.empty')}</p>
      ) : (
        <table className="grid" data-testid="purchase-lines">
          <thead>
            <tr>
              <th>{t('fields.sku')}</th>
              <th>{t('fields.name')}</th>
              <th className="num">{t('stock.level')}</th>
              <th className="num">{t('purchase.quantity')}</th>
              <th className="num">{t('purchase.unitCost')}</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {lines.map((line) => (
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
                    aria-label={t('purchase.quantityOf', { name: line.product.name })}
                    className="small"
                    inputMode="numeric"
                    value={line.quantity}
                    onChange={(e) => update(line.product.id, { quantity: e.target.value })}
                  />
                </td>
                <td className="num">
                  <input
                    aria-label={t('purchase.costOf', { name: line.product.name })}
                    className="small"
                    inputMode="decimal"
                    value={line.cost}
                    onChange={(e) => update(line.product.id, { cost: e.target.value })}
                  />
                </td>
                <td className="row-actions">
                  <button
                    type="button"
                    className="link danger"
                    onClick={() => setLines((current) => current.filter((l) => l !== line))}
                  >
                    {t('counter.remove')}
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
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
