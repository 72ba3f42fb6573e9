/**
 * The one contract between the renderer and the station: every channel the renderer may
 * call and every event it may hear. The Electron preload and the browser bridge both
 * implement exactly this map; the renderer imports only its types. Requests are TypeBox
 * schemas because they cross a trust boundary and are checked on arrival; responses come
 * from our own code and are typed only.
 */

import type {
  AnyRow,
  ConflictView,
  Row,
  SessionReport,
  SessionUser,
  ShopSettings,
  StationView,
  TableName,
  Ticket,
  ZReport,
} from '@mostrador/common';
import { type Static, type TSchema, Type } from '@sinclair/typebox';
import type {
  CashSessionReportRow,
  CategoryReportRow,
  PeriodReportRow,
  ProductReportRow,
  SalesReportRow,
  TaxReportRow,
} from './report-types.js';

const Text = (maxLength: number) => Type.String({ minLength: 1, maxLength });
const Table = Type.String({ minLength: 1, maxLength: 64 });
const Id = Type.String({ minLength: 1, maxLength: 64 });
const Empty = Type.Object({}, { additionalProperties: false });

/** Where the station is in its life: nothing yet, enrolling and bootstrapping, or ready for logins. */
export type StationPhase = 'firstRun' | 'enrolling' | 'bootstrapping' | 'ready';

export interface AppState {
  phase: StationPhase;
  station: { id: string; name: string } | null;
  serverUrl: string | null;
  /** Prefilled on the first-run screen when whoever started the station knows the server. */
  suggestedServerUrl: string | null;
  /** Rows pulled so far out of the total, while bootstrapping. */
  bootstrap: { done: number; total: number } | null;
  /** Why the last enrollment or bootstrap failed, for the first-run screen. */
  lastError: { code: string; message: string } | null;
}

export interface SyncStatus {
  online: boolean;
  /** The live channel (WebSocket) is connected, so other stations' changes arrive at once. */
  live: boolean;
  lastSyncAt: string | null;
  /** Local changes waiting to be pushed (rows). */
  pending: number;
  /** The same, as a person counts them (issue 13): sales, and other changes, one per write group. */
  pendingSales: number;
  pendingChanges: number;
  /** Local rows the server refused, kept for a person to look at. */
  refused: number;
  cursor: number;
  head: number;
  /** Why the last sync failed, when it did: e.g. STATION_REVOKED needs a person, SERVER_UNREACHABLE does not. */
  problem: { code: string; message: string } | null;
  /** Last time fully in sync, and whether that is longer ago than expected (issue 9). */
  syncedAt: string | null;
  overdue: boolean;
  /** How far this computer's clock is ahead of the server's, in ms (negative: behind; issue 9). */
  clockAheadMs: number;
}

export interface RefusedRow {
  table: string;
  id: string;
  code: string;
  message: string;
  /** Issue 8: the write group the row belongs to, and what became of it. */
  groupId?: string;
  state?: 'held' | 'rejected' | 'unsigned';
  /** How a person names the record (its name, number or code), when the station has it (issue 13). */
  label?: string | null;
}

/** A user as the renderer sees it: never the password hash. */
export type UserView = Omit<Row<'users'>, 'passwordHash'>;
// price is required in the registry; the registry's Row type currently infers it as optional, so it is pinned here.
export type ProductWithStock = Row<'products'> & { price: number; stock: number };
export type CompletedSale = {
  sale: Row<'sales'>;
  items: Row<'sale_items'>[];
  // issue 10
  payments: Row<'sale_payments'>[];
  beyondStock: { productId: string; name: string; stock: number }[];
};

// issue 13: the back office's shapes.
export const REPORT_NAMES = [
  'day',
  'week',
  'month',
  'hour',
  'product',
  'category',
  'cashier',
  'station',
  'payment',
  'taxes',
  'cash',
] as const;
export type ReportName = (typeof REPORT_NAMES)[number];
export type ReportResult =
  | { report: 'day' | 'week' | 'month'; rows: PeriodReportRow[] }
  | { report: 'hour' | 'cashier' | 'station' | 'payment'; rows: SalesReportRow[] }
  | { report: 'product'; rows: ProductReportRow[] }
  | { report: 'category'; rows: CategoryReportRow[] }
  | { report: 'taxes'; rows: TaxReportRow[] }
  | { report: 'cash'; rows: CashSessionReportRow[] };

const CsvTableName = Type.Union([Type.Literal('products'), Type.Literal('providers'), Type.Literal('customers')]);

