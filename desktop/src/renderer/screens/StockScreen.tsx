import { type FormEvent, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { ProductWithStock } from '../../shared/channels.js';
import { api } from '../api/index.js';
import { ErrorAlert } from '../components/ErrorAlert.js';
import { Modal } from '../components/Modal.js';
import { describeError } from '../errors.js';
import { formatTime } from '../format.js';
import { useChannel, useEvent } from '../hooks.js';
import { CountScreen } from './CountScreen.js';
import { PurchaseScreen } from './PurchaseScreen.js';

type StockTab = 'levels' | 'low' | 'purchase' | 'count';

type MovementKind = 'purchase' | 'adjustment' | 'return';

/** Stock per product (the sum of its ledger), low stock, deliveries, counts and each product's history. */
export function StockScreen({ canAdjust }: { canAdjust: boolean }) {
  const { t } = useTranslation();
  const [tab, setTab] = useState<StockTab>('levels');
  const [search, setSearch] = useState('');
  const list = useChannel('products:lookup', { query: search }, search);
  const low = useChannel('stock:low', {});
  const [adjusting, setAdjusting] = useState<ProductWithStock | null>(null);
  const [history, setHistory] = useState<{ id: string; name: string } | null>(null);
  const [message, setMessage] = useState<{ kind: 'ok' | 'error'; text: string } | null>(null);
  useEvent('data:changed', ({ tables }) => {
    if (tables.includes('stock_movements') || tables.includes('products')) {
      list.reload();
      low.reload();
    }
  });
  const products = list.data?.products ?? [];
  const lowProducts = low.data?.products ?? [];
  const tabs: StockTab[] = canAdjust ? ['levels', 'low', 'purchase', 'count'] : ['levels', 'low'];
  const done = (text: string) => {
    setMessage({ kind: 'ok', text });
    list.reload();
    low.reload();
  };

  return (
    <div className="table-screen">
      <header className="section-header">
        <h1>{t('stock.title')}</h1>
        <div className="tabs" role="tablist">
          {tabs.map((name) => (
            <button
              key={name}
              type="button"
              role="tab"
              aria-selected={tab === name}
              className={tab === name ? 'tab active' : 'tab'}
              onClick={() => {
                setTab(name);
                setMessage(null);
              }}
            >
              {t(`stock.tabs.${name}`)}
              {name === 'low' && lowProducts.length > 0 ? (
                <span className="badge" data-testid="low-stock-badge">
                  {lowProducts.length}
                </span>
              ) : null}
            </button>
          ))}
        </div>
        {tab === 'levels' ? (
          <input
            type="search"
            placeholder={t('table.search')}
            aria-label={t('table.search')}
            value={search}
            onChange={(e) => setSearch(e.target.value)}
          />
        ) : null}
      </header>
      {message ? (
        <p className={message.kind === 'ok' ? 'alert ok' : 'alert error'} role="status">
          {message.text}
        </p>
      ) : null}
      {tab === 'purchase' ? <PurchaseScreen onDone={done} /> : null}
      {tab === 'count' ? <CountScreen onDone={done} /> : null}
      {tab === 'low' ? (
        lowProducts.length === 0 ? (
          <p className="empty">{t('stock.noLow')}</p>
        ) : (
          <table className="grid" data-testid="low-stock-table">
            <thead>
              <tr>
                <th>{t('fields.sku')}</th>
                <th>{t('fields.name')}</th>
                <th className="num">{t('stock.level')}</th>
                <th className="num">{t('fields.minStock')}</th>
                <th className="num">{t('stock.missing')}</th>
              </tr>
            </thead>
            <tbody>
              {lowProducts.map((product) => (
                <tr key={product.id}>
                  <td>{product.sku}</td>
                  <td>{product.name}</td>
                  <td className={product.stock < 0 ? 'num negative' : 'num'}>{product.stock}</td>
                  <td className="num">{product.minStock}</td>
                  <td className="num">{product.minStock - product.stock}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )
      ) : null}
      {tab !== 'levels' ? null : products.length === 0 && !list.loading ? (
        <p className="empty">{search ? t('table.noMatch') : t('table.empty')}</p>
      ) : (
        <table className="grid" data-testid="stock-table">
          <thead>
            <tr>
              <th>{t('fields.sku')}</th>
              <th>{t('fields.name')}</th>
              <th className="num">{t('stock.level')}</th>
              <th className="num">{t('fields.minStock')}</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {products.map((product) => (
              <tr key={product.id}>
                <td>{product.sku}</td>
                <td>{product.name}</td>
                <td className={product.stock < 0 ? 'num negative' : 'num'}>{product.stock}</td>
                <td className="num">{product.minStock ?? ''}</td>
                <td className="row-actions">
                  <button
                    type="button"
                    className="link"
                    onClick={() => setHistory({ id: product.id, name: product.name })}
                  >
                    {t('stock.history')}
                  </button>
                  {canAdjust ? (
                    <button type="button" className="link" onClick={() => setAdjusting(product)}>
                      {t('stock.adjust')}
                    </button>
                  ) : null}
                </td>
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
      {history ? <HistoryDialog product={history} onClose={() => setHistory(null)} /> : null}
    </div>
  );
}

/** Every movement of one product, newest first: when, what, how many, who, where, why, and the stock after it. */
function HistoryDialog({ product, onClose }: { product: { id: string; name: string }; onClose: () => void }) {
  const { t } = useTranslation();
  const history = useChannel('stock:history', { productId: product.id }, product.id);
  const movements = history.data?.movements ?? [];
  return (
    <Modal title={t('stock.historyOf', { name: product.name })} onClose={onClose} wide testId="history-dialog">
      {movements.length === 0 && !history.loading ? (
        <p className="empty">{t('stock.noMovements')}</p>
      ) : (
        <div className="scroll">
          <table className="grid" data-testid="history-table">
            <thead>
              <tr>
                <th>{t('stock.when')}</th>
                <th>{t('stock.kind')}</th>
                <th className="num">{t('stock.quantityShort')}</th>
                <th className="num">{t('stock.balance')}</th>
                <th>{t('stock.who')}</th>
                <th>{t('stock.where')}</th>
                <th>{t('stock.reason')}</th>
              </tr>
            </thead>
            <tbody>
              {movements.map((m) => (
                <tr key={m.id}>
                  <td>{formatTime(m.createdAt)}</td>
                  <td>{t(`stock.kinds.${m.kind}`, { defaultValue: m.kind })}</td>
                  <td className={m.quantity < 0 ? 'num negative' : 'num'}>
                    {m.quantity > 0 ? `+${m.quantity}` : m.quantity}
                  </td>
                  <td className="num">{m.balance}</td>
                  <td>{m.userName ?? '—'}</td>
                  <td>{m.here ? t('stock.thisStation') : t('stock.otherStation', { id: m.stationId.slice(0, 8) })}</td>
                  <td>{m.reason ?? ''}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <div className="actions">
        <button type="button" onClick={onClose}>
          {t('status.close')}
        </button>
      </div>
    </Modal>
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
      return setError(t('errors.validationField', { field: t('stock.quantity') }));
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
    <Modal title={t('stock.adjustOf', { name: product.name })} onClose={() => onDone(null)}>
      <form onSubmit={submit} noValidate>
        <div className="field">
          <label htmlFor="adjust-quantity">{t('stock.quantity')}</label>
          <input
            id="adjust-quantity"
            type="number"
            step={1}
            value={quantity}
            onChange={(e) => setQuantity(e.target.value)}
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
    </Modal>
  );
}
