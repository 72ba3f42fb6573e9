import type { TaxLine, Ticket, ZReport } from '@mostrador/common';
import { useTranslation } from 'react-i18next';
import { formatMoney } from '../format.js';
import { showQuantity } from './logic.js';

const percent = (basisPoints: number) => String(basisPoints / 100).replace('.', ',');

/** Base and tax per rate, as a ticket and a Z report print them. */
function TaxTable({ taxes, money }: { taxes: TaxLine[]; money: (cents: number) => string }) {
  const { t } = useTranslation();
  return (
    <table className="taxes">
      <tbody>
        {taxes.map((tax) => (
          <tr key={tax.rate}>
            <td>{t('till.tax', { rate: percent(tax.rate) })}</td>
            <td className="num">
              {t('till.taxBase')} {money(tax.base)}
            </td>
            <td className="num">{money(tax.tax)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

/** A ticket as printed: shop, number, lines, taxes per rate, payment and change. */
export function TicketView({ ticket }: { ticket: Ticket }) {
  const { t, i18n } = useTranslation();
  const money = (cents: number) => formatMoney(cents, i18n.language);
  const isReturn = ticket.kind === 'return';
  return (
    <article className="ticket-doc" data-testid="ticket-doc">
      <header>
        {ticket.shop.name ? <h2>{ticket.shop.name}</h2> : null}
        {ticket.shop.taxId ? <p>{ticket.shop.taxId}</p> : null}
        {ticket.shop.address ? <p>{ticket.shop.address}</p> : null}
        <p>{isReturn ? t('till.ticket.returnTitle') : t('till.ticket.simplified')}</p>
        <p>{t('till.ticket.number', { number: ticket.number })}</p>
        {ticket.originalNumber ? <p>{t('till.ticket.returnOf', { number: ticket.originalNumber })}</p> : null}
        <p>{new Date(ticket.date).toLocaleString(i18n.language)}</p>
        <p>{t('till.ticket.station', { station: ticket.station })}</p>
        <p>{t('till.ticket.cashier', { name: ticket.cashier })}</p>
        {ticket.approvedBy ? <p>{t('till.ticket.approvedBy', { name: ticket.approvedBy })}</p> : null}
        {ticket.status === 'voided' ? (
          <p className="voided">{t('till.ticket.voided', { reason: ticket.voidReason ?? '' })}</p>
        ) : null}
      </header>
      <table>
        <tbody>
          {ticket.lines.map((line, index) => (
            // biome-ignore lint/suspicious/noArrayIndexKey: ticket lines have no other identity and never reorder
            <tr key={index}>
              <td>
                {line.name}
                <br />
                <small>
                  {showQuantity(line.quantity, line.weighed, i18n.language)}
                  {line.weighed ? ' kg' : ''} × {money(line.unitPrice)}
                  {line.weighed ? t('till.perKg') : ''}
                  {line.discount > 0 ? ` − ${money(line.discount)}` : ''}
                </small>
              </td>
              <td className="num">{money(isReturn ? -line.total : line.total)}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <dl className="totals">
        {ticket.discount > 0 ? (
          <>
            <dt>{t('till.subtotal')}</dt>
            <dd>{money(ticket.subtotal)}</dd>
            <dt>{t('till.discounts')}</dt>
            <dd>−{money(ticket.discount)}</dd>
          </>
        ) : null}
        <dt className="grand">{t('counter.total')}</dt>
        <dd className="grand" data-testid="ticket-doc-total">
          {money(isReturn ? -ticket.total : ticket.total)}
        </dd>
      </dl>
      <TaxTable taxes={ticket.taxes} money={money} />
      <dl className="totals">
        {ticket.payments.map((payment, index) => (
          // biome-ignore lint/suspicious/noArrayIndexKey: payments keep their order
          <div key={index} className="row">
            <dt>
              {isReturn
                ? `${t('till.ticket.refund')} · ${t(`payment.${payment.method}`)}`
                : t(`payment.${payment.method}`)}
            </dt>
            <dd>{money(payment.amount)}</dd>
            {payment.tendered !== null && payment.tendered !== payment.amount ? (
              <>
                <dt>{t('till.ticket.tendered')}</dt>
                <dd>{money(payment.tendered)}</dd>
              </>
            ) : null}
          </div>
        ))}
        {ticket.change > 0 ? (
          <>
            <dt>{t('till.change')}</dt>
            <dd>{money(ticket.change)}</dd>
          </>
        ) : null}
      </dl>
      <footer>
        <p>{ticket.shop.footer || t('till.ticket.thanks')}</p>
      </footer>
    </article>
  );
}

/** The closing (Z) report: sales by method and rate, returns, voids, discounts, first and last tickets, the count. */
export function ZReportView({ z }: { z: ZReport }) {
  const { t, i18n } = useTranslation();
  const money = (cents: number) => formatMoney(cents, i18n.language);
  const r = z.report;
  return (
    <article className="ticket-doc" data-testid="z-report">
      <header>
        {z.shop.name ? <h2>{z.shop.name}</h2> : null}
        {z.shop.taxId ? <p>{z.shop.taxId}</p> : null}
        <h3>{t('till.cash.z')}</h3>
        <p>{t('till.ticket.station', { station: z.station })}</p>
        <p>{t('till.cash.opened', { name: z.openedBy, when: new Date(r.openedAt).toLocaleString(i18n.language) })}</p>
        {z.closedAt ? (
          <p>
            {new Date(z.closedAt).toLocaleString(i18n.language)} · {z.closedBy}
          </p>
        ) : null}
        {r.firstNumber ? <p>{t('till.cash.firstLast', { first: r.firstNumber, last: r.lastNumber })}</p> : null}
      </header>
      <dl className="totals">
        <dt>{t('till.cash.salesCount')}</dt>
        <dd>
          {r.salesCount} · {money(r.salesTotal)}
        </dd>
        <dt>{t('till.cash.returns')}</dt>
        <dd>
          {r.returnsCount} · {money(r.returnsTotal)}
        </dd>
        <dt>{t('till.cash.voids')}</dt>
        <dd>
          {r.voidsCount} · {money(r.voidsTotal)}
        </dd>
        <dt>{t('till.discounts')}</dt>
        <dd>{money(r.discounts)}</dd>
      </dl>
      <h4>{t('till.cash.byMethod')}</h4>
      <dl className="totals">
        {(['cash', 'card', 'other'] as const).map((method) => (
          <div key={method} className="row">
            <dt>{t(`payment.${method}`)}</dt>
            <dd>
              {money(r.sales[method])}
              {r.refunds[method] ? ` (−${money(r.refunds[method])})` : ''}
            </dd>
          </div>
        ))}
      </dl>
      <h4>{t('till.cash.byRate')}</h4>
      <TaxTable taxes={r.taxes} money={money} />
      <dl className="totals">
        <dt>{t('till.cash.float')}</dt>
        <dd>{money(r.float)}</dd>
        <dt>{t('till.cash.cashIn')}</dt>
        <dd>{money(r.cashIn)}</dd>
        <dt>{t('till.cash.cashOut')}</dt>
        <dd>{money(r.cashOut)}</dd>
        <dt>{t('till.cash.expected')}</dt>
        <dd data-testid="z-expected">{money(r.expected)}</dd>
        {z.counted !== null ? (
          <>
            <dt>{t('till.cash.counted')}</dt>
            <dd>{money(z.counted)}</dd>
            <dt className="grand">{t('till.cash.difference')}</dt>
            <dd className="grand" data-testid="z-difference">
              {money(z.difference ?? 0)}
            </dd>
          </>
        ) : null}
      </dl>
    </article>
  );
}
