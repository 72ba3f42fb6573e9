/**
 * The channel map implemented over the station core, for both transports (the Electron
 * main and the browser bridge). Each call acts as its caller's user: the core keeps one
 * acting user, so a handler sets it right before the synchronous write it guards.
 */
import { EventEmitter } from 'node:events';
import {
  type AnyRow,
  canWrite,
  isTableName,
  MostradorError,
  type Row,
  type SessionUser,
  TABLE_NAMES,
  type TableName,
} from '@mostrador/common';
import type { Station, UserInput } from '../core/index.js';
import { backupStation } from '../core/store/backup.js';
import type { EventName, EventPayloads, ProductWithStock } from '../shared/channels.js';
import type { ChannelHandlers, Session } from '../shared/dispatch.js';
import type { EventListener, StationChannels } from '../shared/station-channels.js';
import { AdminLink } from './admin-link.js';
import { counterChannels } from './counter-channels.js';
import { runReport } from './reports.js';
import { changedRows, listRows, pageRows, withoutSecrets } from './row-views.js';
import type { StationHost } from './station-host.js';
import { type LiveIndicator, NO_STATION_STATUS, syncStatusOf } from './sync-status.js';

export interface StationChannelsOptions {
  /** The live channel of a station, when the caller runs one. */
  liveOf?: (station: Station) => LiveIndicator | null;
}

/** How often the app asks the server's /health, and how long it waits for the answer (issue 13). */
const HEALTH_PROBE_MS = 2_000;
const HEALTH_TIMEOUT_MS = 2_500;

const EDITABLE = new Set<TableName>(['products', 'providers', 'customers', 'users']);

function editableTable(table: string): TableName {
  if (!isTableName(table)) throw new MostradorError('UNKNOWN_TABLE', `No synced table named ${table}.`);
  if (!EDITABLE.has(table)) {
    throw new MostradorError('FORBIDDEN', `${table} rows are written by sales and stock operations, not edited.`);
  }
  return table;
}

function requireUser(session: Session): SessionUser {
  if (!session.user) throw new MostradorError('NOT_LOGGED_IN');
  return session.user;
}

function requireAdmin(session: Session): SessionUser {
  const user = requireUser(session);
  if (user.role !== 'admin') throw new MostradorError('FORBIDDEN', 'Only an admin can do this.');
  return user;
}

