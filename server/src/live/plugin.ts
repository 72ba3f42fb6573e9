/**
 * Live sync as one Fastify plugin: the notifier (LISTEN), the station hub (/sync/ws) and
 * presence. Starts in order once the app is ready, reports the LISTEN session to /health,
 * and stops in reverse order on close.
 */
import websocket from '@fastify/websocket';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { type CommittedPage, committedParts } from '../sync/commit-page.js';
import { changesNoticeWithPage } from '../sync/pull-body.js';
import { readPullPageAtOnce } from '../sync/pull-page.js';
import { tableSql } from '../sync/table-sql.js';
import { Announcer } from './announcer.js';
import { CLOSE_REVOKED, StationHub } from './hub.js';
import { Notifier } from './notifier.js';
import { DEFAULT_PRESENCE_TIMING, Presence, type PresenceTiming } from './presence.js';
import { registerStationSocket } from './station-socket.js';

export interface LiveOptions {
  databaseUrl: string;
  /** How often sockets are pinged; one missed pong drops the socket. */
  pingIntervalMs?: number;
  presence?: Partial<PresenceTiming>;
  /** Most rows a `changes` notice carries as a page (0: never a page, stations always pull). */
  pageRows?: number;
  /** How long building a notice's page may take before the notice goes out plain. */
  pageBudgetMs?: number;
  /** Most /sync/ws sockets one station may hold open; default 4. */
  socketsPerStation?: number;
}

/**
 * A page of up to 500 rows is a few tens of KB: cheap to send to every socket, and it saves
 * each station a pull. Larger bursts are left to pulls, which page and share their bodies.
 */
const DEFAULT_PAGE_ROWS = 500;
/** Building a page takes a millisecond or two; past this the database is struggling. */
const DEFAULT_PAGE_BUDGET_MS = 25;

export interface Live {
  readonly notifier: Notifier;
  readonly hub: StationHub;
  readonly presence: Presence;
  readonly announcer: Announcer;
}

declare module 'fastify' {
  interface FastifyInstance {
    live: Live;
  }
}

/** Largest frame a station may send: status reports are tiny. */
const MAX_FRAME_BYTES = 16 * 1024;

async function live(app: FastifyInstance, options: LiveOptions): Promise<void> {
  if (!app.hasDecorator('websocketServer')) await app.register(websocket, { options: { maxPayload: MAX_FRAME_BYTES } });
  const notifier = new Notifier(options.databaseUrl, app.db);
  const hub = new StationHub(options.pingIntervalMs ?? 15_000);
  const presence = new Presence(app.db, { ...DEFAULT_PRESENCE_TIMING, ...options.presence });
  app.readiness.set('listen', () => notifier.ready);

  const pageRows = options.pageRows ?? DEFAULT_PAGE_ROWS;
  const announcer = new Announcer(
    hub,
    pageRows <= 0
      ? null
      : async (from, to) => {
          // One more than allowed tells a page that is too large from one that fits exactly.
          const page = await readPullPageAtOnce(app.db, from, pageRows + 1, to);
          // No rows (a head moved by hand) or not the whole range: stations pull instead.
          if (page.count === 0 || page.count > pageRows || page.cursor !== to) return null;
          // One page goes to every station, but users rows differ by station (each gets only
          // the password verifiers of who logs in there, issue 12): those stations pull.
          if (page.parts.some((part) => part.table === null || !tableSql(part.table).sentAlike)) return null;
          return changesNoticeWithPage(page, from);
        },
    { budgetMs: options.pageBudgetMs ?? DEFAULT_PAGE_BUDGET_MS },
    app.log,
  );
  app.decorate('live', { notifier, hub, presence, announcer });
  // A commit of this instance whose rows it knows (only tables every station receives alike).
  const ownCommit = (page: CommittedPage, committed: Promise<boolean>) => {
    if (page.rows.length > pageRows) return;
    const notice = () => {
      // First, as for a NOTIFY: no pull read started before this head may answer a station told about it.
      app.sharedPulls.newHead();
      return changesNoticeWithPage(
        { parts: committedParts(page), count: page.rows.length, cursor: page.to },
        page.from,
      );
    };
    announcer.commit(page.from, page.to, notice, committed);
  };
  app.commits.on('committing', ownCommit);
  // First: no pull read started before this head may answer a station told about it.
  notifier.on('changes', () => app.sharedPulls.newHead());
  notifier.on('lost', () => app.sharedPulls.newHead());
  notifier.on('changes', (head, previous) => announcer.notice(head, previous));
  notifier.on('lost', () => announcer.lost());
  notifier.on('revoked', (stationId) => hub.closeStation(stationId, CLOSE_REVOKED, 'station revoked'));
  notifier.on('lost', (err) => app.log.warn({ err }, 'live: LISTEN connection lost, reconnecting'));
  notifier.on('ready', () => app.log.info({ instanceId: presence.instanceId }, 'live: listening'));
  registerStationSocket(app, hub, presence, options.socketsPerStation ?? 4);

  app.addHook('onReady', async () => {
    await notifier.start();
    await presence.start();
    hub.start();
  });
  app.addHook('preClose', async () => {
    const { reads, shared } = app.sharedPulls;
    app.log.info(
      { pullReads: reads, pullsShared: shared, noticesFromCommits: announcer.fromCommits },
      'sync: pulls answered by their own read and by a shared one; notices sent from their commit',
    );
    app.commits.off('committing', ownCommit);
    hub.stop();
    await presence.stop();
    await notifier.stop();
  });
}

export const liveSync = fp(live, {
  name: 'mostrador-live',
  decorators: { fastify: ['db', 'readiness', 'settings', 'sharedPulls', 'commits'] },
});
