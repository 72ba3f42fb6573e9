/**
 * kill -9 of a `station` process in the middle of a bootstrap and of a push: after a
 * restart it resumes from what it committed, converges with the server, and nothing is
 * duplicated or lost. Small pages and many rows keep the process busy long enough to be
 * killed in the middle; a test that misses the window fails instead of passing vacuously.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import Database from 'better-sqlite3';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Station } from '../desktop/src/core/index.js';
import { startTestServer, type TestServer } from '../test/support/server.js';
import {
  openTestStation,
  runStation,
  serverState,
  spawnStation,
  stationToken,
  tempDataDir,
} from '../test/support/station.js';

let server: TestServer;
let central: pg.Client;

beforeAll(async () => {
  server = await startTestServer();
  central = new pg.Client({ connectionString: server.databaseUrl });
  await central.connect();
});
afterAll(async () => {
  await central?.end();
  await server?.close();
});

async function serverHead(): Promise<number> {
  const { rows } = await central.query('SELECT head FROM sync_state WHERE id = 1');
  return Number(rows[0].head);
}

/** Read the child's committed cursor, products and pending groups, or null while its database is not there yet. */
function peek(dataDir: string): { cursor: number; products: number; pending: number } | null {
  const path = join(dataDir, 'station.db');
  if (!existsSync(path)) return null;
  try {
    const db = new Database(path, { readonly: true, fileMustExist: true });
    try {
      const cursor = db.prepare("SELECT value FROM meta WHERE key = 'cursor'").get() as { value: string } | undefined;
      const pending = db.prepare("SELECT count(*) AS n FROM outbox_groups WHERE state = 'pending'").get() as {
        n: number;
      };
      const products = db.prepare('SELECT count(*) AS n FROM products').get() as { n: number };
      return { cursor: Number(cursor?.value ?? 0), products: products.n, pending: pending.n };
    } finally {
      db.close();
    }
  } catch {
    return null;
  }
}

async function killWhen(
  child: ReturnType<typeof spawnStation>,
  ready: () => Promise<boolean> | boolean,
): Promise<void> {
  let exited = false;
  let stderr = '';
  child.stderr?.on('data', (chunk) => (stderr += chunk));
  child.on('exit', () => (exited = true));
  while (!exited && !(await ready())) await sleep(2);
  if (exited) throw new Error(`the station finished before it could be killed: widen the window (${stderr})`);
  child.kill('SIGKILL');
  await new Promise((resolve) => child.on('close', resolve));
}

function enrollArgs(dataDir: string, name: string): string[] {
  return [
    'enroll',
    '--server',
    server.url,
    '--name',
    name,
    '--user',
    'admin',
    '--password',
    server.adminPassword,
    '--data',
    dataDir,
  ];
}

describe('a station killed with SIGKILL', () => {
  it('resumes an interrupted bootstrap and ends with exactly the server state', async () => {
    const seeder = await openTestStation(server, 'seeder');
    seeder.store.transaction(() => {
      for (let i = 0; i < 12_000; i += 1) {
        seeder.shop.save('products', { sku: `BOOT-${i}`, name: `Product ${i}`, price: 100 + i, active: true });
      }
    });
    await seeder.sync.pushOutbox();
    const head = await serverHead();

    const dataDir = tempDataDir('boot-crash');
    const child = spawnStation(enrollArgs(dataDir, 'boot-crash'), { MOSTRADOR_BOOTSTRAP_LIMIT: '100' });
    // Killed with some of the products committed (mid-snapshot: the cursor is still 0).
    await killWhen(child, () => (peek(dataDir)?.products ?? 0) > 0);
    const atKill = peek(dataDir);
    expect(atKill?.products).toBeGreaterThan(0);
    expect(atKill?.products).toBeLessThan(12_000);
    expect(atKill?.cursor).toBeLessThan(head);

    const resumed = await runStation(['sync', '--data', dataDir]);
    expect(resumed.error).toBeNull();
    expect(resumed.json.cursor).toBe(head);
    const dump = (await runStation(['dump', '--data', dataDir])).json;
    expect(dump.tables).toEqual(await serverState(server.url, stationToken(seeder)));
    expect(dump.tables.products).toHaveLength(12_000);
    // The bootstrap defers the secondary indexes; the resumed station has them all back.
    const db = new Database(join(dataDir, 'station.db'), { readonly: true });
    const indexes = db.prepare("SELECT name FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL").all();
    db.close();
    expect(indexes).toEqual(expect.arrayContaining([{ name: 'products_sku' }, { name: 'products_name' }]));
    seeder.close();
  });

  it('resumes an interrupted push without duplicating, losing or splitting a group', async () => {
    const dataDir = tempDataDir('push-crash');
    expect((await runStation(enrollArgs(dataDir, 'push-crash'))).code).toBe(0);
    const local = Station.open({ dataDir });
    await local.login('admin', server.adminPassword);
    const product = local.shop.save('products', { sku: 'PUSH-STOCK', name: 'Counted', price: 500, active: true });
    local.shop.recordPurchase(product.id, 10_000);
    // Each sale is its own transaction, so its own group: a sale, 2 items, 2 movements.
    for (let i = 0; i < 1_000; i += 1) {
      if (i % 4 === 0) local.shop.save('customers', { name: `Customer ${i}` });
      local.shop.recordSale({
        items: [
          { productId: product.id, quantity: 1 },
          { productId: product.id, quantity: 2 },
        ],
        paymentMethod: 'cash',
      });
    }
    const queued = peek(dataDir)?.pending ?? 0;
    local.close();
    const before = await serverHead();

    // Pages of at most 12 rows: two sales per push, and the kill lands between or inside pushes.
    const child = spawnStation(['sync', '--data', dataDir], { MOSTRADOR_PUSH_PAGE: '12' });
    await killWhen(child, async () => (await serverHead()) > before + 200);
    const atKill = peek(dataDir);
    expect(atKill?.pending).toBeGreaterThan(0);
    expect(atKill?.pending).toBeLessThan(queued);
    // Whatever reached the server, it reached it whole: every sale with both items and both movements.
    const halves = await central.query(
      `SELECT s.id FROM sales s
       WHERE (SELECT count(*) FROM sale_items i WHERE i."saleId" = s.id) <> 2
          OR (SELECT count(*) FROM stock_movements m WHERE m."refId" = s.id) <> 2`,
    );
    expect(halves.rows).toEqual([]);

    const resumed = await runStation(['sync', '--data', dataDir]);
    expect(resumed.error).toBeNull();
    const dump = (await runStation(['dump', '--data', dataDir])).json;
    expect(dump.pending).toBe(0);
    const { rows } = await central.query(
      'SELECT count(*)::int AS n, count(DISTINCT number)::int AS numbers FROM sales',
    );
    expect(rows[0]).toEqual({ n: 1_000, numbers: 1_000 });
    const state = await serverState(server.url, (await peekToken(dataDir)) as string);
    expect(dump.tables).toEqual(state);
    const stock = state.stock_movements
      .filter((m) => m.productId === product.id)
      .reduce((sum, m) => sum + (m.quantity as number), 0);
    expect(stock).toBe(10_000 - 3_000);
  });
});

async function peekToken(dataDir: string): Promise<string | undefined> {
  const db = new Database(join(dataDir, 'station.db'), { readonly: true });
  try {
    return (db.prepare("SELECT value FROM meta WHERE key = 'stationToken'").get() as { value: string }).value;
  } finally {
    db.close();
  }
}
