import { parsePercent } from '@mostrador/common/money';
import { type FormEvent, useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { CounterSettings } from '../../shared/channels.js';
import { api } from '../api/index.js';
import { ErrorAlert } from '../components/ErrorAlert.js';
import { type PaperWidth, paperWidth, printerSettings, setPaperWidth, setPrinterSettings } from '../counter/print.js';
import { describeError } from '../errors.js';
import { useChannel } from '../hooks.js';

const pct = (points: number) => String(points / 100).replace('.', ',');

/** The shop's details for tickets, IVA rates, the cashier's discount limit and the selling rules (admin). */
export function ShopSettingsScreen() {
  const { t } = useTranslation();
  const loaded = useChannel('settings:get', {});
  const [form, setForm] = useState<Record<string, string | boolean>>({});
  const [paper, setPaper] = useState<PaperWidth>(paperWidth);
  const [printer, setPrinter] = useState(printerSettings);
  const [notice, setNotice] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    const s: CounterSettings | null = loaded.data;
    if (!s) return;
    setForm({
      shopName: s.shopName,
      taxId: s.taxId,
      address: s.address,
      receiptFooter: s.receiptFooter,
      rateGeneral: pct(s.taxRates.general),
      rateReduced: pct(s.taxRates.reduced),
      rateSuperReduced: pct(s.taxRates.superReduced),
      cashierDiscountLimit: pct(s.cashierDiscountLimit),
      stockPolicy: s.stockPolicy,
      requireSession: s.requireSession,
      ticketCode: s.ticketCode,
    });
  }, [loaded.data]);

  const text = (name: string) => String(form[name] ?? '');
  const field = (name: string, label: string) => (
    <label className="field">
      <span>{label}</span>
      <input value={text(name)} onChange={(event) => setForm((f) => ({ ...f, [name]: event.target.value }))} />
    </label>
  );

  async function save(event: FormEvent) {
    event.preventDefault();
    setError(null);
    setNotice(null);
    const rates = ['rateGeneral', 'rateReduced', 'rateSuperReduced', 'cashierDiscountLimit'].map((n) =>
      parsePercent(text(n)),
    );
    if (rates.some((r) => r === null)) return setError(t('errors.VALIDATION'));
    const [general, reduced, superReduced, limit] = rates as number[];
    try {
      await api.invoke('settings:save', {
        shopName: text('shopName'),
        taxId: text('taxId'),
        address: text('address'),
        receiptFooter: text('receiptFooter'),
        taxRates: { general: general as number, reduced: reduced as number, superReduced: superReduced as number },
        cashierDiscountLimit: limit as number,
        stockPolicy: form.stockPolicy === 'forbid' ? 'forbid' : 'warn',
        requireSession: form.requireSession === true,
        ...(text('ticketCode') ? { ticketCode: text('ticketCode').toUpperCase() } : {}),
      });
      setPaperWidth(paper);
      setPrinterSettings(printer);
      setNotice(t('till.settings.saved'));
      loaded.reload();
    } catch (failure) {
      setError(describeError(failure, t));
    }
  }

  return (
    <form className="screen settings-screen" onSubmit={(event) => void save(event)}>
      <h1>{t('till.settings.title')}</h1>
      {field('shopName', t('till.settings.shopName'))}
      {field('taxId', t('till.settings.taxId'))}
      {field('address', t('till.settings.address'))}
      {field('receiptFooter', t('till.settings.footer'))}
      {field('rateGeneral', t('till.settings.rateGeneral'))}
      {field('rateReduced', t('till.settings.rateReduced'))}
      {field('rateSuperReduced', t('till.settings.rateSuperReduced'))}
      {field('cashierDiscountLimit', t('till.settings.cashierLimit'))}
      <label className="field">
        <span>{t('till.settings.stockPolicy')}</span>
        <select
          value={text('stockPolicy')}
          onChange={(event) => setForm((f) => ({ ...f, stockPolicy: event.target.value }))}
        >
          <option value="warn">{t('till.settings.warn')}</option>
          <option value="forbid">{t('till.settings.forbid')}</option>
        </select>
      </label>
      <label className="choice">
        <input
          type="checkbox"
          checked={form.requireSession === true}
          onChange={(event) => setForm((f) => ({ ...f, requireSession: event.target.checked }))}
        />
        {t('till.settings.requireSession')}
      </label>
      {field('ticketCode', t('till.settings.ticketCode'))}
      <label className="field">
        <span>{t('till.settings.paper')}</span>
        <select value={paper} onChange={(event) => setPaper(Number(event.target.value) as PaperWidth)}>
          <option value={80}>80 mm</option>
          <option value={58}>58 mm</option>
        </select>
      </label>
      <label className="field">
        <span>{t('till.settings.printer')}</span>
        <input
          value={printer.deviceName}
          onChange={(event) => setPrinter((p) => ({ ...p, deviceName: event.target.value }))}
        />
      </label>
      <label className="choice">
        <input
          type="checkbox"
          checked={printer.silent}
          onChange={(event) => setPrinter((p) => ({ ...p, silent: event.target.checked }))}
        />
        {t('till.settings.silent')}
      </label>
      {notice ? (
        <p className="alert ok" role="status">
          {notice}
        </p>
      ) : null}
      <ErrorAlert message={error} />
      <button type="submit" className="primary">
        {t('till.settings.save')}
      </button>
    </form>
  );
}