export interface LowStockRow {
  id: string;
  sku: string;
  name: string;
  category: string | null;
  providerId: string | null;
  minStock: number;
  stock: number;
}

export interface MovementHistoryRow {
  id: string;
  createdAt: string;
  kind: string;
  quantity: number;
  reason: string | null;
  refId: string | null;
  balance: number;
  userId: string;
  userName: string | null;
  stationId: string;
  here: boolean;
}

export interface CsvPreview {
  table: 'products' | 'providers' | 'customers';
  columns: string[];
  ignoredColumns: string[];
  lines: {
    line: number;
    action: 'create' | 'update' | 'skip';
    values: Record<string, unknown>;
    errors: { field: string; code: string; value?: string }[];
  }[];
  creates: number;
  updates: number;
  errors: number;
}

/** A copy of the station's database written while it runs (issue 13). */
export interface StationBackup {
  file: string;
  bytes: number;
  at: string;
}

export const PaymentMethod = Type.Union([Type.Literal('cash'), Type.Literal('card'), Type.Literal('other')]);

// issue 10: the counter, payments, tickets, sales history, cash sessions and shop settings
const Cents = Type.Integer({ minimum: 0, maximum: 100_000_000 });
const Discount = Type.Union([
  Type.Object(
    { kind: Type.Literal('percent'), value: Type.Integer({ minimum: 0, maximum: 10_000 }) },
    { additionalProperties: false },
  ),
  Type.Object({ kind: Type.Literal('amount'), value: Cents }, { additionalProperties: false }),
]);
const Instant = Type.String({ minLength: 10, maxLength: 40 });

export type { SessionReport, ShopSettings, Ticket, ZReport };
/** A sale or return in the history list. */
export type SaleSummary = Row<'sales'> & { cashier: string };
export type SaleItemView = Row<'sale_items'> & { returned: number };
export interface CashState {
  session: Row<'cash_sessions'>;
  report: SessionReport;
}
export interface CounterSettings extends ShopSettings {
  /** The short code this station's sale numbers start with. */
  ticketCode: string;
  stationId: string | null;
}

