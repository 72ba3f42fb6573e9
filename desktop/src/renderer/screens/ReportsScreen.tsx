import type { TFunction } from 'i18next';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { REPORT_NAMES, type ReportName, type ReportResult } from '../../shared/channels.js';
import { formatCsv } from '../../shared/csv.js';
import { ErrorAlert } from '../components/ErrorAlert.js';
import { describeError } from '../errors.js';
import { formatMoney } from '../format.js';
import { useChannel, useEvent } from '../hooks.js';

type Kind = 'text' | 'money' | 'count' | 'rate' | 'time';
interface Column {
  key: string;
  label: string;
  kind: Kind;
}
type Row = Record<string, string | number | null>;

/** Each report's rows are unique by one of these. */
function rowKey(row: Row): string {
  return String(row.sessionId ?? row.productId ?? row.key ?? row.period ?? row.category ?? row.rate ?? '');
}

export function localDay(date: Date): string {
  return `${date.getFullYear()}-${String(date.getMonth() + 1).padStart(2, '0')}-${String(date.getDate()).padStart(2, '0')}`;
}

/** The report's rows as a table: columns, rows, the value the chart draws and the totals. */
function tableOf(result: ReportResult, t: TFunction): { columns: Column[]; rows: Row[]; chartKey: string | null } {
  const col = (key: string, kind: Kind, label = t(`reports.columns.${key}`)): Column => ({ key, kind, label });
  switch (result.report) {
    case 'day':
    case 'week':
    case 'month':
      return {
        columns: [
          col('period', 'text'),
          col('sales', 'count'),
          col('total', 'money'),
          col('voided', 'count'),
          col('voidedTotal', 'money'),
        ],
        rows: result.rows as unknown as Row[],
        chartKey: 'total',
      };
    case 'hour':
    case 'cashier':
    case 'station':
      return {
        columns: [
          col('label', 'text', t(`reports.columns.${result.report}`)),
          col('sales', 'count'),
          col('total', 'money'),
        ],
        rows: result.rows as unknown as Row[],
        chartKey: 'total',
      };
    case 'payment':
      return {
        columns: [col('label', 'text', t('reports.columns.payment')), col('sales', 'count'), col('total', 'money')],
        rows: result.rows.map((row) => ({ ...row, label: t(`payment.${row.key}`, { defaultValue: row.key }) })),
        chartKey: 'total',
      };
    case 'product':
      return {
        columns: [
          col('sku', 'text'),
          col('name', 'text'),
          col('category', 'text'),
          col('quantity', 'count'),
          col('amount', 'money'),
          col('cost', 'money'),
          col('margin', 'money'),
        ],
        rows: result.rows as unknown as Row[],
        chartKey: 'amount',
      };
    case 'category':
      return {
        columns: [col('category', 'text'), col('quantity', 'count'), col('amount', 'money'), col('margin', 'money')],
        rows: result.rows.map((row) => ({ ...row, category: row.category ?? t('reports.noCategory') })),
        chartKey: 'amount',
      };
    case 'cash':
      return {
        columns: [
          col('openedAt', 'time'),
          col('station', 'text'),
          col('openedBy', 'text'),
          col('closedAt', 'time'),
          col('closedBy', 'text'),
          col('float', 'money'),
          col('expected', 'money'),
          col('counted', 'money'),
          col('difference', 'money'),
        ],
        rows: result.rows.map(({ here, stationCode, stationId, ...row }) => ({
          ...row,
          station: here
            ? t('stock.thisStation')
            : (stationCode ?? t('stock.otherStation', { id: stationId.slice(0, 8) })),
          closedAt: row.closedAt ?? t('reports.stillOpen'),
        })),
        chartKey: null,
      };
    case 'taxes':
      return {
        columns: [
          col('rate', 'rate'),
          col('lines', 'count'),
          col('base', 'money'),
          col('tax', 'money'),
          col('gross', 'money'),
        ],
        rows: result.rows as unknown as Row[],
        chartKey: null,
      };
  }
}

/** Figures line up on the right; words and times read from the left. */
function alignOf(kind: Kind): string | undefined {
  return kind === 'text' || kind === 'time' ? undefined : 'num';
}

function cellText(value: unknown, kind: Kind, language: string, t: TFunction): string {
  if (value === null || value === undefined) return kind === 'rate' ? t('reports.noRate') : '—';
  if (kind === 'money') return formatMoney(Number(value), language);
  if (kind === 'rate') return `${(Number(value) / 100).toLocaleString(language)} %`;
  if (kind === 'count') return Number(value).toLocaleString(language);
  if (kind === 'time' && !Number.isNaN(Date.parse(String(value)))) {
    return new Date(String(value)).toLocaleString(language, { dateStyle: 'short', timeStyle: 'short' });
  }
  return String(value);
}

/** Plain SVG bars, one per row (up to 60), scaled to the largest. */
export function BarChart({
  rows,
  labelKey,
  valueKey,
  language,
}: {
  rows: Row[];
  labelKey: string;
  valueKey: string;
  language: string;
}) {
  const shown = rows.slice(0, 60);
  const max = Math.max(1, ...shown.map((row) => Number(row[valueKey] ?? 0)));
  const width = 720;
  const height = 180;
  const barWidth = Math.min(width / Math.max(shown.length, 1), 48);
  return (
    <svg
      className="chart"
      viewBox={`0 0 ${width} ${height + 20}`}
      role="img"
      aria-label={valueKey}
      data-testid="report-chart"
    >
      {shown.map((row, index) => {
        const value = Number(row[valueKey] ?? 0);
        const barHeight = Math.max(0, (value / max) * height);
        return (
          <g key={rowKey(row)}>
            <rect
              x={index * barWidth + 2}
              y={height - barHeight}
              width={Math.max(barWidth - 4, 1)}
              height={barHeight}
              className="bar"
            >
              <title>{`${String(row[labelKey])}: ${formatMoney(value, language)}`}</title>
            </rect>
            {shown.length <= 31 ? (
              <text x={index * barWidth + barWidth / 2} y={height + 14} textAnchor="middle" className="bar-label">
                {String(row[labelKey]).slice(-5)}
              </text>
            ) : null}
          </g>
        );
      })}
    </svg>
  );
}

