import type { ZReport } from '@mostrador/common';
import { countTotal, DENOMINATIONS, parseAmount } from '@mostrador/common/money';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { api } from '../api/index.js';
import { ConfirmDialog } from '../components/ConfirmDialog.js';
import { ErrorAlert } from '../components/ErrorAlert.js';
import { printDocument } from '../counter/print.js';
import { ZReportView } from '../counter/TicketView.js';
import { describeError } from '../errors.js';
import { formatMoney } from '../format.js';
import { useChannel, useEvent } from '../hooks.js';

/** This station's cash drawer: open with a float, cash in and out, close with a count, the Z report. */
export function CashScreen() {
  const { t, i18n } = useTranslation();
  const money = (cents: number) => formatMoney(cents, i18n.language);
  const cash = useChannel('cash:current', {});
  const closings = useChannel('cash:closings', {});
  useEvent('data:changed', ({ tables }) => {
    if (
      tables.some((table) =>
        ['sales', 'sale_payments', 'cash_sessions', 'cash_movements', 'cash_closings'].includes(table),
      )
    ) {
      cash.reload();
      closings.reload();
    }
  });
  const [float, setFloat] = useState('');
  const [moveKind, setMoveKind] = useState<'in' | 'out'>('out');
  const [moveAmount, setMoveAmount] = useState('');
  const [moveReason, setMoveReason] = useState('');
  const [counts, setCounts] = useState<Record<string, string>>({});
  const [confirming, setConfirming] = useState(false);
  const [z, setZ] = useState<ZReport | null>(null);
  const [error, setError] = useState<string | null>(null);
  const current = cash.data?.current ?? null;

  const countValues = Object.fromEntries(
    Object.entries(counts)
      .map(([d, n]) => [d, Number(n || '0')] as const)
      .filter(([, n]) => Number.isInteger(n) && n > 0),
  );
  const counted = countTotal(countValues);

  async function run(work: () => Promise<unknown>) {
    setError(null);
    try {
      await work();
      cash.reload();
      closings.reload();
    } catch (failure) {
      setError(describeError(failure, t));
    }
  }

  return (
    <div className="screen cash-screen">
      <h1>{t('till.cash.title')}</h1>
      <ErrorAlert message={error ?? (cash.error ? describeError(cash.error, t) : null)} />
      {z ? (
        <section className="z-section">
          <ZReportView z={z} />
          <button type="button" onClick={() => printDocument(<ZReportView z={z} />)}>
            {t('till.cash.printZ')}
          </button>
        </section>
      ) : null}
      {!current && !cash.loading ? (
        <form
          className="inline-form"
          onSubmit={(event) => {
            event.preventDefault();
            const cents = parseAmount(float || '0');
            if (cents === null) return setError(t('errors.badValue', { value: float }));
            void run(async () => {
              await api.invoke('cash:open', { float: cents });
              setFloat('');
              setZ(null);
            });
          }}
        >
          <p>{t('till.cash.closed')}</p>
          <label className="field inline">
            <span>{t('till.cash.float')}</span>
            <input inputMode="decimal" value={float} onChange={(event) => setFloat(event.target.value)} />
          </label>
          <button type="submit" className="primary">
            {t('till.cash.open')}
          </button>
        </form>
      ) : null}
      {current ? (
        <>
          <dl className="cash-figures" data-testid="cash-figures">
            <dt>{t('till.cash.float')}</dt>
            <dd>{money(current.report.float)}</dd>
            <dt>{t('till.cash.cashSales')}</dt>
            <dd>{money(current.report.sales.cash)}</dd>
            <dt>{t('till.cash.cardSales')}</dt>
            <dd>{money(current.report.sales.card)}</dd>
            <dt>{t('till.cash.otherSales')}</dt>
            <dd>{money(current.report.sales.other)}</dd>
            <dt>{t('till.cash.cashRefunds')}</dt>
            <dd>{money(current.report.refunds.cash)}</dd>
            <dt>{t('till.cash.cashIn')}</dt>
            <dd>{money(current.report.cashIn)}</dd>
            <dt>{t('till.cash.cashOut')}</dt>
            <dd>{money(current.report.cashOut)}</dd>
            <dt>{t('till.cash.expected')}</dt>
            <dd data-testid="cash-expected">{money(current.report.expected)}</dd>
          </dl>
          <form
            className="inline-form"
            onSubmit={(event) => {
              event.preventDefault();
              const cents = parseAmount(moveAmount);
              if (!cents) return setError(t('errors.badValue', { value: moveAmount }));
              void run(async () => {
                await api.invoke('cash:move', { kind: moveKind, amount: cents, reason: moveReason.trim() });
                setMoveAmount('');
                setMoveReason('');
              });
            }}
          >
            <select
              aria-label={t('till.cash.move')}
              value={moveKind}
              onChange={(event) => setMoveKind(event.target.value as 'in' | 'out')}
            >
              <option value="in">{t('till.cash.moveIn')}</option>
              <option value="out">{t('till.cash.moveOut')}</option>
            </select>
            <label className="field inline">
              <span>{t('till.cash.moveAmount')}</span>
              <input inputMode="decimal" value={moveAmount} onChange={(event) => setMoveAmount(event.target.value)} />
            </label>
            <label className="field inline">
              <span>{t('till.cash.moveReason')}</span>
              <input value={moveReason} onChange={(event) => setMoveReason(event.target.value)} required />
            </label>
            <button type="submit">{t('till.cash.move')}</button>
          </form>
          <h2>{t('till.cash.count')}</h2>
          <div className="denominations">
            {DENOMINATIONS.map((d) => (
              <label key={d} className="field inline">
                <span>{money(d)}</span>
                <input
                  className="qty"
                  inputMode="numeric"
                  aria-label={`${t('till.cash.count')} ${money(d)}`}
                  value={counts[d] ?? ''}
                  onChange={(event) => setCounts((all) => ({ ...all, [d]: event.target.value }))}
                />
              </label>
            ))}
          </div>
          <dl className="cash-figures">
            <dt>{t('till.cash.counted')}</dt>
            <dd data-testid="cash-counted">{money(counted)}</dd>
            <dt>{t('till.cash.difference')}</dt>
            <dd data-testid="cash-difference">{money(counted - current.report.expected)}</dd>
          </dl>
          <button type="button" className="primary" onClick={() => setConfirming(true)}>
            {t('till.cash.close')}
          </button>
          {confirming ? (
            <ConfirmDialog
              title={t('till.cash.close')}
              body={t('till.cash.closeConfirm', { counted: money(counted) })}
              confirmLabel={t('till.cash.close')}
              cancelLabel={t('table.cancel')}
              onCancel={() => setConfirming(false)}
              onConfirm={() => {
                setConfirming(false);
                void run(async () => {
                  const report = await api.invoke('cash:close', { counts: countValues });
                  setCounts({});
                  setZ(report);
                });
              }}
            />
          ) : null}
        </>
      ) : null}
      <h2>{t('till.cash.closings')}</h2>
      {(closings.data?.closings ?? []).length === 0 ? <p className="empty">{t('till.cash.none')}</p> : null}
      <ul className="closings">
        {(closings.data?.closings ?? []).map((closing) => (
          <li key={closing.id}>
            <button
              type="button"
              className="link"
              onClick={() =>
                void run(async () => setZ(await api.invoke('cash:report', { sessionId: closing.sessionId })))
              }
            >
              {new Date(closing.createdAt).toLocaleString(i18n.language)} · {t('till.cash.difference')}{' '}
              {money(closing.difference)}
            </button>
          </li>
        ))}
      </ul>
    </div>
  );
}
