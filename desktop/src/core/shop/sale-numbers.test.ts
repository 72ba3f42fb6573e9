import { cpSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../../../../test/support/server.js';
import { openTestStation, serverState, stationToken, tempDataDir } from '../../../../test/support/station.js';
import { Station } from '../station.js';

/**
 * A station's data folder restored from a backup has an old sale counter. Once it has pulled
 * the sales it made after that backup, it numbers past them instead of repeating a number.
 */
describe('sale numbers after restoring a station folder', () => {
  let server: TestServer;
  const stations: Station[] = [];

  beforeAll(async () => {
    server = await startTestServer();
  });

  afterAll(async () => {
    for (const s of stations) s.close();
    await server?.close();
  });

  it('never repeats a number the shop already has', async () => {
    const dataDir = tempDataDir('numbers');
    const original = await openTestStation(server, 'numbers', { dataDir });
    const mate = original.shop.save('products', { sku: 'MATE-N', name: 'Mate', price: 2500, active: true });
    await original.sync.sync();
    original.close();
    const backup = tempDataDir('numbers-backup');
    cpSync(dataDir, backup, { recursive: true });

    const again = Station.open({ dataDir });
    stations.push(again);
    await again.login('admin', server.adminPassword);
    const before = [1, 2, 3].map(
      () => again.shop.recordSale({ items: [{ productId: mate.id, quantity: 1 }], paymentMethod: 'cash' }).sale,
    );
    await again.sync.sync();
    again.close();
    stations.pop();

    const restored = Station.open({ dataDir: backup });
    stations.push(restored);
    await restored.login('admin', server.adminPassword);
    await restored.sync.sync();
    const after = restored.shop.recordSale({ items: [{ productId: mate.id, quantity: 1 }], paymentMethod: 'card' });
    await restored.sync.sync();

    const numbers = (await serverState(server.url, stationToken(restored))).sales.map((s) => s.number);
    expect(numbers).toHaveLength(4);
    expect(new Set(numbers).size).toBe(4);
    expect(before.map((s) => s.number)).not.toContain(after.sale.number);
  });

  it('renumbers on the server a sale made offline with a number the shop already has, and the station adopts it', async () => {
    const dataDir = tempDataDir('renumber');
    const original = await openTestStation(server, 'renumber', { dataDir });
    const tea = original.shop.save('products', { sku: 'TEA-R', name: 'Té', price: 150, active: true });
    await original.sync.sync();
    original.close();
    const backup = tempDataDir('renumber-backup');
    cpSync(dataDir, backup, { recursive: true });

    const again = Station.open({ dataDir });
    stations.push(again);
    await again.login('admin', server.adminPassword);
    const printed = [1, 2].map(
      () => again.shop.recordSale({ items: [{ productId: tea.id, quantity: 1 }], paymentMethod: 'cash' }).sale,
    );
    await again.sync.sync();
    again.close();
    stations.pop();

    // The restored folder sells before it has heard of those two sales: its ticket repeats a number.
    const restored = Station.open({ dataDir: backup });
    stations.push(restored);
    await restored.login('admin', server.adminPassword);
    const { sale } = restored.shop.recordSale({ items: [{ productId: tea.id, quantity: 2 }], paymentMethod: 'card' });
    expect(sale.number).toBe(printed[0]?.number);
    await restored.sync.sync();

    const onServer = (await serverState(server.url, stationToken(restored))).sales;
    const numbers = onServer.map((s) => s.number);
    expect(new Set(numbers).size).toBe(numbers.length);
    const renumbered = onServer.find((s) => s.id === sale.id);
    expect(renumbered?.number).not.toBe(sale.number);
    expect(renumbered?.printedNumber).toBe(sale.number);
    // The station adopted the shop's number, and keeps the printed one in the sale's history.
    expect(restored.get('sales', sale.id)).toMatchObject({ number: renumbered?.number, printedNumber: sale.number });
    expect(restored.sync.pending).toBe(0);
    expect(restored.flagged()).toEqual([]);
  });
});