/** Every channel: its request schema, whether it may be called before login, and its response type. */
export const CHANNELS = {
  'app:state': { public: true, request: Empty },
  'station:enroll': {
    public: true,
    request: Type.Object(
      {
        serverUrl: Type.String({ minLength: 1, maxLength: 500 }),
        stationName: Text(100),
        username: Text(64),
        password: Text(200),
        /** Issue 8: the highest role whose writes the station may carry (a counter: cashier or manager). */
        ceiling: Type.Optional(Type.Union([Type.Literal('admin'), Type.Literal('manager'), Type.Literal('cashier')])),
      },
      { additionalProperties: false },
    ),
  },
  'session:get': { public: true, request: Empty },
  'session:login': {
    public: true,
    request: Type.Object({ username: Text(64), password: Text(200) }, { additionalProperties: false }),
  },
  'session:logout': { public: true, request: Empty },
  'sync:status': { public: false, request: Empty },
  'sync:refused': { public: false, request: Empty },
  /** Issue 8: forget a write group the server rejected for good (a held or pending one stays). */
  'sync:dismiss': {
    public: false,
    request: Type.Object({ groupId: Type.String({ minLength: 1, maxLength: 64 }) }, { additionalProperties: false }),
  },
  // issue 13: discard a held group (withdrawn on the server, undone here); admins and managers.
  'sync:discard': {
    public: false,
    request: Type.Object({ groupId: Type.String({ minLength: 1, maxLength: 64 }) }, { additionalProperties: false }),
  },
  'sync:now': { public: false, request: Empty },
  'rows:list': {
    public: false,
    request: Type.Object(
      {
        table: Table,
        search: Type.Optional(Type.String({ maxLength: 200 })),
        limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 5000 })),
      },
      { additionalProperties: false },
    ),
  },
  'rows:save': {
    public: false,
    request: Type.Object(
      { table: Table, row: Type.Record(Type.String(), Type.Unknown()) },
      { additionalProperties: false },
    ),
  },
  'rows:remove': {
    public: false,
    request: Type.Object({ table: Table, id: Id }, { additionalProperties: false }),
  },
  'products:lookup': {
    public: false,
    request: Type.Object(
      // issue 10: forSale leaves out inactive products (the counter)
      { query: Type.String({ maxLength: 200 }), forSale: Type.Optional(Type.Boolean()) },
      { additionalProperties: false },
    ),
  },
  'stock:adjust': {
    public: false,
    request: Type.Object(
      {
        productId: Id,
        quantity: Type.Integer({ minimum: -1_000_000, maximum: 1_000_000 }),
        kind: Type.Union([Type.Literal('purchase'), Type.Literal('adjustment'), Type.Literal('return')]),
        reason: Type.Optional(Type.String({ maxLength: 300 })),
      },
      { additionalProperties: false },
    ),
  },
  'sales:complete': {
    public: false,
    request: Type.Object(
      {
        items: Type.Array(
          Type.Object(
            {
              productId: Id,
              // Units, or grams of a weighed product.
              quantity: Type.Integer({ minimum: 1, maximum: 1_000_000 }),
              // issue 10: the price the ticket showed, and the line's discount
              unitPrice: Type.Optional(Cents),
              discount: Type.Optional(Type.Union([Discount, Type.Null()])),
            },
            { additionalProperties: false },
          ),
          { minItems: 1, maxItems: 500 },
        ),
        paymentMethod: Type.Optional(PaymentMethod),
        customerId: Type.Optional(Type.Union([Id, Type.Null()])),
        // issue 10: split payments, the ticket discount, and a manager approving at the counter
        payments: Type.Optional(
          Type.Array(Type.Object({ method: PaymentMethod, amount: Cents }, { additionalProperties: false }), {
            minItems: 1,
            maxItems: 10,
          }),
        ),
        discount: Type.Optional(Type.Union([Discount, Type.Null()])),
        approval: Type.Optional(
          Type.Object({ username: Text(64), password: Text(200) }, { additionalProperties: false }),
        ),
      },
      { additionalProperties: false },
    ),
  },
  // issue 10
  'counter:code': {
    public: false,
    request: Type.Object({ code: Type.String({ minLength: 1, maxLength: 200 }) }, { additionalProperties: false }),
  },
  'products:get': {
    public: false,
    request: Type.Object({ ids: Type.Array(Id, { maxItems: 500 }) }, { additionalProperties: false }),
  },
  'sales:list': {
    public: false,
    request: Type.Object(
      {
        from: Type.Optional(Instant),
        to: Type.Optional(Instant),
        stationId: Type.Optional(Id),
        userId: Type.Optional(Id),
        paymentMethod: Type.Optional(PaymentMethod),
      },
      { additionalProperties: false },
    ),
  },
  'sales:items': { public: false, request: Type.Object({ saleId: Id }, { additionalProperties: false }) },
  'sales:void': {
    public: false,
    request: Type.Object({ saleId: Id, reason: Text(300) }, { additionalProperties: false }),
  },
  'sales:return': {
    public: false,
    request: Type.Object(
      {
        saleId: Id,
        lines: Type.Array(
          Type.Object(
            { itemId: Id, quantity: Type.Integer({ minimum: 1, maximum: 1_000_000 }) },
            { additionalProperties: false },
          ),
          { minItems: 1, maxItems: 500 },
        ),
        refund: Type.Union([Type.Literal('original'), Type.Literal('cash')]),
        reason: Type.Optional(Type.String({ maxLength: 300 })),
      },
      { additionalProperties: false },
    ),
  },
  'tickets:get': { public: false, request: Type.Object({ saleId: Id }, { additionalProperties: false }) },
  'cash:current': { public: false, request: Empty },
  'cash:open': { public: false, request: Type.Object({ float: Cents }, { additionalProperties: false }) },
  'cash:move': {
    public: false,
    request: Type.Object(
      { kind: Type.Union([Type.Literal('in'), Type.Literal('out')]), amount: Cents, reason: Text(300) },
      { additionalProperties: false },
    ),
  },
  'cash:close': {
    public: false,
    request: Type.Object(
      { counts: Type.Record(Type.String({ pattern: '^[0-9]{1,5}$' }), Type.Integer({ minimum: 0, maximum: 100_000 })) },
      { additionalProperties: false },
    ),
  },
  'cash:closings': { public: false, request: Empty },
  'cash:report': { public: false, request: Type.Object({ sessionId: Id }, { additionalProperties: false }) },
  'settings:get': { public: false, request: Empty },
  // Electron prints the window itself (to the default or a named printer, silently when set);
  // the browser bridge answers printed: false and the page calls window.print().
  'print:receipt': {
    public: false,
    request: Type.Object(
      { silent: Type.Boolean(), deviceName: Type.Optional(Type.String({ maxLength: 200 })) },
      { additionalProperties: false },
    ),
  },
  'settings:save': {
    public: false,
    request: Type.Object(
      {
        shopName: Type.Optional(Type.String({ maxLength: 200 })),
        taxId: Type.Optional(Type.String({ maxLength: 40 })),
        address: Type.Optional(Type.String({ maxLength: 300 })),
        receiptFooter: Type.Optional(Type.String({ maxLength: 300 })),
        taxRates: Type.Optional(
          Type.Object(
            {
              general: Type.Integer({ minimum: 0, maximum: 10_000 }),
              reduced: Type.Integer({ minimum: 0, maximum: 10_000 }),
              superReduced: Type.Integer({ minimum: 0, maximum: 10_000 }),
              exempt: Type.Optional(Type.Literal(0)),
            },
            { additionalProperties: false },
          ),
        ),
        cashierDiscountLimit: Type.Optional(Type.Integer({ minimum: 0, maximum: 10_000 })),
        stockPolicy: Type.Optional(Type.Union([Type.Literal('warn'), Type.Literal('forbid')])),
        requireSession: Type.Optional(Type.Boolean()),
        ticketCode: Type.Optional(Type.String({ pattern: '^[A-Z0-9]{1,6}$' })),
      },
      { additionalProperties: false },
    ),
  },
  'admin:stations': { public: false, request: Empty },
  'admin:revoke': {
    public: false,
    request: Type.Object({ stationId: Id }, { additionalProperties: false }),
  },
  // issue 13: the back office
  'station:backup': { public: false, request: Empty },
  'reports:run': {
    public: false,
    request: Type.Object(
      {
        report: Type.Union(REPORT_NAMES.map((name) => Type.Literal(name))),
        from: Type.String({ minLength: 10, maxLength: 10 }),
        to: Type.String({ minLength: 10, maxLength: 10 }),
        limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 10_000 })),
      },
      { additionalProperties: false },
    ),
  },
  'stock:low': { public: false, request: Empty },
  'stock:history': {
    public: false,
    request: Type.Object({ productId: Id }, { additionalProperties: false }),
  },
  'stock:purchase': {
    public: false,
    request: Type.Object(
      {
        providerId: Type.Optional(Type.Union([Id, Type.Null()])),
        reference: Type.Optional(Type.String({ maxLength: 100 })),
        lines: Type.Array(
          Type.Object(
            {
              productId: Id,
              quantity: Type.Integer({ minimum: 1, maximum: 1_000_000 }),
              cost: Type.Optional(Type.Union([Type.Integer({ minimum: 0, maximum: 100_000_000 }), Type.Null()])),
            },
            { additionalProperties: false },
          ),
          { minItems: 1, maxItems: 2000 },
        ),
      },
      { additionalProperties: false },
    ),
  },
  'stock:count': {
    public: false,
    request: Type.Object(
      {
        note: Type.Optional(Type.String({ maxLength: 200 })),
        lines: Type.Array(
          Type.Object(
            { productId: Id, counted: Type.Integer({ minimum: 0, maximum: 1_000_000 }) },
            { additionalProperties: false },
          ),
          { minItems: 1, maxItems: 20_000 },
        ),
      },
      { additionalProperties: false },
    ),
  },
  'rows:page': {
    public: false,
    request: Type.Object(
      {
        table: Table,
        search: Type.Optional(Type.String({ maxLength: 200 })),
        sort: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
        descending: Type.Optional(Type.Boolean()),
        offset: Type.Optional(Type.Integer({ minimum: 0, maximum: 10_000_000 })),
        limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 500 })),
      },
      { additionalProperties: false },
    ),
  },
  'admin:conflicts': {
    public: false,
    request: Type.Object(
      { limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 500 })) },
      { additionalProperties: false },
    ),
  },
  'csv:export': { public: false, request: Type.Object({ table: CsvTableName }, { additionalProperties: false }) },
  'csv:preview': {
    public: false,
    request: Type.Object(
      { table: CsvTableName, text: Type.String({ maxLength: 20_000_000 }) },
      { additionalProperties: false },
    ),
  },
  'csv:import': {
    public: false,
    request: Type.Object(
      { table: CsvTableName, text: Type.String({ maxLength: 20_000_000 }) },
      { additionalProperties: false },
    ),
  },
} as const satisfies Record<string, { public: boolean; request: TSchema }>;

