import { type KeyboardEvent, useEffect, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { ProductWithStock } from '../../shared/channels.js';
import { api } from '../api/index.js';
import { describeError } from '../errors.js';
import { formatMoney } from '../format.js';
import { useChannel, useEvent } from '../hooks.js';

type PaymentMethod = 'cash' | 'card' | 'other';
interface CartLine {
  product: ProductWithStock;
  quantity: number;
}

function exactMatch(products: ProductWithStock[], query: string): ProductWithStock | undefined {
  const wanted = query.trim().toLowerCase();
  return products.find((p) => p.sku.toLowerCase() === wanted || p.barcode?.toLowerCase() === wanted);
}

/** The sales counter: scan or type, Enter adds, F9 takes payment. Built to be used without a mouse. */
export function CounterScreen() {
  const { t, i18n } = useTranslation();
  const money = (cents: number) => formatMoney(cents, i18n.language);
  const [query, setQuery] = useState('');
  const [results, setResults] = useState<ProductWithStock[]>([]);
  const [highlight, setHighlight] = useState(0);
  const [cart, setCart] = useState<CartLine[]>([]);
  const [payment, setPayment] = useState<PaymentMethod>('cash');
  const [customerId, setCustomerId] = useState('');
  const [message, setMessage] = useState<{ kind: 'ok' | 'error'; text: string } | null>(null);
  const [busy, setBusy] = useState(false);
  const search = useRef<HTMLInputElement>(null);
  // The counter opens ready to scan: the cursor is in the search box.
  useEffect(() => search.current?.focus(), []);
  const customers = useChannel('rows:list', { table: 'customers', limit: 500 });
  useEvent('data:changed', ({ tables }) => {
    if (tables.includes('customers')) customers.reload();
  });

  useEffect(() => {
    let current = true;
    if (!query.trim()) return setResults([]);
    void api.invoke('products:lookup', { query: query.trim() }).then(({ products }) => {
      if (current) {
        setResults(products);
        setHighlight(0);
      }
    });
    return () => {
      current = false;
    };
  }, [query]);

  function add(product: ProductWithStock) {
    setCart((lines) => {
      const found = lines.find((line) => line.product.id === product.id);
      if (found) return lines.map((line) => (line === found ? { ...line, quantity: line.quantity + 1 } : line));
      return [...lines, { product, quantity: 1 }];
    });
    setQuery('');
    setResults([]);
    setMessage(null);
    search.current?.focus();
  }

  function setQuantity(productId: string, quantity: number) {
    setCart((lines) =>
      lines.flatMap((line) => (line.product.id !== productId ? [line] : quantity > 0 ? [{ ...line, quantity }] : [])),
    );
  }

  const total = cart.reduce((sum, line) => sum + line.product.price * line.quantity, 0);

  async function complete() {
    if (cart.length === 0 || busy) return;
    setBusy(true);
    try {
      const { sale } = await api.invoke('sales:complete', {
        items: cart.map((line) => ({ productId: line.product.id, quantity: line.quantity })),
        paymentMethod: payment,
        customerId: customerId || null,
      });
      setCart([]);
      setCustomerId('');
      setMessage({ kind: 'ok', text: t('counter.completed', { number: sale.number, total: money(sale.total ?? 0) }) });
    } catch (failure) {
      setMessage({ kind: 'error', text: describeError(failure, t) });
    } finally {
      setBusy(false);
      search.current?.focus();
    }
  }

  useEffect(() => {
    function onKey(event: globalThis.KeyboardEvent) {
      if (event.key === 'F9') {
        event.preventDefault();
        void complete();
      }
    }
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  });

  function onSearchKey(event: KeyboardEvent<HTMLInputElement>) {
    if (event.key === 'ArrowDown') setHighlight((n) => Math.min(n + 1, results.length - 1));
    else if (event.key === 'ArrowUp') setHighlight((n) => Math.max(n - 1, 0));
    else if (event.key === 'Enter') {
      event.preventDefault();
      const chosen = exactMatch(results, query) ?? results[highlight];
      if (chosen) add(chosen);
    } else if (event.key === 'Escape') setQuery('');
    else return;
    if (event.key.startsWith('Arrow')) event.preventDefault();
  }

  return (
    <div className="counter">
      <section className="counter-search">
        <label htmlFor="counter-search" className="visually-hidden">
          {t('counter.search')}
        </label>
        <input
          id="counter-search"
          ref={search}
          className="big-input"
          placeholder={t('counter.search')}
          value={query}
          onChange={(event) => setQuery(event.target.value)}
          onKeyDown={onSearchKey}
          autoComplete="off"
          role="combobox"
          aria-expanded={results.length > 0}
          aria-controls="counter-results"
        />
        <small className="hint">{t('counter.searchHint')}</small>
        {query.trim() && results.length === 0 ? <p className="empty">{t('counter.noResults', { query })}</p> : null}
        {/* The keyboard stays in the search box (arrows and Enter); the options take clicks. */}
        <div id="counter-results" className="results" role="listbox">
          {results.map((product, index) => (
            <div
              key={product.id}
              role="option"
              tabIndex={-1}
              aria-selected={index === highlight}
              className={index === highlight ? 'result active' : 'result'}
              onClick={() => add(product)}
              onKeyDown={(event) => event.key === 'Enter' && add(product)}
            >
              <span className="result-name">{product.name}</span>
              <span className="muted">{product.sku}</span>
              <span className="muted">{t('counter.inStock', { count: product.stock })}</span>
              <span className="amount">{money(product.price)}</span>
            </div>
          ))}
        </div>
        {message ? (
          <p className={message.kind === 'ok' ? 'alert ok' : 'alert error'} role="status">
            {message.text}
          </p>
        ) : null}
      </section>
      <section className="ticket" aria-label={t('counter.total')}>
        {cart.length === 0 ? (
          <p className="empty">{t('counter.cartEmpty')}</p>
        ) : (
          <table className="grid">
            <thead>
              <tr>
                <th>{t('counter.product')}</th>
                <th className="num">{t('counter.quantity')}</th>
                <th className="num">{t('counter.price')}</th>
                <th className="num">{t('counter.lineTotal')}</th>
                <th />
              </tr>
            </thead>
            <tbody>
              {cart.map((line) => (
                <tr key={line.product.id}>
                  <td>{line.product.name}</td>
                  <td className="num">
                    <input
                      type="number"
                      min={1}
                      className="qty"
                      aria-label={t('counter.quantity')}
                      value={line.quantity}
                      onChange={(event) => setQuantity(line.product.id, Number(event.target.value))}
                    />
                  </td>
                  <td className="num">{money(line.product.price)}</td>
                  <td className="num">{money(line.product.price * line.quantity)}</td>
                  <td>
                    <button type="button" className="link" onClick={() => setQuantity(line.product.id, 0)}>
                      {t('counter.remove')}
                    </button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
        <div className="ticket-total">
          <span>{t('counter.total')}</span>
          <strong data-testid="ticket-total">{money(total)}</strong>
        </div>
        <fieldset className="payment">
          <legend>{t('counter.payment')}</legend>
          {(['cash', 'card', 'other'] as const).map((method) => (
            <label key={method} className={payment === method ? 'choice active' : 'choice'}>
              <input
                type="radio"
                name="payment"
                value={method}
                checked={payment === method}
                onChange={() => setPayment(method)}
              />
              {t(`payment.${method}`)}
            </label>
          ))}
        </fieldset>
        <label className="field">
          <span>{t('counter.customer')}</span>
          <select value={customerId} onChange={(event) => setCustomerId(event.target.value)}>
            <option value="">{t('counter.noCustomer')}</option>
            {(customers.data?.rows ?? []).map((customer) => (
              <option key={customer.id} value={customer.id}>
                {String(customer.name)}
              </option>
            ))}
          </select>
        </label>
        <div className="actions">
          <button type="button" onClick={() => setCart([])} disabled={cart.length === 0}>
            {t('counter.clear')}
          </button>
          <button
            type="button"
            className="primary big"
            onClick={() => void complete()}
            disabled={cart.length === 0 || busy}
          >
            {busy ? t('counter.completing') : t('counter.complete')}
          </button>
        </div>
      </section>
    </div>
  );
}
