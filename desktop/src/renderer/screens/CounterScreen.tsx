import { DEFAULT_TAX_RATES, type PaymentInput } from '@mostrador/common/money';
import { type KeyboardEvent, useCallback, useEffect, useLayoutEffect, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { ProductWithStock } from '../../shared/channels.js';
import { api } from '../api/index.js';
import {
  beyondLimit,
  type CartLine,
  parseEntry,
  priceCart,
  readDiscount,
  readQuantity,
  showQuantity,
} from '../counter/logic.js';
import { type Approval, PaymentDialog } from '../counter/PaymentDialog.js';
import { printDocument } from '../counter/print.js';
import { TicketView } from '../counter/TicketView.js';
import { describeError, errorCode } from '../errors.js';
import { formatMoney } from '../format.js';
import { useChannel, useEvent, useKeyDown } from '../hooks.js';

interface Done {
  saleId: string;
  number: string;
  total: number;
  change: number;
}

let lineKeys = 0;

/**
 * The sales counter: scan or type, Enter adds, F9 takes payment. Built for the keyboard and
 * for barcode scanners: Enter takes the text typed so far at once and clears the box, and the
 * codes are resolved one after another (exact SKU or barcode first), so a burst of scans never
 * mixes or loses a code, and Enter never acts on results that belong to other text.
 */
export function CounterScreen({ role }: { role: string }) {
  const { t, i18n } = useTranslation();
  const money = (cents: number) => formatMoney(cents, i18n.language);
  const [query, setQuery] = useState('');
  const [results, setResults] = useState<{ query: string; products: ProductWithStock[] }>({ query: '', products: [] });
  const [highlight, setHighlight] = useState(0);
  const [cart, setCart] = useState<CartLine[]>([]);
  const cartRef = useRef(cart);
  cartRef.current = cart;
  const [ticketDiscountText, setTicketDiscountText] = useState('');
  const [customerId, setCustomerId] = useState('');
  const [message, setMessage] = useState<{ kind: 'ok' | 'error'; text: string } | null>(null);
  const [done, setDone] = useState<Done | null>(null);
  const [paying, setPaying] = useState(false);
  const [payError, setPayError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const search = useRef<HTMLInputElement>(null);
  const queue = useRef<Promise<void>>(Promise.resolve());
  const latestQuery = useRef('');
  // The counter opens ready to scan: the cursor is in the search box before the first frame
  // (effects wait for the paint under preact/compat), so no early keystroke is lost.
  useLayoutEffect(() => search.current?.focus(), []);
  const settings = useChannel('settings:get', {});
  const customers = useChannel('rows:list', { table: 'customers', limit: 500 });
  const rates = settings.data?.taxRates ?? DEFAULT_TAX_RATES;

  const refreshCart = useCallback(async () => {
    const ids = [...new Set(cartRef.current.map((line) => line.product.id))];
    if (ids.length === 0) return;
    const { products } = await api.invoke('products:get', { ids });
    const byId = new Map(products.map((p) => [p.id, p]));
    setCart((lines) =>
      lines.map((line) => {
        const now = byId.get(line.product.id);
        if (!now || now.deletedAt || now.active !== true) return { ...line, gone: true };
        return { ...line, product: now, gone: false, newPrice: now.price !== line.unitPrice ? now.price : null };
      }),
    );
  }, []);

  useEvent('data:changed', ({ tables }) => {
    if (tables.includes('customers')) customers.reload();
    if (tables.includes('shop_settings')) settings.reload();
    if (tables.includes('products') || tables.includes('stock_movements')) void refreshCart();
  });

  useEffect(() => {
    const text = query.trim();
    latestQuery.current = text;
    if (!text) return setResults({ query: '', products: [] });
    const timer = setTimeout(() => {
      void api.invoke('products:lookup', { query: text, forSale: true }).then(({ products }) => {
        if (latestQuery.current !== text) return;
        setResults({ query: text, products });
        setHighlight(0);
      });
    }, 40);
    return () => clearTimeout(timer);
  }, [query]);

  function addLine(product: ProductWithStock, quantity: number) {
    setDone(null);
    setMessage(null);
    setCart((lines) => {
      const weighed = product.weighed === true;
      const same = weighed
        ? undefined
        : lines.find((line) => line.product.id === product.id && !line.gone && line.newPrice === null);
      if (same) {
        const next = same.quantity + quantity;
        return lines.map((line) => (line === same ? { ...line, quantity: next, quantityText: String(next) } : line));
      }
      lineKeys += 1;
      return [
        ...lines,
        {
          key: `line-${lineKeys}`,
          product,
          unitPrice: product.price,
          quantity,
          quantityText: showQuantity(quantity, weighed, i18n.language),
          discountText: '',
          newPrice: null,
          gone: false,
        },
      ];
    });
  }

  /** One entry (a scan or typed text), resolved after the ones before it. */
  async function resolveEntry(text: string, chosen: ProductWithStock | null) {
    const entry = parseEntry(text);
    if (!entry.code) {
      // "3*" alone: keep it in the box for the scan that follows.
      if (entry.quantity && !search.current?.value) setQuery(text.trim());
      return;
    }
    const exact = await api.invoke('counter:code', { code: entry.code });
    let product = exact.product ?? chosen;
    if (!product && !exact.inactive) {
      const { products } = await api.invoke('products:lookup', { query: entry.code, forSale: true });
      product = products[0] ?? null;
    }
    if (!product) {
      const key = exact.inactive ? 'till.notForSale' : 'counter.noResults';
      setMessage({ kind: 'error', text: t(key, { code: entry.code, query: entry.code }) });
      return;
    }
    const weighed = product.weighed === true;
    const quantity = entry.quantity ? readQuantity(entry.quantity, weighed) : weighed ? 1000 : 1;
    if (quantity === null) {
      setMessage({ kind: 'error', text: t('till.badQuantity', { text }) });
      return;
    }
    addLine(product, quantity);
  }

  function enqueue(text: string, chosen: ProductWithStock | null) {
    queue.current = queue.current
      .then(() => resolveEntry(text, chosen))
      .catch((failure) => setMessage({ kind: 'error', text: describeError(failure, t) }));
  }

  function onSearchKey(event: KeyboardEvent<HTMLInputElement>) {
    const products = results.products;
    if (event.key === 'ArrowDown') setHighlight((n) => Math.min(n + 1, products.length - 1));
    else if (event.key === 'ArrowUp') setHighlight((n) => Math.max(n - 1, 0));
    else if (event.key === 'Enter') {
      event.preventDefault();
      const text = event.currentTarget.value;
      // Results count only when they answer exactly this text; otherwise the code is resolved afresh.
      const chosen = results.query === text.trim() ? (products[highlight] ?? null) : null;
      setQuery('');
      setResults({ query: '', products: [] });
      latestQuery.current = '';
      if (text.trim()) enqueue(text, chosen);
    } else if (event.key === 'Escape') setQuery('');
    else return;
    if (event.key.startsWith('Arrow')) event.preventDefault();
  }

  function pick(product: ProductWithStock) {
    setQuery('');
    setResults({ query: '', products: [] });
    addLine(product, product.weighed ? 1000 : 1);
    search.current?.focus();
  }

  function updateLine(key: string, change: (line: CartLine) => CartLine) {
    setCart((lines) => lines.map((line) => (line.key === key ? change(line) : line)));
  }

  function editQuantity(line: CartLine, text: string) {
    const quantity = readQuantity(text, line.product.weighed === true);
    updateLine(line.key, (l) => ({ ...l, quantityText: text, quantity: quantity ?? l.quantity }));
  }

  const ticketDiscount = readDiscount(ticketDiscountText);
  const priced = ticketDiscount === undefined ? null : priceCart(cart, ticketDiscount, rates);
  const limit = settings.data?.cashierDiscountLimit ?? 1000;
  const needsApproval = role === 'cashier' && priced !== null && beyondLimit(priced, limit);
  const beyondStock = cart.filter((line) => line.quantity > line.product.stock);

  function startPayment() {
    if (cart.length === 0 || paying || busy) return;
    if (cart.some((line) => line.newPrice !== null)) {
      setMessage({ kind: 'error', text: t('till.confirmPrices') });
      return;
    }
    if (cart.some((line) => line.gone)) {
      setMessage({ kind: 'error', text: t('till.gone') });
      return;
    }
    if (!priced) {
      setMessage({ kind: 'error', text: t('till.badDiscount', { text: ticketDiscountText }) });
      return;
    }
    if (settings.data?.stockPolicy === 'forbid' && beyondStock.length > 0) {
      const names = beyondStock.map((line) => line.product.name).join(', ');
      setMessage({ kind: 'error', text: t('till.stockForbidden', { names }) });
      return;
    }
    setPayError(null);
    setPaying(true);
  }

  async function pay(payments: PaymentInput[], approval: Approval | null) {
    if (!priced) return;
    setBusy(true);
    try {
      const { sale } = await api.invoke('sales:complete', {
        items: cart.map((line) => ({
          productId: line.product.id,
          quantity: line.quantity,
          unitPrice: line.unitPrice,
          discount: readDiscount(line.discountText) ?? null,
        })),
        payments,
        discount: ticketDiscount ?? null,
        customerId: customerId || null,
        ...(approval ? { approval } : {}),
      });
      setPaying(false);
      setCart([]);
      setTicketDiscountText('');
      setCustomerId('');
      setDone({ saleId: sale.id, number: sale.number, total: sale.total, change: sale.change ?? 0 });
      search.current?.focus();
    } catch (failure) {
      setPayError(describeError(failure, t));
      if (errorCode(failure) === 'CONFLICT') void refreshCart();
    } finally {
      setBusy(false);
    }
  }

  async function printTicket(saleId: string) {
    const ticket = await api.invoke('tickets:get', { saleId });
    printDocument(<TicketView ticket={ticket} />);
    search.current?.focus();
  }

  useKeyDown((event) => {
    if (event.key === 'F9' && !paying) {
      event.preventDefault();
      startPayment();
    } else if (event.key === 'F10' && done && !paying) {
      event.preventDefault();
      void printTicket(done.saleId);
    }
  });

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
          onChange={(event) => {
            setQuery(event.target.value);
            if (event.target.value) setDone(null);
          }}
          onKeyDown={onSearchKey}
          autoComplete="off"
          role="combobox"
          aria-expanded={results.products.length > 0}
          aria-controls="counter-results"
        />
        <small className="hint">
          {t('counter.searchHint')} · {t('till.multiplyHint')}
        </small>
        {query.trim() && results.query === query.trim() && results.products.length === 0 ? (
          <p className="empty">{t('counter.noResults', { query })}</p>
        ) : null}
        {/* The keyboard stays in the search box (arrows and Enter); the options take clicks. */}
        <div id="counter-results" className="results" role="listbox">
          {results.products.map((product, index) => (
            <div
              key={product.id}
              role="option"
              tabIndex={-1}
              aria-selected={index === highlight}
              className={index === highlight ? 'result active' : 'result'}
              onClick={() => pick(product)}
              onKeyDown={(event) => event.key === 'Enter' && pick(product)}
            >
              <span className="result-name">{product.name}</span>
              <span className="muted">{product.sku}</span>
              <span className="muted">
                {t('counter.inStock', {
                  count: product.weighed ? Number(showQuantity(product.stock, true, 'en')) : product.stock,
                })}
              </span>
              <span className="amount">
                {money(product.price)}
                {product.weighed ? t('till.perKg') : ''}
              </span>
            </div>
          ))}
        </div>
        {message ? (
          <p className={message.kind === 'ok' ? 'alert ok' : 'alert error'} role="status">
            {message.text}
          </p>
        ) : null}
        {done ? (
          <div className="sale-done" role="status" data-testid="sale-done">
            <p>{t('counter.completed', { number: done.number, total: money(done.total) })}</p>
            <p className="change-big">
              <span>{done.change > 0 ? t('till.change') : t('till.noChange')}</span>
              <strong data-testid="change-due">{money(done.change)}</strong>
            </p>
            <button type="button" onClick={() => void printTicket(done.saleId)}>
              {t('till.print')} (F10)
            </button>
            <p className="muted">{t('till.newSale')}</p>
          </div>
        ) : null}
      </section>
      <section className="ticket" aria-label={t('counter.total')}>
        {cart.length === 0 ? (
          <p className="empty">{t('counter.cartEmpty')}</p>
        ) : (
          <table className="grid" data-testid="ticket-lines">
            <thead>
              <tr>
                <th>{t('counter.product')}</th>
                <th className="num">{t('counter.quantity')}</th>
                <th className="num">{t('counter.price')}</th>
                <th className="num">{t('till.discount')}</th>
                <th className="num">{t('counter.lineTotal')}</th>
                <th />
              </tr>
            </thead>
            <tbody>
              {cart.map((line, index) => {
                const weighed = line.product.weighed === true;
                const pricedLine = priced?.lines[index];
                return (
                  <tr key={line.key} data-testid="ticket-line" className={line.gone ? 'gone' : undefined}>
                    <td>
                      {line.product.name}
                      {line.newPrice !== null ? (
                        <div className="alert error small" data-testid="price-changed">
                          {t('till.priceChanged', { before: money(line.unitPrice), after: money(line.newPrice) })}{' '}
                          <button
                            type="button"
                            onClick={() =>
                              updateLine(line.key, (l) => ({
                                ...l,
                                unitPrice: l.newPrice ?? l.unitPrice,
                                newPrice: null,
                              }))
                            }
                          >
                            {t('till.acceptPrice')}
                          </button>
                        </div>
                      ) : null}
                      {line.gone ? <div className="alert error small">{t('till.gone')}</div> : null}
                      {line.quantity > line.product.stock ? (
                        <div className="warning small" data-testid="stock-warning">
                          {t('till.stockWarning', { stock: showQuantity(line.product.stock, weighed, i18n.language) })}
                        </div>
                      ) : null}
                    </td>
                    <td className="num">
                      <input
                        className="qty"
                        inputMode="decimal"
                        aria-label={`${t('counter.quantity')} ${line.product.name}`}
                        value={line.quantityText}
                        onChange={(event) => editQuantity(line, event.target.value)}
                        onBlur={() =>
                          updateLine(line.key, (l) => ({
                            ...l,
                            quantityText: showQuantity(l.quantity, weighed, i18n.language),
                          }))
                        }
                        onKeyDown={(event) => {
                          if (event.key === 'Enter') search.current?.focus();
                        }}
                      />
                      {weighed ? <span className="muted"> {t('till.weighedHint')}</span> : null}
                    </td>
                    <td className="num">
                      {money(line.unitPrice)}
                      {weighed ? t('till.perKg') : ''}
                    </td>
                    <td className="num">
                      <input
                        className="qty discount"
                        aria-label={`${t('till.discount')} ${line.product.name}`}
                        placeholder={t('till.discountHint')}
                        value={line.discountText}
                        onChange={(event) => updateLine(line.key, (l) => ({ ...l, discountText: event.target.value }))}
                        onKeyDown={(event) => {
                          if (event.key === 'Enter') search.current?.focus();
                        }}
                      />
                    </td>
                    <td className="num">{pricedLine ? money(pricedLine.amount - pricedLine.discount) : '—'}</td>
                    <td>
                      <button
                        type="button"
                        className="link"
                        onClick={() => setCart((lines) => lines.filter((l) => l.key !== line.key))}
                      >
                        {t('counter.remove')}
                      </button>
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        )}
        <label className="field inline">
          <span>{t('till.ticketDiscount')}</span>
          <input
            className="qty discount"
            placeholder={t('till.discountHint')}
            value={ticketDiscountText}
            onChange={(event) => setTicketDiscountText(event.target.value)}
          />
        </label>
        {priced && priced.lineDiscounts + priced.ticketDiscount > 0 ? (
          <div className="ticket-sub">
            <span>{t('till.subtotal')}</span>
            <span>{money(priced.subtotal)}</span>
            <span>{t('till.discounts')}</span>
            <span data-testid="ticket-discounts">−{money(priced.lineDiscounts + priced.ticketDiscount)}</span>
          </div>
        ) : null}
        {cart.length > 0 && !priced ? (
          <p className="alert error">{t('till.badDiscount', { text: ticketDiscountText })}</p>
        ) : null}
        <div className="ticket-total">
          <span>{t('counter.total')}</span>
          <strong data-testid="ticket-total">{money(priced?.total ?? 0)}</strong>
        </div>
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
          <button type="button" className="primary big" onClick={startPayment} disabled={cart.length === 0 || busy}>
            {busy ? t('counter.completing') : t('counter.complete')}
          </button>
        </div>
      </section>
      {paying && priced ? (
        <PaymentDialog
          total={priced.total}
          approvalLimit={needsApproval ? limit : null}
          error={payError}
          busy={busy}
          onPay={(payments, approval) => void pay(payments, approval)}
          onCancel={() => {
            setPaying(false);
            search.current?.focus();
          }}
        />
      ) : null}
    </div>
  );
}
