/**
 * Issue 10: the counter's channels over the station core (sales, returns, voids, tickets,
 * cash sessions, shop settings). Like every handler, each one sets the acting user right
 * before the synchronous write it guards.
 */
import { type AnyRow, MostradorError, type Row, type SessionUser } from '@mostrador/common';
import type { Station } from '../core/index.js';
import { ticketCodeOf } from '../core/shop/sales-settings.js';
import type { CashState, CompletedSale, CounterSettings, ProductWithStock, SaleSummary } from '../shared/channels.js';
import type { ChannelHandlers, Session } from '../shared/dispatch.js';
import type { StationHost } from './station-host.js';

type CounterChannels = Pick<
  ChannelHandlers,
  | 'sales:complete'
  | 'counter:code'
  | 'products:get'
  | 'sales:list'
  | 'sales:items'
  | 'sales:void'
  | 'sales:return'
  | 'tickets:get'
  | 'cash:current'
  | 'cash:open'
  | 'cash:move'
  | 'cash:close'
  | 'cash:closings'
  | 'cash:report'
  | 'settings:get'
  | 'settings:save'
  | 'print:receipt'
>;

function requireUser(session: Session): SessionUser {
  if (!session.user) throw new MostradorError('NOT_LOGGED_IN');
  return session.user;
}

export function counterChannels(host: StationHost): CounterChannels {
  const acting = (session: Session): Station => {
    const station = host.requireStation();
    station.actAs(requireUser(session).id);
    return station;
  };
  const withStock = (station: Station, row: AnyRow) =>
    ({ ...row, stock: station.shop.stockOf(row.id) }) as ProductWithStock;
  const cashState = (station: Station) => ({ current: station.shop.currentCash() as CashState | null });
  const settingsOf = (station: Station): CounterSettings => ({
    ...station.shop.settings(),
    ticketCode: ticketCodeOf(station.store),
    stationId: station.store.meta.get('stationId'),
  });

  return {
    'sales:complete': async ({ approval, ...sale }, session) => {
      // A manager approves at the counter with their own password; the cashier stays logged in.
      const approver = approval ? await host.requireStation().shop.approve(approval.username, approval.password) : null;
      const recorded = acting(session).shop.recordSale(sale, { approvedBy: approver?.id ?? null });
      return recorded as unknown as CompletedSale;
    },
    'counter:code': async ({ code }, session) => {
      const station = acting(session);
      const product = station.shop.productByCode(code);
      if (product) return { product: withStock(station, product), inactive: false };
      // Found but not on sale: say so rather than "no product".
      const inactive = station.shop.searchProducts(code, 1).some((p) => p.sku === code || p.barcode === code);
      return { product: null, inactive };
    },
    'products:get': async ({ ids }, session) => {
      const station = acting(session);
      const products = ids.flatMap((id) => {
        const row = station.shop.get('products', id);
        return row ? [withStock(station, row)] : [];
      });
      return { products };
    },
    'sales:list': async (filter, session) => {
      const station = acting(session);
      const names = new Map<string, string>();
      const cashier = (id: string) => {
        if (!names.has(id)) names.set(id, String(station.shop.get('users', id)?.displayName ?? '?'));
        return names.get(id) as string;
      };
      const sales = station.shop
        .listSales(filter)
        .map((sale) => ({ ...sale, cashier: cashier(sale.userId as string) }) as unknown as SaleSummary);
      return { sales };
    },
    'sales:items': async ({ saleId }, session) => ({
      items: acting(session).shop.saleItems(saleId) as never,
    }),
    'sales:void': async ({ saleId, reason }, session) => ({
      sale: acting(session).shop.voidSale(saleId, reason) as unknown as Row<'sales'>,
    }),
    'sales:return': async (request, session) => acting(session).shop.returnItems(request) as unknown as CompletedSale,
    'tickets:get': async ({ saleId }, session) => acting(session).shop.ticket(saleId),
    'cash:current': async (_, session) => cashState(acting(session)),
    'cash:open': async ({ float }, session) => {
      const station = acting(session);
      station.shop.openCash(float);
      return cashState(station);
    },
    'cash:move': async ({ kind, amount, reason }, session) => {
      const station = acting(session);
      station.shop.moveCash(kind, amount, reason);
      return cashState(station);
    },
    'cash:close': async ({ counts }, session) => {
      const station = acting(session);
      const { closing } = station.shop.closeCash(counts);
      return station.shop.zReport(closing.sessionId as string);
    },
    'cash:closings': async (_, session) => ({
      closings: acting(session).shop.recentClosings() as unknown as Row<'cash_closings'>[],
    }),
    'cash:report': async ({ sessionId }, session) => acting(session).shop.zReport(sessionId),
    'settings:get': async (_, session) => {
      const station = acting(session);
      // The counter asks for the settings as it opens: load the search's folded names behind it.
      setImmediate(() => {
        if (station.store.db.open) station.shop.warmSearch();
      });
      return settingsOf(station);
    },
    // Only the Electron main can print a window; it answers this channel itself (main/ipc.ts).
    'print:receipt': async () => ({ printed: false }),
    'settings:save': async ({ ticketCode, ...settings }, session) => {
      const user = requireUser(session);
      if (user.role !== 'admin') throw new MostradorError('FORBIDDEN', 'Only an admin can change the shop settings.');
      const station = acting(session);
      station.shop.saveSettings({
        ...settings,
        taxRates: settings.taxRates ? { ...settings.taxRates, exempt: 0 } : undefined,
      });
      if (ticketCode) station.store.meta.set('ticketCode', ticketCode);
      return settingsOf(station);
    },
  };
}
