import type { PaymentMethodName } from '@mostrador/common';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { SaleSummary } from '../../shared/channels.js';
import { api } from '../api/index.js';
import { ErrorAlert } from '../components/ErrorAlert.js';
import { showQuantity } from '../counter/logic.js';
import { printDocument } from '../counter/print.js';
import { TicketView } from '../counter/TicketView.js';
import { describeError } from '../errors.js';
import { formatMoney } from '../format.js';
import { useChannel, useEvent } from '../hooks.js';

function today(): string {
  const now = new Date();
  return `${now.getFullYear()}-${String(now.getMonth() + 1).padStart(2, '0')}-${String(now.getDate()).padStart(2, '0')}`;
}

/** The local day as an instant range [from, to). */
function dayRange(day: string): { from: string; to: string } {
  const start = new Date(`${day}T00:00:00`);
  const end = new Date(start);
  end.setDate(end.getDate() + 1);
  return { from: start.toISOString(), to: end.toISOString() };
}

/** Sales of a day by station, cashier and payment method; open one to reprint, void it or return lines. */
export function SalesHistoryScreen({ role }: { role: string }) {
  const { t, i18n } = useTranslation();
  const money = (cents: number) => formatMoney(cents, i18n.language);
  const [day, setDay] = useState(today);
  const [stationId, setStationId] = useState('');
  const [userId, setUserId] = useState('');
  const [method, setMethod] = useState('');
  const [openId, setOpenId] = useState<string | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const filter = {
    ...dayRange(day),
    ...(stationId ? { stationId } : {}),
    ...(userId ? { userId } : {}),
    ...(method ? { paymentMethod: method as PaymentMethodName } : {}),
  };
  const sales = useChannel('sales:list', filter, JSON.stringify(filter));
  useEvent('data:changed', ({ tables }) => {
    if (tables.includes('sales')) sales.reload();
  });
  const rows = sales.data?.sales ?? [];
  const stations = [...new Map(rows.map((s) => [s.stationId, s.number.split('-')[0] ?? s.stationId])).entries()];
  const cashiers = [...new Map(rows.map((s) => [s.userId, s.cashier])).entries()];

  return (
    <div className="screen sales-history">
      <h1>{t('till.history.title')}</h1>
      <div className="filters">
        <label className="field inline">
          <span>{t('till.history.day')}</span>
          <input type="date" value={day} onChange={(event) => setDay(event.target.value || today())} />
        </label>
        <label className="field inline">
          <span>{t('till.history.station')}</span>
          <select value={stationId} onChange={(event) => setStationId(event.target.value)}>
            <option value="">{t('till.history.allStations')}</option>
            {stations.map(([id, code]) => (
              <option key={id} value={id}>
                {code}
              </option>
            ))}
          </select>
        </label>
        <label className="field inline">
          <span>{t('till.history.cashier')}</span>
          <select value={userId} onChange={(event) => setUserId(event.target.value)}>
            <option value="">{t('till.history.allCashiers')}</option>
            {cashiers.map(([id, name]) => (
              <option key={id} value={id}>
                {name}
              </option>
            ))}
          </select>
        </label>
        <label className="field inline">
          <span>{t('counter.payment')}</span>
          <select value={method} onChange={(event) => setMethod(event.target.value)}>
            <option value="">{t('till.history.allMethods')}</option>
            {(['cash', 'card', 'other'] as const).map((name) => (
              <option key={name} value={name}>
                {t(`payment.${name}`)}
              </option>
            ))}
          </select>
        </label>
      </div>
      {notice ? (
        <p className="alert ok" role="status">
          {notice}
        </p>
      ) : null}
      <ErrorAlert message={sales.error ? describeError(sales.error, t) : null} />
      {rows.length === 0 && !sales.loading ? <p className="empty">{t('till.history.empty')}</p> : null}
      {rows.length > 0 ? (
        <table className="grid" data-testid="sales-table">
          <thead>
            <tr>
              <th>{t('till.history.number')}</th>
              <th>{t('till.history.time')}</th>
              <th>{t('till.history.cashier')}</th>
              <th>{t('counter.payment')}</th>
              <th className="num">{t('counter.total')}</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {rows.map((sale) => (
              <tr key={sale.id} data-sale={sale.number}>
                <td>
                  {sale.number}
                  {sale.printedNumber ? ` · ${t('till.history.printedAs', { number: sale.printedNumber })}` : ''}
                  {sale.kind === 'return' ? ` · ${t('till.history.kindReturn')}` : ''}
                  {sale.status === 'voided' ? ` · ${t('till.history.voided')}` : ''}
                </td>
                <td>{new Date(sale.createdAt).toLocaleTimeString(i18n.language)}</td>
                <td>{sale.cashier}</td>
                <td>{sale.paymentMethod === 'split' ? t('till.history.split') : t(`payment.${sale.paymentMethod}`)}</td>
                <td className="num">{money(sale.kind === 'return' ? -sale.total : sale.total)}</td>
                <td>
                  <button type="button" className="link" onClick={() => setOpenId(sale.id)}>
                    {t('till.history.open')}
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : null}
      {openId ? (
        <SaleDetail
          sale={rows.find((s) => s.id === openId) ?? null}
          saleId={openId}
          role={role}
          onClose={() => setOpenId(null)}
          onDone={(text) => {
            setNotice(text);
            setOpenId(null);
            sales.reload();
          }}
        />
      ) : null}
    </div>
  );
}

function SaleDetail({
  sale,
  saleId,
  role,
  onClose,
  onDone,
}: {
  sale: SaleSummary | null;
  saleId: string;
  role: string;
  onClose: () => void;
  onDone: (text: string) => void;
}) {
  const { t, i18n } = useTranslation();
  const money = (cents: number) => formatMoney(cents, i18n.language);
  const ticket = useChannel('tickets:get', { saleId }, saleId);
  const items = useChannel('sales:items', { saleId }, saleId);
  const [mode, setMode] = useState<'view' | 'void' | 'return'>('view');
  const [reason, setReason] = useState('');
  const [quantities, setQuantities] = useState<Record<string, string>>({});
  const [refund, setRefund] = useState<'original' | 'cash'>('original');
  const [error, setError] = useState<string | null>(null);
  const canVoid = role !== 'cashier' && sale?.status === 'completed';
  const canReturn = sale?.status === 'completed' && sale.kind !== 'return';

  async function doVoid() {
    setError(null);
    try {
      const { sale: voided } = await api.invoke('sales:void', { saleId, reason: reason.trim() });
      onDone(t('till.history.voidDone', { number: voided.number }));
    } catch (failure) {
      setError(describeError(failure, t));
    }
  }

  async function doReturn() {
    setError(null);
    const lines = Object.entries(quantities)
      .map(([itemId, text]) => ({ itemId, quantity: Number(text) }))
      .filter((line) => Number.isInteger(line.quantity) && line.quantity > 0);
    if (lines.length === 0) return;
    try {
      const { sale: back } = await api.invoke('sales:return', {
        saleId,
        lines,
        refund,
        ...(reason.trim() ? { reason: reason.trim() } : {}),
      });
      printDocument(<TicketView ticket={await api.invoke('tickets:get', { saleId: back.id })} />);
      onDone(t('till.history.returnDone', { number: back.number, total: money(back.total) }));
    } catch (failure) {
      setError(describeError(failure, t));
    }
  }

  return (
    <section className="sale-detail" aria-label={sale?.number ?? ''}>
      {ticket.data ? <TicketView ticket={ticket.data} /> : null}
      <div className="actions">
        <button type="button" onClick={onClose}>
          {t('till.history.close')}
        </button>
        {ticket.data ? (
          <button type="button" onClick={() => ticket.data && printDocument(<TicketView ticket={ticket.data} />)}>
            {t('till.history.reprint')}
          </button>
        ) : null}
        {canReturn ? (
          <button type="button" onClick={() => setMode('return')}>
            {t('till.history.returnLines')}
          </button>
        ) : null}
        {canVoid ? (
          <button type="button" className="danger" onClick={() => setMode('void')}>
            {t('till.history.void')}
          </button>
        ) : null}
      </div>
      {mode === 'void' ? (
        <form
          className="inline-form"
          onSubmit={(event) => {
            event.preventDefault();
            void doVoid();
          }}
        >
          <label className="field">
            <span>{t('till.history.voidReason')}</span>
            <input value={reason} onChange={(event) => setReason(event.target.value)} required />
          </label>
          <button type="submit" className="danger" disabled={!reason.trim()}>
            {t('till.history.voidConfirm')}
          </button>
        </form>
      ) : null}
      {mode === 'return' ? (
        <form
          className="inline-form"
          onSubmit={(event) => {
            event.preventDefault();
            void doReturn();
          }}
        >
          <table className="grid">
            <thead>
              <tr>
                <th>{t('counter.product')}</th>
                <th className="num">{t('counter.quantity')}</th>
                <th className="num">{t('till.history.returned')}</th>
                <th className="num">{t('till.history.returnQty')}</th>
              </tr>
            </thead>
            <tbody>
              {(items.data?.items ?? []).map((item) => (
                <tr key={item.id}>
                  <td>{item.name ?? item.productId}</td>
                  <td className="num">{showQuantity(item.quantity, item.weighed === true, i18n.language)}</td>
                  <td className="num">{item.returned}</td>
                  <td className="num">
                    <input
                      className="qty"
                      aria-label={`${t('till.history.returnQty')} ${item.name ?? ''}`}
                      inputMode="numeric"
                      value={quantities[item.id] ?? ''}
                      onChange={(event) => setQuantities((all) => ({ ...all, [item.id]: event.target.value }))}
                    />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
          <fieldset className="payment">
            <legend>{t('till.history.refund')}</legend>
            {(['original', 'cash'] as const).map((option) => (
              <label key={option} className={refund === option ? 'choice active' : 'choice'}>
                <input type="radio" name="refund" checked={refund === option} onChange={() => setRefund(option)} />
                {option === 'original' ? t('till.history.refundOriginal') : t('till.history.refundCash')}
              </label>
            ))}
          </fieldset>
          <label className="field">
            <span>{t('till.history.reason')}</span>
            <input value={reason} onChange={(event) => setReason(event.target.value)} />
          </label>
          <button type="submit" className="primary">
            {t('till.history.returnConfirm')}
          </button>
        </form>
      ) : null}
      <ErrorAlert message={error} />
    </section>
  );
}
