import { setTimeout as sleep } from 'node:timers/promises';
import { MostradorError } from '@mostrador/common';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loginAdmin, startTestServer, type TestServer } from '../../../../test/support/server.js';
import { openTestStation, serverState, stationToken } from '../../../../test/support/station.js';
import type { Station } from '../station.js';

let server: TestServer;
const stations: Station[] = [];

async function station(name: string, options = {}): Promise<Station> {
  const opened = await openTestStation(server, name, options);
  stations.push(opened);
  return opened;
}

beforeAll(async () => {
  server = await startTestServer();
});

afterAll(async () => {
  for (const s of stations) s.close();
  await server?.close();
});

describe('sync between stations through the server', () => {
  it('bootstraps a fresh station to exactly the server state, deleted rows included', async () => {
    const a = await station('boot-a');
    const kept = a.shop.save('products', { sku: 'BOOT-1', name: 'Yerba 1kg', price: 3500, active: true });
    const gone = a.shop.save('providers', { name: 'Old supplier' });
    a.shop.remove('providers', gone.id);
    await a.sync.sync();
    const b = await station('boot-b');
    const state = await serverState(server.url, stationToken(b));
    expect(b.dump().tables).toEqual(state);
    expect(b.get('products', kept.id)?.name).toBe('Yerba 1kg');
    expect(b.get('providers', gone.id)?.deletedAt).toBeTruthy();
    expect(b.dump().pending).toBe(0);
  });

  it('converges when two stations edit the same and different rows offline, in either sync order', async () => {
    const a = await station('conv-a');
    const shared = a.shop.save('customers', { name: 'Ana' });
    const onlyA = a.shop.save('customers', { name: 'Beto' });
    await a.sync.sync();
    const b = await station('conv-b');
    a.shop.save('customers', { id: shared.id, name: 'Ana from A' });
    a.shop.save('customers', { id: onlyA.id, phone: '555-1' });
    b.shop.save('customers', { id: shared.id, name: 'Ana from B', email: 'ana@b.example' });
    await b.sync.sync();
    await a.sync.sync();
    await b.sync.sync();
    const state = await serverState(server.url, stationToken(a));
    expect(a.dump().tables).toEqual(state);
    expect(b.dump().tables).toEqual(state);
    // Last writer wins per row: B wrote last, whichever synced first.
    expect(a.get('customers', shared.id)).toMatchObject({ name: 'Ana from B', email: 'ana@b.example' });
    expect(b.get('customers', onlyA.id)?.phone).toBe('555-1');
  });

  it('never lets a pull overwrite a local edit still waiting in the outbox', async () => {
    const a = await station('guard-a');
    const b = await station('guard-b');
    const customer = a.shop.save('customers', { name: 'Original' });
    await a.sync.sync();
    await b.sync.sync();
    const mine = a.shop.save('customers', { id: customer.id, name: 'Edited on A first' });
    await sleep(5); // B's edit is later by the clock, not only in program order
    b.shop.save('customers', { id: customer.id, name: 'Edited on B later' });
    await b.sync.sync();
    await a.sync.pullChanges();
    expect(a.get('customers', customer.id)?.name).toBe('Edited on A first');
    await a.sync.sync();
    // A's edit lost to B's newer one, and the server kept it in the conflict log.
    expect(a.get('customers', customer.id)?.name).toBe('Edited on B later');
    const conflicts = await fetch(`${server.url}/admin/conflicts`, {
      headers: { authorization: `Bearer ${await loginAdmin(server.url)}` },
    }).then((r) => r.json());
    expect(conflicts.conflicts.map((c: { lost: { version: string } }) => c.lost.version)).toContain(mine.version);
  });

  it('propagates a delete to every station', async () => {
    const a = await station('del-a');
    const b = await station('del-b');
    const product = a.shop.save('products', { sku: 'DEL-1', name: 'Discontinued', price: 100, active: true });
    await a.sync.sync();
    await b.sync.sync();
    expect(b.get('products', product.id)?.deletedAt).toBeNull();
    b.shop.remove('products', product.id);
    await b.sync.sync();
    await a.sync.sync();
    expect(a.get('products', product.id)?.deletedAt).toBeTruthy();
    expect(a.shop.searchProducts('Discontinued')).toEqual([]);
  });

  it('counts offline sales of the same product on two stations in the stock everywhere', async () => {
    const a = await station('stock-a');
    const product = a.shop.save('products', { sku: 'STK-1', name: 'Mate', price: 2000, active: true });
    a.shop.recordPurchase(product.id, 10);
    await a.sync.sync();
    const b = await station('stock-b');
    const saleA = a.shop.recordSale({ items: [{ productId: product.id, quantity: 3 }], paymentMethod: 'cash' });
    const saleB = b.shop.recordSale({ items: [{ productId: product.id, quantity: 2 }], paymentMethod: 'card' });
    expect(saleA.sale.number).not.toBe(saleB.sale.number);
    await a.sync.sync();
    await b.sync.sync();
    await a.sync.sync();
    expect(a.shop.stockOf(product.id)).toBe(5);
    expect(b.shop.stockOf(product.id)).toBe(5);
    const c = await station('stock-c');
    expect(c.shop.stockOf(product.id)).toBe(5);
  });

  it('lets an edit made after pulling win everywhere even when its station clock is an hour behind', async () => {
    const a = await station('clock-a');
    const late = await station('clock-late', { wallClock: () => Date.now() - 3_600_000 });
    const product = a.shop.save('products', { sku: 'CLK-1', name: 'Original', price: 100, active: true });
    await a.sync.sync();
    await late.sync.sync();
    a.shop.save('products', { id: product.id, name: 'Edited by A' });
    await a.sync.sync();
    await late.sync.sync();
    expect(late.get('products', product.id)?.name).toBe('Edited by A');
    late.shop.save('products', { id: product.id, name: 'Edited later by the late station' });
    await late.sync.sync();
    await a.sync.sync();
    expect(a.get('products', product.id)?.name).toBe('Edited later by the late station');
    const state = await serverState(server.url, stationToken(a));
    expect(state.products.find((p) => p.id === product.id)?.name).toBe('Edited later by the late station');
  });

  it('keeps the loser of an offline unique clash flagged with the reason while everything else syncs', async () => {
    const a = await station('uniq-a');
    const b = await station('uniq-b');
    // The same barcode on two different products (the same SKU would merge them into one).
    const first = a.shop.save('products', {
      sku: 'UNI-A',
      barcode: 'SAME-BAR',
      name: 'From A',
      price: 100,
      active: true,
    });
    const second = b.shop.save('products', {
      sku: 'UNI-B',
      barcode: 'SAME-BAR',
      name: 'From B',
      price: 200,
      active: true,
    });
    const other = b.shop.save('customers', { name: 'Carla' });
    await a.sync.sync();
    await b.sync.sync();
    expect(b.flagged()).toEqual([
      expect.objectContaining({ table: 'products', id: second.id, code: 'UNIQUE_VIOLATION', state: 'held' }),
    ]);
    expect(b.get('products', second.id)?.name).toBe('From B');
    expect(b.get('products', first.id)?.name).toBe('From A');
    await a.sync.sync();
    expect(a.get('customers', other.id)?.name).toBe('Carla');
    // The refused group waits whole for an admin's review (sent again only to learn its fate);
    // a person's fix is a new group of its own, which goes through.
    expect((await b.sync.sync()).pushed).toBe(0);
    expect(b.flagged()).toEqual([expect.objectContaining({ id: second.id, state: 'held' })]);
    b.shop.save('products', { id: second.id, barcode: 'OTHER-BAR' });
    await b.sync.sync();
    await a.sync.sync();
    expect(a.get('products', second.id)?.barcode).toBe('OTHER-BAR');
    expect(b.flagged()).toEqual([]);
    expect(b.sync.pending).toBe(0);
  });
});

describe('sync failures', () => {
  it('refuses bad credentials at enrollment with INVALID_CREDENTIALS', async () => {
    const attempt = openTestStation({ ...server, adminPassword: 'wrong-password' }, 'bad-creds');
    await expect(attempt).rejects.toMatchObject({ code: 'INVALID_CREDENTIALS' });
  });

  it('reports an unreachable server as SERVER_UNREACHABLE and keeps the outbox', async () => {
    const a = await station('unreach');
    a.store.meta.set('serverUrl', 'http://127.0.0.1:9/');
    a.shop.save('customers', { name: 'Queued' });
    const error = await a.sync.sync().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MostradorError);
    expect((error as MostradorError).code).toBe('SERVER_UNREACHABLE');
    expect(a.sync.pending).toBe(1);
    expect(a.sync.status()).toMatchObject({ reachable: false, lastError: { code: 'SERVER_UNREACHABLE' } });
  });
});
