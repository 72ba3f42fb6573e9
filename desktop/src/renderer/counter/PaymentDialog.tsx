// The money module alone: the package's index also builds schema checkers, which the renderer's CSP forbids (eval).
import { type PaymentInput, type PaymentMethodName, parseAmount } from '@mostrador/common/money';
import { type FormEvent, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { ErrorAlert } from '../components/ErrorAlert.js';
import { formatMoney } from '../format.js';
import { useModalOpen } from '../hooks.js';

export interface Approval {
  username: string;
  password: string;
}

interface Part {
  method: PaymentMethodName;
  amount: string;
}

interface PaymentDialogProps {
  total: number;
  /** The cashier's discount limit in basis points, when the ticket goes beyond it. */
  approvalLimit: number | null;
  error: string | null;
  busy: boolean;
  onPay: (payments: PaymentInput[], approval: Approval | null) => void;
  onCancel: () => void;
}

const METHODS: PaymentMethodName[] = ['cash', 'card', 'other'];

/**
 * Taking payment: one method (cash with the amount tendered and the change), or split among
 * several. Opens fresh for every sale, on cash, so a method never carries over. Enter pays.
 */
export function PaymentDialog({ total, approvalLimit, error, busy, onPay, onCancel }: PaymentDialogProps) {
  const { t, i18n } = useTranslation();
  const money = (cents: number) => formatMoney(cents, i18n.language);
  const dialog = useRef<HTMLDialogElement>(null);
  const first = useRef<HTMLInputElement>(null);
  const [method, setMethod] = useState<PaymentMethodName>('cash');
  const [tendered, setTendered] = useState('');
  const [split, setSplit] = useState(false);
  const [parts, setParts] = useState<Part[]>([
    { method: 'card', amount: '' },
    { method: 'cash', amount: '' },
  ]);
  const [approver, setApprover] = useState('');
  const [approverPassword, setApproverPassword] = useState('');
  useModalOpen(dialog, first);

  const payments: PaymentInput[] | null = (() => {
    if (!split) {
      if (method !== 'cash' || tendered.trim() === '') return [{ method, amount: total }];
      const cents = parseAmount(tendered);
      return cents === null ? null : [{ method, amount: cents }];
    }
    const read = parts.map((part) => ({ method: part.method, amount: parseAmount(part.amount || '0') }));
    if (read.some((part) => part.amount === null)) return null;
    return (read as PaymentInput[]).filter((part) => part.amount > 0);
  })();
  const paid = (payments ?? []).reduce((sum, p) => sum + p.amount, 0);
  const change = Math.max(0, paid - total);
  const short = payments === null || paid < total;

  function submit(event: FormEvent) {
    event.preventDefault();
    if (busy || !payments || short) return;
    if (approvalLimit !== null && (!approver.trim() || !approverPassword)) return;
    onPay(payments, approvalLimit !== null ? { username: approver.trim(), password: approverPassword } : null);
  }

  return (
    <dialog ref={dialog} className="dialog wide payment-dialog" aria-labelledby="pay-title" onCancel={onCancel}>
      <form onSubmit={submit}>
        <h2 id="pay-title">{t('till.pay.title')}</h2>
        <p className="pay-total">
          <span>{t('till.pay.toPay')}</span>
          <strong data-testid="pay-total">{money(total)}</strong>
        </p>
        <label className="choice">
          <input type="checkbox" checked={split} onChange={(event) => setSplit(event.target.checked)} />
          {t('till.pay.split')}
        </label>
        {!split ? (
          <>
            <fieldset className="payment">
              <legend>{t('till.pay.method')}</legend>
              {METHODS.map((name) => (
                <label key={name} className={method === name ? 'choice active' : 'choice'}>
                  <input
                    type="radio"
                    name="pay-method"
                    value={name}
                    checked={method === name}
                    onChange={() => setMethod(name)}
                  />
                  {t(`payment.${name}`)}
                </label>
              ))}
            </fieldset>
            {method === 'cash' ? (
              <label className="field">
                <span>{t('till.pay.tendered')}</span>
                <input
                  ref={first}
                  className="big-input"
                  inputMode="decimal"
                  placeholder={t('till.pay.tenderedHint')}
                  value={tendered}
                  onChange={(event) => setTendered(event.target.value)}
                />
              </label>
            ) : null}
          </>
        ) : (
          <div className="split-parts">
            {parts.map((part, index) => (
              // biome-ignore lint/suspicious/noArrayIndexKey: parts are edited in place and never reordered
              <div key={index} className="split-part">
                <select
                  aria-label={`${t('till.pay.method')} ${index + 1}`}
                  value={part.method}
                  onChange={(event) =>
                    setParts((all) =>
                      all.map((p, i) => (i === index ? { ...p, method: event.target.value as PaymentMethodName } : p)),
                    )
                  }
                >
                  {METHODS.map((name) => (
                    <option key={name} value={name}>
                      {t(`payment.${name}`)}
                    </option>
                  ))}
                </select>
                <input
                  aria-label={`${t('till.pay.amount')} ${index + 1}`}
                  inputMode="decimal"
                  value={part.amount}
                  onChange={(event) =>
                    setParts((all) => all.map((p, i) => (i === index ? { ...p, amount: event.target.value } : p)))
                  }
                />
              </div>
            ))}
            <button
              type="button"
              className="link"
              onClick={() => setParts((all) => [...all, { method: 'cash', amount: '' }])}
            >
              {t('till.pay.addPart')}
            </button>
            {paid < total ? (
              <p>
                {t('till.pay.remaining')}: <strong data-testid="pay-remaining">{money(total - paid)}</strong>
              </p>
            ) : null}
          </div>
        )}
        <p className="pay-change">
          <span>{t('till.change')}</span>
          <strong data-testid="pay-change">{money(change)}</strong>
        </p>
        {approvalLimit !== null ? (
          <fieldset className="approval">
            <legend>{t('till.pay.approvalTitle', { limit: approvalLimit / 100 })}</legend>
            <p>{t('till.pay.approvalBody')}</p>
            <label className="field">
              <span>{t('till.pay.approver')}</span>
              <input value={approver} onChange={(event) => setApprover(event.target.value)} autoComplete="off" />
            </label>
            <label className="field">
              <span>{t('till.pay.approverPassword')}</span>
              <input
                type="password"
                value={approverPassword}
                onChange={(event) => setApproverPassword(event.target.value)}
                autoComplete="off"
              />
            </label>
          </fieldset>
        ) : null}
        {short && payments !== null && tendered.trim() !== '' ? (
          <p className="alert error">{t('till.pay.short')}</p>
        ) : null}
        <ErrorAlert message={error} />
        <div className="actions">
          <button type="button" onClick={onCancel}>
            {t('till.pay.cancel')}
          </button>
          <button type="submit" className="primary big" disabled={busy || short}>
            {t('till.pay.confirm')}
          </button>
        </div>
      </form>
    </dialog>
  );
}