export function createStationChannels(host: StationHost, options: StationChannelsOptions = {}): StationChannels {
  const events = new EventEmitter<{ event: [EventName, unknown] }>();
  const emit = <E extends EventName>(event: E, payload: EventPayloads[E]) => events.emit('event', event, payload);
  const admin = new AdminLink(() => host.station?.store.meta.get('serverUrl') ?? null);
  const adminTokens = new WeakMap<Session, string>();
  const wired = new WeakSet<Station>();
  const cleanups: (() => void)[] = [];
  let lastSyncAt: string | null = null;
  let live: LiveIndicator | null = null;
  let unanswered = false;

  const status = () => (host.station ? syncStatusOf(host.station, live, lastSyncAt, unanswered) : NO_STATION_STATUS);
  const publishStatus = () => emit('sync:status', status());

  /** Acting as the caller's user is part of the write: call right before it, nothing async between. */
  function actingStation(session: Session): Station {
    const station = host.requireStation();
    station.actAs(requireUser(session).id);
    return station;
  }

  function wire(station: Station) {
    if (wired.has(station)) return;
    wired.add(station);
    // When the live socket drops, find out at once whether the server is gone, so the bar says so.
    const onLiveChange = () => {
      publishStatus();
      if (!live?.connected) void station.sync.sync().catch(() => {});
    };
    // The caller may take the station online after handing it over: look for its live channel until it appears.
    const attachLive = () => {
      if (live) return;
      live = options.liveOf?.(station) ?? null;
      live?.on('online', onLiveChange);
      live?.on('offline', onLiveChange);
    };
    const onStatus = (next: { reachable: boolean | null; syncing: boolean }) => {
      attachLive();
      if (next.reachable && !next.syncing) lastSyncAt = new Date().toISOString();
      publishStatus();
    };
    const onWritten = ({ tables }: { tables: TableName[] }) => {
      emit('data:changed', { tables });
      publishStatus();
    };
    // A live notice's few rows travel with the event, so a list shows them without asking back.
    const onPulled = ({ tables, ids }: { tables?: TableName[]; ids: string[] }) => {
      const rows = tables ? changedRows(station, tables, ids) : null;
      emit('data:changed', { tables: tables ?? [...TABLE_NAMES], ...(rows ? { rows } : {}) });
    };
    // A push's answer may change rows here too (an admin's rejection undone, a merged product adopted).
    const onPushed = ({ tables }: { tables: TableName[] }) => {
      if (tables.length > 0) emit('data:changed', { tables });
    };
    attachLive();
    station.sync.on('status', onStatus);
    station.store.on('written', onWritten);
    station.sync.on('pulled', onPulled);
    station.sync.on('pushed', onPushed);
    // Without a live channel (or while it is down), try again now and then so the station comes back by itself.
    const retry = setInterval(() => {
      attachLive();
      if (!live?.connected && station.sync.status().reachable === false) void station.sync.sync().catch(() => {});
    }, 5_000);
    retry.unref();
    // issue 13: ask the server's /health every couple of seconds, so a server that stopped
    // answering (frozen, or a dead network path that keeps sockets open) shows as offline at once.
    let probing = false;
    const probe = setInterval(() => {
      const serverUrl = station.store.meta.get('serverUrl');
      if (probing || !serverUrl) return;
      probing = true;
      fetch(new URL('health', serverUrl.endsWith('/') ? serverUrl : `${serverUrl}/`), {
        signal: AbortSignal.timeout(HEALTH_TIMEOUT_MS),
      })
        .then(
          (response) => response.status < 500,
          () => false,
        )
        .then((answered) => {
          probing = false;
          if (answered === !unanswered) return;
          unanswered = !answered;
          publishStatus();
          if (answered) void station.sync.sync().catch(() => {});
        });
    }, HEALTH_PROBE_MS);
    probe.unref();
    cleanups.push(() => {
      clearInterval(probe);
      clearInterval(retry);
      station.sync.off('status', onStatus);
      station.store.off('written', onWritten);
      station.sync.off('pulled', onPulled);
      station.sync.off('pushed', onPushed);
      live?.off('online', onLiveChange);
      live?.off('offline', onLiveChange);
    });
  }

  const onState = (state: EventPayloads['app:state']) => emit('app:state', state);
  const onStations = (stations: EventPayloads['admin:stations']['stations']) => emit('admin:stations', { stations });
  host.on('state', onState);
  host.on('station', wire);
  admin.on('stations', onStations);
  if (host.station) wire(host.station);

  const withStock = (station: Station, row: AnyRow) =>
    ({ ...row, stock: station.shop.stockOf(row.id) }) as ProductWithStock;

  const handlers: ChannelHandlers = {
    'app:state': async () => host.state(),
    'station:enroll': async (request) => host.enroll(request),
    'session:get': async (_, session) => ({ user: session.user }),
    'session:login': async ({ username, password }, session) => {
      const user = await host.requireStation().login(username, password);
      session.user = user;
      // The server token only serves the admin monitor; the local login never waits for it.
      if (user.role === 'admin') {
        void admin.login(username, password).then((token) => {
          if (token && session.user?.id === user.id) adminTokens.set(session, token);
        });
      }
      return { user };
    },
    'session:logout': async (_, session) => {
      admin.unwatch(adminTokens.get(session) ?? null);
      adminTokens.delete(session);
      session.user = null;
      return { user: null };
    },
    'sync:status': async () => status(),
    'sync:refused': async () => ({ rows: refusedRows(host.requireStation()) }),
    'sync:dismiss': async ({ groupId }) => {
      const station = host.requireStation();
      if (!station.dismissRejected(groupId)) {
        throw new MostradorError('CONFLICT', 'Only a write group the server rejected can be dismissed.');
      }
      publishStatus();
      return { rows: refusedRows(station) };
    },
    'sync:discard': async ({ groupId }, session) => {
      const user = requireUser(session);
      if (user.role === 'cashier') throw new MostradorError('FORBIDDEN', 'Only an admin or a manager can discard.');
      const station = host.requireStation();
      if (!(await station.discardHeld(groupId))) {
        throw new MostradorError('CONFLICT', 'Only a write group the server holds for review can be discarded.');
      }
      // Its rows were undone by the push's answer, not by a local write: lists read them again.
      emit('data:changed', { tables: [...TABLE_NAMES] });
      publishStatus();
      return { rows: refusedRows(station) };
    },
    'sync:now': async () => {
      await host
        .requireStation()
        .sync.sync()
        .catch(() => {});
      return status();
    },
    'rows:list': async ({ table, search, limit }, session) => {
      if (!isTableName(table)) throw new MostradorError('UNKNOWN_TABLE', `No synced table named ${table}.`);
      if (table === 'users') requireAdmin(session);
      return { rows: listRows(host.requireStation(), table, search, limit) };
    },
    'rows:save': async ({ table, row }, session) => {
      const name = editableTable(table);
      if ('passwordHash' in row) throw new MostradorError('VALIDATION', 'Send a password, never a hash.');
      if (name === 'users') {
        requireAdmin(session);
        return { row: withoutSecrets(await actingStation(session).shop.saveUser(row as UserInput)) };
      }
      if (!canWrite(requireUser(session).role, name)) throw new MostradorError('FORBIDDEN');
      return { row: actingStation(session).shop.save(name as 'products' | 'providers' | 'customers', row) };
    },
    'rows:remove': async ({ table, id }, session) => {
      const name = editableTable(table) as 'products' | 'providers' | 'customers' | 'users';
      if (name === 'users') requireAdmin(session);
      if (!canWrite(requireUser(session).role, name)) throw new MostradorError('FORBIDDEN');
      if (name === 'users') actingStation(session).shop.removeUser(id);
      else actingStation(session).shop.remove(name, id);
      return { id };
    },
    'products:lookup': async ({ query, forSale }) => {
      const station = host.requireStation();
      const rows = query.trim()
        ? station.shop.searchProducts(query, 50, { forSale })
        : listRows(station, 'products', '', 200).filter((row) => !forSale || row.active === true);
      return { products: rows.map((row) => withStock(station, row)) };
    },
    'stock:adjust': async ({ productId, quantity, kind, reason }, session) => {
      // Purchases and corrections change what the shop owns: not a cashier's call (sales move stock themselves).
      if (!['admin', 'manager'].includes(requireUser(session).role)) {
        throw new MostradorError('FORBIDDEN', 'Only an admin or a manager can record purchases or adjust stock.');
      }
      const station = actingStation(session);
      const row =
        kind === 'purchase'
          ? station.shop.recordPurchase(productId, quantity, reason)
          : station.shop.adjustStock(productId, quantity, reason ?? '');
      return { row: row as Row<'stock_movements'> };
    },
    // issue 10: sales, returns, voids, tickets, cash sessions and settings
    ...counterChannels(host),
    'admin:stations': async (_, session) => {
      requireAdmin(session);
      const token = adminTokens.get(session) ?? null;
      const stations = await admin.stations(token);
      if (token) admin.watch(token);
      return { stations };
    },
    'admin:revoke': async ({ stationId }, session) => {
      requireAdmin(session);
      await admin.revoke(adminTokens.get(session) ?? null, stationId);
      return { stationId };
    },
    // issue 13: the back office
    'station:backup': async (_, session) => {
      requireAdmin(session);
      return backupStation(host.requireStation().store);
    },
    'reports:run': async (request, session) => {
      requireUser(session);
      return runReport(host.requireStation(), request);
    },
    'stock:low': async (_, session) => {
      requireUser(session);
      return { products: host.requireStation().stockRoom.lowStock() };
    },
    'stock:history': async ({ productId }, session) => {
      requireUser(session);
      return { movements: host.requireStation().stockRoom.history(productId) };
    },
    'stock:purchase': async (request, session) => {
      const result = actingStation(session).stockRoom.recordPurchase(request);
      return {
        purchaseId: result.purchaseId,
        lines: result.movements.length,
        updatedProducts: result.updatedProducts.length,
      };
    },
    'stock:count': async ({ lines, note }, session) => {
      const result = actingStation(session).stockRoom.postCount(lines, note);
      return { countId: result.countId, adjusted: result.movements.length, unchanged: result.unchanged };
    },
    'rows:page': async ({ table, ...request }, session) => {
      if (!isTableName(table)) throw new MostradorError('UNKNOWN_TABLE', `No synced table named ${table}.`);
      if (table === 'users') requireAdmin(session);
      else requireUser(session);
      return pageRows(host.requireStation(), table, request);
    },
    'admin:conflicts': async ({ limit }, session) => {
      requireAdmin(session);
      return { conflicts: await admin.conflicts(adminTokens.get(session) ?? null, limit ?? 100) };
    },
    'csv:export': async ({ table }, session) => {
      const text = actingStation(session).csv.exportCsv(table);
      return { text, rows: Math.max(0, text.split('\r\n').length - 2) };
    },
    'csv:preview': async ({ table, text }, session) => actingStation(session).csv.preview(table, text),
    'csv:import': async ({ table, text }, session) => actingStation(session).csv.importCsv(table, text),
  };

  return {
    handlers,
    subscribe(listener: EventListener) {
      const relay = (event: EventName, payload: unknown) => listener(event, payload as never);
      events.on('event', relay);
      return () => events.off('event', relay);
    },
    async close() {
      host.off('state', onState);
      host.off('station', wire);
      admin.off('stations', onStations);
      admin.close();
      for (const cleanup of cleanups) cleanup();
    },
  };
}

/** The rows of refused (held, rejected, unsigned) write groups, as the status bar lists them. */
function refusedRows(station: Station) {
  return station.flagged().map(({ table, id, code, message, groupId, state }) => {
    // issue 13: name the record as a person knows it.
    const row = isTableName(table) ? station.store.rows.get(table, id) : null;
    const label = row ? String(row.name ?? row.displayName ?? row.number ?? row.sku ?? '') || null : null;
    return { table, id, code, message, groupId, state, label };
  });
}
