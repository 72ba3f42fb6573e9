import { randomBytes } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../../../server/src/app.js';
import { changesNoticeWithPage } from '../../../../server/src/sync/pull-body.js';
import { readPullPage } from '../../../../server/src/sync/pull-page.js';
import { commitCustomers } from '../../../../test/support/live.js';
import { createTestDatabase, type TestDatabase } from '../../../../test/support/pg.js';
import type { TestServer } from '../../../../test/support/server.js';
import { openTestStation } from '../../../../test/support/station.js';
import type { PulledEvent, Station } from '../index.js';
import { LiveClient } from './live-client.js';

/**
 * Stations applying the page a `changes` notice carries instead of pulling (protocol 2),
 * against the real API on a real PostgreSQL over real sockets; and pulling whenever the
 * page does not start at their cursor.
 */

function pulledIds(station: Station, ids: string[], ms = 30_000): Promise<void> {
  const missing = new Set(ids.filter((id) => !station.get('customers', id)));
  if (missing.size === 0) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${missing.size} rows never arrived`)), ms);
    const listener = (event: PulledEvent) => {
      for (const id of event.ids) missing.delete(id);
      if (missing.size > 0) return;
      clearTimeout(timer);
      station.sync.off('pulled', listener);
      resolve();
    };
    station.sync.on('pulled', listener);
  });
}

describe('stations applying the pages of notices', () => {
  let db: TestDatabase;
  let app: FastifyInstance;
  let server: TestServer;
  const open: Array<{ station: Station; live: LiveClient }> = [];
  /** GET /sync/pull requests the API received, by bearer token. */
  const pulls = new Map<string, number>();

  const pullsBy = (station: Station) => pulls.get(`Bearer ${station.store.meta.get('stationToken')}`) ?? 0;

  async function onlineStation(name: string) {
    const station = await openTestStation(server, name);
    const live = new LiveClient(station, { appVersion: '9.9.9', backoff: { initialMs: 20, maxMs: 200 } });
    open.push({ station, live });
    const online = new Promise((resolve) => live.once('online', () => resolve(undefined)));
    live.start();
    await online;
    return { station, live };
  }

  /** A put at A seen at B (by pull or page): B is then at a head the server has announced. */
  async function settle(a: Station, b: Station): Promise<void> {
    const row = a.put('customers', { name: 'Para asentar' });
    await pulledIds(b, [row.id]);
  }

  beforeAll(async () => {
    db = await createTestDatabase();
    const adminPassword = `admin-${randomBytes(4).toString('hex')}`;
    app = await buildApp({
      databaseUrl: db.url,
      jwtSecret: randomBytes(16).toString('hex'),
      adminPassword,
      loginRateLimit: { max: 1000, timeWindowMs: 60_000 },
      // No budget to miss on a busy test machine: whether a page goes out must not depend on timing.
      live: { pageBudgetMs: 60_000 },
    });
    await app.listen({ host: '127.0.0.1', port: 0 });
    app.server.on('request', (request: IncomingMessage) => {
      if (!request.url?.startsWith('/sync/pull')) return;
      const token = String(request.headers.authorization);
      pulls.set(token, (pulls.get(token) ?? 0) + 1);
    });
    const address = app.server.address();
    const port = typeof address === 'object' && address ? address.port : 0;
    server = { url: `http://127.0.0.1:${port}`, databaseUrl: db.url, adminPassword } as TestServer;
  });
  afterEach(() => {
    for (const { station, live } of open.splice(0)) {
      live.stop();
      station.close();
    }
  });
  afterAll(async () => {
    await app?.close();
    await db?.drop();
  });

  it('shows a put at station A at station B with no pull request from B', async () => {
    const a = await onlineStation('A');
    const b = await onlineStation('B');
    await settle(a.station, b.station);
    const before = pullsBy(b.station);
    const row = a.station.put('customers', { name: 'Ana' });
    await pulledIds(b.station, [row.id]);
    expect(b.station.get('customers', row.id)).toMatchObject({ name: 'Ana', version: row.version });
    expect(pullsBy(b.station)).toBe(before);
  });

  it('pulls when a page does not start at its cursor, and loses nothing', async () => {
    const a = await onlineStation('A');
    const b = await onlineStation('B');
    await settle(a.station, b.station);
    const before = pullsBy(b.station);
    // Two commits whose notices never came; then a notice with the page of the second only.
    const missed = await commitCustomers(db.url, 2, { notify: false });
    const paged = await commitCustomers(db.url, 3, { notify: false });
    const page = await readPullPage(app.db, missed.head, 501, 'columns', 'admin', paged.head);
    expect(page.count).toBe(3);
    app.live.hub.broadcast(paged.head, changesNoticeWithPage(page, missed.head));
    await pulledIds(b.station, [...missed.ids, ...paged.ids]);
    expect(b.station.sync.cursor).toBe(paged.head);
    expect(pullsBy(b.station)).toBeGreaterThan(before);
  });

  it('converges after its socket fell behind and notices were dropped for it', async () => {
    const a = await onlineStation('A');
    const b = await onlineStation('B');
    await settle(a.station, b.station);
    const socket = (b.live as unknown as { socket: { _socket: Socket } }).socket._socket;
    socket.pause();
    // Pages of 500 rows until the server holds a notice back for B, then more that replace it.
    const backlog = () => app.live.hub.backlogOf(b.station.id)[0];
    const ids: string[] = [];
    for (let i = 0; i < 1_000 && backlog()?.stalled !== true; i++) {
      ids.push(...(await commitCustomers(db.url, 500)).ids);
      await a.station.sync.pullChanges();
    }
    expect(backlog()?.stalled).toBe(true);
    const row = a.station.put('customers', { name: 'Tras el atasco' });
    while (a.station.sync.pending > 0) await a.station.sync.pushOutbox();
    const last = await commitCustomers(db.url, 2);
    ids.push(row.id, ...last.ids);
    socket.resume();
    await pulledIds(b.station, ids, 60_000);
    expect(b.station.get('customers', row.id)).toMatchObject({ name: 'Tras el atasco', version: row.version });
    expect(b.station.sync.cursor).toBeGreaterThanOrEqual(last.head);
  });
});
