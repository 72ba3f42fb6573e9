import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ReviewResponse, StationView } from '@mostrador/common';
import type { FastifyInstance } from 'fastify';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../../../server/src/app.js';
import { adminDatabaseUrl, createTestDatabase, type TestDatabase } from '../../../../test/support/pg.js';
import { login } from '../../../../test/support/server.js';
import { openTestStation, serverState, stationToken } from '../../../../test/support/station.js';
import type { Station } from '../station.js';
import type { ReconcileResult } from './reconcile.js';

/**
 * The server's database is restored from a pg_dump taken mid-run, while stations pushed
 * after the dump. Each station notices the server's new identity, re-pushes what the server
 * lost and pulls what it lacks: in the end everyone holds everything, and the admins'
 * monitor says which stations reconciled.
 */
describe('a server restored from a backup', () => {
  let database: TestDatabase;
  let app: FastifyInstance;
  let port = 0;
  const adminPassword = `admin-${randomBytes(6).toString('hex')}`;
  const jwtSecret = randomBytes(32).toString('hex');
  const stations: Station[] = [];
  const url = () => `http://127.0.0.1:${port}`;

  async function startServer(): Promise<void> {
    app = await buildApp({
      databaseUrl: database.url,
      jwtSecret,
      adminPassword,
      logger: false,
      loginRateLimit: { max: 1000, timeWindowMs: 60_000 },
    });
    await app.listen({ host: '127.0.0.1', port });
    const address = app.server.address();
    if (typeof address === 'object' && address) port = address.port;
  }

  async function restore(dumpFile: string): Promise<void> {
    await app.close();
    const admin = new pg.Client({ connectionString: adminDatabaseUrl() });
    await admin.connect();
    try {
      await admin.query(`DROP DATABASE ${database.name} WITH (FORCE)`);
      await admin.query(`CREATE DATABASE ${database.name}`);
    } finally {
      await admin.end();
    }
    execFileSync('pg_restore', ['--no-owner', '-d', database.url, dumpFile]);
    await startServer();
  }

  beforeAll(async () => {
    database = await createTestDatabase();
    await startServer();
  });

  afterAll(async () => {
    for (const s of stations) s.close();
    await app?.close();
    await database?.drop();
  });

  it('reconciles every station without losing a row either side held', async () => {
    const server = { url: url(), adminPassword, databaseUrl: database.url } as Parameters<typeof openTestStation>[0];
    const a = await openTestStation(server, 'restore-a');
    const b = await openTestStation(server, 'restore-b');
    stations.push(a, b);
    const early = a.shop.save('products', { sku: 'EARLY', name: 'Before the backup', price: 100, active: true });
    await a.sync.sync();
    await b.sync.sync();

    const dumpFile = join(mkdtempSync(join(tmpdir(), 'mostrador-dump-')), 'central.dump');
    execFileSync('pg_dump', ['-Fc', '-f', dumpFile, database.url]);

    // Acknowledged by the server after the dump: lost by the restore.
    const fromA = a.shop.save('customers', { name: 'Pushed by A after the backup' });
    a.shop.save('products', { id: early.id, price: 150 });
    await a.sync.sync();
    const fromB = b.shop.save('customers', { name: 'Pushed by B after the backup' });
    // Created and deleted after the backup: the restored server lacks even the tombstone.
    const gone = b.shop.save('customers', { name: 'Deleted after the backup' });
    b.shop.remove('customers', gone.id);
    await b.sync.sync();
    await a.sync.sync();
    expect(a.get('customers', fromB.id)).not.toBeNull();

    await restore(dumpFile);
    const before = await serverState(url(), stationToken(a));
    expect(before.customers.map((c) => c.id)).not.toContain(fromA.id);

    // Someone pushes to the restored server before A and B come back.
    const c = await openTestStation({ ...server, url: url() } as typeof server, 'restore-c');
    stations.push(c);
    const fromC = c.shop.save('customers', { name: 'Pushed by C after the restore' });
    await c.sync.sync();

    const reconciled: ReconcileResult[] = [];
    a.sync.on('reconciled', (r) => reconciled.push(r));
    // What B queues to push again, as it reconciles (before any integrity check could).
    let queuedByB: string[] = [];
    b.sync.on('reconciled', (r) => {
      reconciled.push(r);
      queuedByB = b.store.db
        .prepare<[], { rowId: string }>('SELECT rowId FROM outbox_rows')
        .all()
        .map((e) => e.rowId);
    });
    await b.sync.sync();
    await a.sync.sync();
    await b.sync.sync();
    await a.sync.sync();
    await c.sync.sync();
    expect(reconciled).toHaveLength(2);
    expect(queuedByB).toEqual(expect.arrayContaining([fromA.id, fromB.id, gone.id, early.id]));

    const state = await serverState(url(), stationToken(a));
    const customers = state.customers.map((row) => row.id);
    expect(customers).toEqual(expect.arrayContaining([fromA.id, fromB.id, fromC.id, gone.id]));
    expect(state.customers.find((row) => row.id === gone.id)?.deletedAt).toEqual(expect.any(String));
    expect(state.products.find((p) => p.id === early.id)?.price).toBe(150);
    for (const station of [a, b, c]) {
      expect(station.dump().tables).toEqual(state);
      expect(station.sync.pending).toBe(0);
    }

    const { token } = await login(url(), 'admin', adminPassword);
    const monitor = (await fetch(`${url()}/admin/stations`, { headers: { authorization: `Bearer ${token}` } }).then(
      (r) => r.json(),
    )) as { stations: StationView[] };
    const byName = new Map(monitor.stations.map((s) => [s.name, s]));
    expect(byName.get('restore-a')?.reconciledAt).toEqual(expect.any(String));
    expect(byName.get('restore-b')?.reconciledAt).toEqual(expect.any(String));
    expect(byName.get('restore-c')?.reconciledAt ?? null).toBeNull();
  });

  /** Two stations in sync, and a dump of the server taken then. */
  async function twoStationsAndADump(prefix: string): Promise<{ a: Station; b: Station; dumpFile: string }> {
    const server = { url: url(), adminPassword, databaseUrl: database.url } as Parameters<typeof openTestStation>[0];
    const a = await openTestStation(server, `${prefix}-a`);
    const b = await openTestStation(server, `${prefix}-b`);
    stations.push(a, b);
    await a.sync.sync();
    await b.sync.sync();
    const dumpFile = join(mkdtempSync(join(tmpdir(), 'mostrador-dump-')), 'central.dump');
    execFileSync('pg_dump', ['-Fc', '-f', dumpFile, database.url]);
    return { a, b, dumpFile };
  }

  /**
   * A creates a product (5 in stock) after the backup, as whoever acts there; B pulls it and
   * sells 2, and the sale has not gone out yet.
   */
  async function saleOfALaterProduct(a: Station, b: Station, sku: string) {
    const product = a.shop.save('products', { sku, name: 'After the backup', price: 500, active: true });
    a.shop.save('stock_movements', { productId: product.id, quantity: 5, kind: 'purchase', stationId: a.id });
    await a.sync.sync();
    await b.sync.sync();
    const { sale } = b.shop.recordSale({ items: [{ productId: product.id, quantity: 2 }], paymentMethod: 'cash' });
    return { product, sale };
  }

  /** A new manager logged in at `station` only, acting there from now on: no other station can sign their rows. */
  async function actAsAManagerOnlyThere(station: Station, username: string): Promise<void> {
    const password = `${username}-pass-1`;
    const manager = await station.shop.saveUser({
      username,
      displayName: 'Manager',
      role: 'manager',
      active: true,
      password,
    });
    await station.unlock(username, password);
    station.actAs(manager.id);
  }

  async function reviewed(saleId: string) {
    const { token } = await login(url(), 'admin', adminPassword);
    const review = (await fetch(`${url()}/admin/review`, { headers: { authorization: `Bearer ${token}` } }).then((r) =>
      r.json(),
    )) as ReviewResponse;
    return review.groups.find((g) => g.changes.some((c) => c.row.id === saleId)) ?? null;
  }

  function stockOf(state: Awaited<ReturnType<typeof serverState>>, productId: string): number {
    return state.stock_movements
      .filter((m) => m.productId === productId)
      .reduce((sum, m) => sum + Number(m.quantity), 0);
  }

  it('refuses a push from before the restore; the station reconciles, then its sale and the lost product apply', async () => {
    const { a, b, dumpFile } = await twoStationsAndADump('epoch');
    // A creates a product after the backup; B pulls it and sells it, and the sale has not
    // gone out when the server is restored (the chaos run's lost sale).
    const { product, sale } = await saleOfALaterProduct(a, b, 'LATE-1');
    await restore(dumpFile);

    // B pushes first, before any pull told it of the restore.
    const reconciled: ReconcileResult[] = [];
    b.sync.on('reconciled', (r) => reconciled.push(r));
    await b.sync.pushOutbox();
    expect(reconciled).toEqual([expect.objectContaining({ reason: expect.stringMatching(/restored or replaced/) })]);
    expect(b.store.outbox.flagged()).toEqual([]);
    expect(await reviewed(sale.id)).toBeNull();

    await b.sync.sync();
    await a.sync.sync();
    await a.sync.sync();
    await b.sync.sync();
    const state = await serverState(url(), stationToken(a));
    expect(state.sales.map((row) => row.id)).toContain(sale.id);
    expect(stockOf(state, product.id)).toBe(3);
    for (const station of [a, b]) expect(station.dump().tables).toEqual(state);
  });

  it('applies a held sale by itself once the product it names is pushed again by the station that can sign it', async () => {
    const { a, b, dumpFile } = await twoStationsAndADump('late');
    // The product is written by a manager logged in at A only: B holds it but cannot sign it.
    await actAsAManagerOnlyThere(a, 'late-mgr');
    const { product, sale } = await saleOfALaterProduct(a, b, 'LATE-2');
    await restore(dumpFile);

    // B reconciles and sends its sale; the product it queued again waits for the manager's
    // login there, so the server holds the sale: it names a product the server lost.
    await b.sync.sync();
    expect(b.store.outbox.flagged().filter((row) => row.table === 'sales')).toEqual([
      expect.objectContaining({ id: sale.id, state: 'held', code: 'MISSING_REFERENCE' }),
    ]);
    expect(await reviewed(sale.id)).toMatchObject({ status: 'pending', code: 'MISSING_REFERENCE' });

    // A reconciles and pushes the product again; B, pulling it, sends the waiting sale again
    // by itself (no write of its own to push), and the server applies it whole.
    await a.sync.sync();
    await a.sync.sync();
    const pushedAgain = new Promise<void>((resolve) => b.sync.on('pushed', () => resolve()));
    await b.sync.pullChanges();
    await pushedAgain;
    await a.sync.sync();

    const state = await serverState(url(), stationToken(a));
    expect(state.sales.map((row) => row.id)).toContain(sale.id);
    expect(stockOf(state, product.id)).toBe(3);
    expect(await reviewed(sale.id)).toMatchObject({ status: 'accepted', decidedBy: null });
    // The product B queued again for the manager to sign there came back from the server at
    // the same version: B has nothing left waiting, though the manager never logged in at B.
    expect(b.store.outbox.flagged()).toEqual([]);
    expect(b.sync.status()).toMatchObject({ pending: 0, flagged: 0 });
    expect(b.conflicts()).toEqual([]);
    expect(b.dump().tables).toEqual(state);
  });

  it('lets the server’s newer version replace a row waiting for a user who never logs in here', async () => {
    const { a, b, dumpFile } = await twoStationsAndADump('newer');
    await actAsAManagerOnlyThere(a, 'newer-mgr');
    const product = a.shop.save('products', {
      sku: 'NEWER-1',
      name: 'Before the price change',
      price: 500,
      active: true,
    });
    await a.sync.sync();
    await b.sync.sync();
    await restore(dumpFile);

    // B reconciles first: the server lost the product, and only the manager (logged in at A)
    // can sign it, so B queues it to sign at the manager's next login there.
    await b.sync.sync();
    expect(b.store.outbox.flagged()).toEqual([
      expect.objectContaining({ id: product.id, state: 'unsigned', code: 'NOT_LOGGED_IN' }),
    ]);
    // A reconciles, pushes the product again and then changes its price.
    await a.sync.sync();
    await a.sync.sync();
    a.shop.save('products', { ...a.get('products', product.id), price: 650 });
    await a.sync.sync();

    await b.sync.sync();
    expect(b.get('products', product.id)).toMatchObject({ price: 650 });
    expect(b.store.outbox.flagged()).toEqual([]);
    expect(b.sync.status()).toMatchObject({ pending: 0, flagged: 0 });
    // B's own copy was the older version of the same row: kept in the conflict log.
    expect(b.conflicts()).toEqual([
      expect.objectContaining({ table: 'products', id: product.id, code: 'NOT_LOGGED_IN' }),
    ]);
    const state = await serverState(url(), stationToken(a));
    expect(b.dump().tables).toEqual(state);
  });
});
