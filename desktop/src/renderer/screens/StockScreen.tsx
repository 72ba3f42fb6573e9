import { type FormEvent, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { ProductWithStock } from '../../shared/channels.js';
import { api } from '../api/index.js';
import { ErrorAlert } from '../components/ErrorAlert.js';
import { describeError } from '../errors.js';
import { useChannel, useEvent } from '../hooks.js';

type MovementKind = 'purchase' | 'adjustment' | 'return';

/** Stock per product (the sum of its ledger), and recording a purchase, return or adjustment. */
export function StockScreen({ canAdjust }: { canAdjust: boolean }) {
  const { t } = useTranslation();
  const [search, setSearch] = useState('');
  const list = useChannel('products:lookup', { query: search }, search);
  const [adjusting, setAdjusting] = useState<ProductWithStock | null>(null);
  const [message, setMessage] = useState<{ kind: 'ok' | 'error'; text: string } | null>(null);
  useEvent('data:changed', ({ tables }) => {
    if (tables.includes('stock_movements') || tables.includes('products')) list.reload();
  });
  const products = list.data?.products ?? [];

  return (
    <div className="table-screen">
      <header className="section-header">
        <h1>{t('stock.title')}</h1>
        <input
          type="search"
          placeholder={t('table.search')}
          aria-label={t('table.search')}
          value={search}
          onChange={(e) => setSearch(e.target.value)}
        />
      </header>
      {message ? (
        <p className={message.kind === 'ok' ? 'alert ok' : 'alert error'} role="status">
          {message.text}
        </p>
      ) : null}
      {products.length === 0 && !list.loading ? (
        <p className="empty">{search ? t('table.noMatch') : t('table.empty')}</p>
      ) : (
        <table className="grid" data-testid="stock-table">
          <thead>
            <tr>
              <th>{t('fields.sku')}</th>
              <th>{t('fields.name')}</th>
              <th className="num">{t('stock.level')}</th>
              {canAdjust ? <th /> : null}
            </tr>
          </thead>
          <tbody>
            {products.map((product) => (
              <tr key={product.id}>
                <td>{product.sku}</td>
                <td>{product.name}</td>
                <td className={product.stock < 0 ? 'num negative' : 'num'}>{product.stock}</td>
                {canAdjust ? (
                  <td className="row-actions">
                    <button type="button" className="link" onClick={() => setAdjusting(product)}>
                      {t('stock.adjust')}
                    </button>
                  </td>
                ) : null}
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {adjusting ? (
        <AdjustDialog
          product={adjusting}
          onDone={(text) => {
            setAdjusting(null);
            if (text) setMessage({ kind: 'ok', text });
            list.reload();
          }}
        />
      ) : null}
    </div>
  );
}

function AdjustDialog({ product, onDone }: { product: ProductWithStock; onDone: (message: string | null) => void }) {
  const { t } = useTranslation();
  const [quantity, setQuantity] = useState('');
  const [kind, setKind] = useState<MovementKind>('purchase');
  const [reason, setReason] = useState('');
  const [error, setError] = useState<string | null>(null);

  async function submit(event: FormEvent) {
    event.preventDefault();
    const amount = Number(quantity);
    if (!Number.isInteger(amount) || amount === 0)
      return setError(t('errors.VALIDATION', { message: t('stock.quantity') }));
    try {
      await api.invoke('stock:adjust', {
        productId: product.id,
        quantity: amount,
        kind,
        reason: reason.trim() || undefined,
      });
      onDone(t('stock.recorded'));
    } catch (failure) {
      setError(describeError(failure, t));
    }
  }

  return (
    <dialog open className="dialog" aria-labelledby="adjust-title">
      <form onSubmit={submit}>
        <h2 id="adjust-title">
          {t('stock.adjust')}: {product.name}
        </h2>
        <div className="field">
          <label htmlFor="adjust-quantity">{t('stock.quantity')}</label>
          <input
            id="adjust-quantity"
            type="number"
            step={1}
            value={quantity}
            onChange={(e) => setQuantity(e.target.value)}
            required
            autoFocus
          />
        </div>
        <div className="field">
          <label htmlFor="adjust-kind">{t('stock.kind')}</label>
          <select id="adjust-kind" value={kind} onChange={(e) => setKind(e.target.value as MovementKind)}>
            {(['purchase', 'adjustment', 'return'] as const).map((value) => (
              <option key={value} value={value}>
                {t(`stock.kinds.${value}`)}
              </option>
            ))}
          </select>
        </div>
        <div className="field">
          <label htmlFor="adjust-reason">{t('stock.reason')}</label>
          <input id="adjust-reason" value={reason} maxLength={300} onChange={(e) => setReason(e.target.value)} />
        </div>
        <ErrorAlert message={error} />
        <div className="actions">
          <button type="button" onClick={() => onDone(null)}>
            {t('table.cancel')}
          </button>
          <button type="submit" className="primary">
            {t('table.save')}
          </button>
        </div>
      </form>
    </dialog>
  );
}
