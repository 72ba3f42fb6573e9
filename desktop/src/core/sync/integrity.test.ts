import type { StationView } from '@mostrador/common';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loginAdmin, startTestServer, type TestServer } from '../../../../test/support/server.js';
import { openTestStation, serverState, stationToken } from '../../../../test/support/station.js';
import { LiveClient } from '../live/live-client.js';
import type { Station } from '../station.js';
import type { CheckResult } from './checksum.js';

/**
 * Checksums (DESIGN.md "Integrity"): station and server compare per table and per bucket a
 * count and a hash over each row, and a bucket that differs is repaired by re-pulling that
 * bucket only — whether the server's rows were changed behind its back or the station's file.
 */
describe('integrity checks', () => {
  let server: TestServer;
  let db: pg.Client;
  const stations: Station[] = [];

  beforeAll(async () => {
    server = await startTestServer();
    db = new pg.Client({ connectionString: server.databaseUrl });
    await db.connect();
  });

  afterAll(async () => {
    for (const s of stations) s.close();
    await db?.end();
    await server?.close();
  });

  async function monitor(name: string): Promise<StationView | undefined> {
    const response = await fetch(`${server.url}/admin/stations`, {
      headers: { authorization: `Bearer ${await loginAdmin(server.url)}` },
    });
    return ((await response.json()) as { stations: StationView[] }).stations.find((s) => s.name === name);
  }

  it('finds nothing to repair after a bootstrap, and says when it checked', async () => {
    const a = await openTestStation(server, 'check-a');
    stations.push(a);
    for (let i = 0; i < 40; i += 1) a.shop.save('customers', { name: `Cliente ${i}`, email: `c${i}@example.com` });
    a.shop.save('products', { sku: 'CHK-1', name: 'Mate ñandú 🧉', price: 990, active: true });
    await a.sync.sync();
    const b = await openTestStation(server, 'check-b');
    stations.push(b);
    // A first bootstrap leaves its check to the periodic one (manager.ts): none has run yet.
    expect(b.sync.status()).toMatchObject({ checkResult: null, checkedAt: null });
    // The check it defers finds the bootstrapped station equal to the server, bucket by bucket.
    const checked: CheckResult[] = [];
    b.sync.on('checked', (r) => checked.push(r));
    const result = await b.sync.checkIntegrity();
    expect(result).toMatchObject({ status: 'ok', repaired: [] });
    expect(checked).toEqual([result]);
    expect(b.sync.status()).toMatchObject({ checkResult: 'ok', checkedAt: result.at });
    expect((await monitor('check-b'))?.checkedAt).toEqual(expect.any(String));
  });

  it('catches rows changed behind the server by direct SQL and repairs only their buckets', async () => {
    const a = await openTestStation(server, 'sql-a');
    stations.push(a);
    const product = a.shop.save('products', { sku: 'SQL-1', name: 'Yerba', price: 3500, active: true });
    const provider = a.shop.save('providers', { name: 'Lost by hand' });
    await a.sync.sync();
    // A hand fix that keeps the version (nothing would ever announce it) and a row deleted outright.
    await db.query('UPDATE products SET price = 1 WHERE id = $1', [product.id]);
    await db.query('DELETE FROM providers WHERE id = $1', [provider.id]);

    const checked: CheckResult[] = [];
    a.sync.on('checked', (r) => checked.push(r));
    const result = await a.sync.checkIntegrity();
    expect(result.status).toBe('repaired');
    expect(result.repaired).toEqual(
      expect.arrayContaining([
        { table: 'products', bucket: product.id[0], fixed: 1, requeued: 0 },
        { table: 'providers', bucket: provider.id[0], fixed: 0, requeued: 1 },
      ]),
    );
    // Only the differing buckets were re-pulled, not the tables.
    expect(result.repaired.every((r) => r.table === 'products' || r.table === 'providers')).toBe(true);
    expect(checked).toHaveLength(1);
    // The server is the source of truth for the row it holds; the row it lost goes back.
    expect(a.get('products', product.id)?.price).toBe(1);
    await a.sync.sync();
    const state = await serverState(server.url, stationToken(a));
    expect(state.providers.map((p) => p.id)).toContain(provider.id);
    expect(a.dump().tables).toEqual(state);
    expect((await a.sync.checkIntegrity()).status).toBe('ok');
    expect((await monitor('sql-a'))?.repairedAt).toEqual(expect.any(String));
  });

  it('repairs a station whose own database was edited by hand', async () => {
    const a = await openTestStation(server, 'file-a');
    stations.push(a);
    const customer = a.shop.save('customers', { name: 'Original' });
    await a.sync.sync();
    a.store.db.prepare("UPDATE customers SET name = 'Tampered' WHERE id = ?").run(customer.id);
    const result = await a.sync.checkIntegrity();
    expect(result.status).toBe('repaired');
    expect(a.get('customers', customer.id)?.name).toBe('Original');
  });

  it('checks periodically while online and repairs without being asked', async () => {
    const a = await openTestStation(server, 'periodic-a');
    stations.push(a);
    const customer = a.shop.save('customers', { name: 'Kept right' });
    await a.sync.sync();
    const checked: CheckResult[] = [];
    a.sync.on('checked', (r) => checked.push(r));
    const live = new LiveClient(a, { appVersion: 'test', checkEveryMs: 150 });
    live.on('error', () => {});
    live.start();
    try {
      a.store.db.prepare("UPDATE customers SET name = 'Drifted' WHERE id = ?").run(customer.id);
      const deadline = Date.now() + 15_000;
      while (!checked.some((r) => r.status === 'repaired') && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    } finally {
      live.stop();
    }
    expect(checked.some((r) => r.status === 'repaired')).toBe(true);
    expect(a.get('customers', customer.id)?.name).toBe('Kept right');
  });
});