/** What each channel answers. Kept beside CHANNELS; a test checks both list the same names. */
export interface ChannelResponses {
  'app:state': AppState;
  'station:enroll': AppState;
  'session:get': { user: SessionUser | null };
  'session:login': { user: SessionUser };
  'session:logout': { user: null };
  'sync:status': SyncStatus;
  'sync:refused': { rows: RefusedRow[] };
  'sync:dismiss': { rows: RefusedRow[] };
  'sync:discard': { rows: RefusedRow[] };
  'sync:now': SyncStatus;
  'rows:list': { rows: AnyRow[] };
  'rows:save': { row: AnyRow };
  'rows:remove': { id: string };
  'products:lookup': { products: ProductWithStock[] };
  'stock:adjust': { row: Row<'stock_movements'> };
  'sales:complete': CompletedSale;
  // issue 10
  'counter:code': { product: ProductWithStock | null; inactive: boolean };
  'products:get': { products: ProductWithStock[] };
  'sales:list': { sales: SaleSummary[] };
  'sales:items': { items: SaleItemView[] };
  'sales:void': { sale: Row<'sales'> };
  'sales:return': CompletedSale;
  'tickets:get': Ticket;
  'cash:current': { current: CashState | null };
  'cash:open': { current: CashState | null };
  'cash:move': { current: CashState | null };
  'cash:close': ZReport;
  'cash:closings': { closings: Row<'cash_closings'>[] };
  'cash:report': ZReport;
  'settings:get': CounterSettings;
  'print:receipt': { printed: boolean };
  'settings:save': CounterSettings;
  'admin:stations': { stations: StationView[] };
  'admin:revoke': { stationId: string };
  // issue 13: the back office
  'station:backup': StationBackup;
  'reports:run': ReportResult;
  'stock:low': { products: LowStockRow[] };
  'stock:history': { movements: MovementHistoryRow[] };
  'stock:purchase': { purchaseId: string; lines: number; updatedProducts: number };
  'stock:count': { countId: string; adjusted: number; unchanged: number };
  'rows:page': { rows: AnyRow[]; total: number };
  'admin:conflicts': { conflicts: ConflictView[] };
  'csv:export': { text: string; rows: number };
  'csv:preview': CsvPreview;
  'csv:import': { created: number; updated: number; skipped: number };
}