function download(name: string, text: string) {
  const url = URL.createObjectURL(new Blob([text], { type: 'text/csv;charset=utf-8' }));
  const link = document.createElement('a');
  link.href = url;
  link.download = name;
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}

/** Tables whose rows the reports read: a change to any of them runs the report again. */
const RELOADS_ON = ['sales', 'sale_items', 'cash_sessions', 'cash_movements', 'cash_closings'] as const;

/** Reports computed by the station from its own data: instant and offline. */
export function ReportsScreen() {
  const { t, i18n } = useTranslation();
  const today = new Date();
  const [report, setReport] = useState<ReportName>('day');
  const [from, setFrom] = useState(localDay(new Date(today.getFullYear(), today.getMonth(), 1)));
  const [to, setTo] = useState(localDay(today));
  const valid = /^\d{4}-\d{2}-\d{2}$/.test(from) && /^\d{4}-\d{2}-\d{2}$/.test(to) && from <= to;
  const query = useChannel('reports:run', { report, from, to }, valid ? `${report}|${from}|${to}` : 'invalid');
  useEvent('data:changed', ({ tables }) => {
    if (RELOADS_ON.some((table) => tables.includes(table))) query.reload();
  });
  const result = valid && query.data?.report === report ? query.data : null;
  const table = result ? tableOf(result, t) : null;
  const totals: Row = {};
  if (table) {
    for (const column of table.columns) {
      if (column.kind === 'money' || column.kind === 'count') {
        totals[column.key] = table.rows.reduce((sum, row) => sum + Number(row[column.key] ?? 0), 0);
      }
    }
  }

  function exportCsv() {
    if (!table) return;
    const text = formatCsv(
      table.columns.map((c) => c.label),
      table.rows.map((row) =>
        table.columns.map((c) =>
          c.kind === 'money' && row[c.key] !== null ? (Number(row[c.key]) / 100).toFixed(2) : row[c.key],
        ),
      ),
    );
    download(`${t(`reports.names.${report}`)}-${from}-${to}.csv`, text);
  }

  const labelKey = table?.columns[0]?.key ?? 'period';
  return (
    <div className="table-screen reports">
      <header className="section-header">
        <h1>{t('reports.title')}</h1>
        <div className="report-controls">
          <label>
            {t('reports.report')}{' '}
            <select
              value={report}
              onChange={(e) => setReport(e.target.value as ReportName)}
              data-testid="report-select"
            >
              {REPORT_NAMES.map((name) => (
                <option key={name} value={name}>
                  {t(`reports.names.${name}`)}
                </option>
              ))}
            </select>
          </label>
          <label>
            {t('reports.from')} <input type="date" value={from} onChange={(e) => setFrom(e.target.value)} />
          </label>
          <label>
            {t('reports.to')} <input type="date" value={to} onChange={(e) => setTo(e.target.value)} />
          </label>
          <button type="button" onClick={exportCsv} disabled={!table}>
            {t('reports.exportCsv')}
          </button>
          <button type="button" onClick={() => window.print()} disabled={!table}>
            {t('reports.print')}
          </button>
        </div>
      </header>
      <p className="print-only">
        {t(`reports.names.${report}`)} · {from} – {to}
      </p>
      {!valid ? <p className="alert warning">{t('reports.badPeriod')}</p> : null}
      <ErrorAlert message={query.error && valid ? describeError(query.error, t) : null} />
      {table && table.rows.length === 0 ? (
        <p className="empty">{t(report === 'cash' ? 'reports.emptyCash' : 'reports.empty')}</p>
      ) : null}
      {table && table.rows.length > 0 ? (
        <>
          {table.chartKey ? (
            <BarChart rows={table.rows} labelKey={labelKey} valueKey={table.chartKey} language={i18n.language} />
          ) : null}
          <table className="grid" data-testid="report-table">
            <thead>
              <tr>
                {table.columns.map((column) => (
                  <th key={column.key} className={alignOf(column.kind)}>
                    {column.label}
                  </th>
                ))}
              </tr>
            </thead>
            <tbody>
              {table.rows.map((row) => (
                <tr key={rowKey(row)}>
                  {table.columns.map((column) => (
                    <td key={column.key} className={alignOf(column.kind)}>
                      {cellText(row[column.key], column.kind, i18n.language, t)}
                    </td>
                  ))}
                </tr>
              ))}
            </tbody>
            {report !== 'product' ? (
              <tfoot>
                <tr data-testid="report-totals">
                  {table.columns.map((column, index) => (
                    <td key={column.key} className={alignOf(column.kind)}>
                      {index === 0
                        ? t('reports.total')
                        : column.key in totals
                          ? cellText(totals[column.key], column.kind, i18n.language, t)
                          : ''}
                    </td>
                  ))}
                </tr>
              </tfoot>
            ) : null}
          </table>
        </>
      ) : null}
    </div>
  );
}
