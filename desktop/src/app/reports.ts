/** The `reports:run` channel over the station's reports (issue 13). */
import type { Station } from '../core/index.js';
import type { ChannelRequest, ReportResult } from '../shared/channels.js';

export function runReport(station: Station, request: ChannelRequest<'reports:run'>): ReportResult {
  const range = { from: request.from, to: request.to };
  const reports = station.reports;
  switch (request.report) {
    case 'day':
    case 'week':
    case 'month':
      return { report: request.report, rows: reports.salesByPeriod(range, request.report) };
    case 'hour':
      return { report: 'hour', rows: reports.salesByHour(range) };
    case 'cashier':
      return { report: 'cashier', rows: reports.byCashier(range) };
    case 'station':
      return { report: 'station', rows: reports.byStation(range) };
    case 'payment':
      return { report: 'payment', rows: reports.byPayment(range) };
    case 'product':
      return { report: 'product', rows: reports.byProduct(range, { limit: request.limit ?? 100 }) };
    case 'category':
      return { report: 'category', rows: reports.byCategory(range) };
    case 'taxes':
      return { report: 'taxes', rows: reports.taxes(range) };
    case 'cash':
      return { report: 'cash', rows: reports.cashSessions(range) };
  }
}