export type ChannelName = keyof typeof CHANNELS;
export type ChannelRequest<C extends ChannelName> = Static<(typeof CHANNELS)[C]['request']>;
export type ChannelResponse<C extends ChannelName> = ChannelResponses[C];

export const CHANNEL_NAMES = Object.keys(CHANNELS) as ChannelName[];

export function isChannelName(name: unknown): name is ChannelName {
  return typeof name === 'string' && Object.hasOwn(CHANNELS, name);
}

/** Events pushed to the renderer, and who may hear each: anyone (before login too), any logged-in user, or admins. */
export const EVENTS = {
  'app:state': { audience: 'anyone' },
  'sync:status': { audience: 'user' },
  'data:changed': { audience: 'user' },
  'admin:stations': { audience: 'admin' },
} as const satisfies Record<string, { audience: 'anyone' | 'user' | 'admin' }>;

export interface EventPayloads {
  'app:state': AppState;
  'sync:status': SyncStatus;
  /**
   * Tables whose rows changed, locally or pulled, so open screens reload what they show.
   * `rows`, when present, holds every changed row of those tables as `rows:page` lists it
   * (a few pulled rows; never users): a list can show them at once, before its re-read.
   */
  'data:changed': { tables: TableName[]; rows?: ChangedRow[] };
  'admin:stations': { stations: StationView[] };
}

/** A changed row as lists show it (`deletedAt` set when it was deleted). */
export interface ChangedRow {
  table: TableName;
  row: AnyRow;
}

export type EventName = keyof typeof EVENTS;
export const EVENT_NAMES = Object.keys(EVENTS) as EventName[];

export function isEventName(name: unknown): name is EventName {
  return typeof name === 'string' && Object.hasOwn(EVENTS, name);
}

/** A channel's failure as the renderer sees it: a catalogue code and a readable message. */
export interface ChannelFailure {
  code: string;
  message: string;
}

/** What goes back over IPC: Electron drops an Error's fields, so failures travel as values. */
export type ChannelResult<C extends ChannelName> =
  | { ok: true; value: ChannelResponse<C> }
  | { ok: false; error: ChannelFailure };

/** The object the renderer talks to, `window.mostrador` in Electron and the bridge client in a browser. */
export interface MostradorApi {
  invoke<C extends ChannelName>(channel: C, request: ChannelRequest<C>): Promise<ChannelResponse<C>>;
  on<E extends EventName>(event: E, listener: (payload: EventPayloads[E]) => void): () => void;
}
