/**
 * The one contract between the renderer and the station: every channel the renderer may
 * call and every event it may hear. The Electron preload and the browser bridge both
 * implement exactly this map; the renderer imports only its types. Requests are TypeBox
 * schemas because they cross a trust boundary and are checked on arrival; responses come
 * from our own code and are typed only.
 */

import type { AnyRow, Row, SessionUser, StationView, TableName } from '@mostrador/common';
import { type Static, type TSchema, Type } from '@sinclair/typebox';

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
  /** Local changes waiting to be pushed. */
  pending: number;
  /** Local rows the server refused, kept for a person to look at. */
  refused: number;
  cursor: number;
  head: number;
  /** Why the last sync failed, when it did: e.g. STATION_REVOKED needs a person, SERVER_UNREACHABLE does not. */
  problem: { code: string; message: string } | null;
}

export interface RefusedRow {
  table: string;
  id: string;
  code: string;
  message: string;
  /** Issue 8: the write group the row belongs to, and what became of it. */
  groupId?: string;
  state?: 'held' | 'rejected' | 'unsigned';
}

/** A user as the renderer sees it: never the password hash. */
export type UserView = Omit<Row<'users'>, 'passwordHash'>;
// price is required in the registry; the registry's Row type currently infers it as optional, so it is pinned here.
export type ProductWithStock = Row<'products'> & { price: number; stock: number };
export type CompletedSale = { sale: Row<'sales'>; items: Row<'sale_items'>[] };

export const PaymentMethod = Type.Union([Type.Literal('cash'), Type.Literal('card'), Type.Literal('other')]);

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
    request: Type.Object({ query: Type.String({ maxLength: 200 }) }, { additionalProperties: false }),
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
            { productId: Id, quantity: Type.Integer({ minimum: 1, maximum: 100_000 }) },
            { additionalProperties: false },
          ),
          { minItems: 1, maxItems: 500 },
        ),
        paymentMethod: PaymentMethod,
        customerId: Type.Optional(Type.Union([Id, Type.Null()])),
      },
      { additionalProperties: false },
    ),
  },
  'admin:stations': { public: false, request: Empty },
  'admin:revoke': {
    public: false,
    request: Type.Object({ stationId: Id }, { additionalProperties: false }),
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
  'sync:now': SyncStatus;
  'rows:list': { rows: AnyRow[] };
  'rows:save': { row: AnyRow };
  'rows:remove': { id: string };
  'products:lookup': { products: ProductWithStock[] };
  'stock:adjust': { row: Row<'stock_movements'> };
  'sales:complete': CompletedSale;
  'admin:stations': { stations: StationView[] };
  'admin:revoke': { stationId: string };
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
  /** Tables whose rows changed, locally or pulled, so open screens reload what they show. */
  'data:changed': { tables: TableName[] };
  'admin:stations': { stations: StationView[] };
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
