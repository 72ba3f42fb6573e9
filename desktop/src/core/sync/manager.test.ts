import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../../../../test/support/server.js';
import { openTestStation, tempDataDir } from '../../../../test/support/station.js';
import { Station } from '../station.js';
import type { PulledEvent, PushedEvent } from './manager.js';

let server: TestServer;
const stations: Station[] = [];
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(async () => {
  for (const s of stations) s.close();
  await server?.close();
});

describe('the sync manager', () => {
  it('bootstraps with progress events up to the total and announces pages after they commit', async () => {
    const seeder = await openTestStation(server, 'progress-seed');
    stations.push(seeder);
    seeder.store.transaction(() => {
      for (let i = 0; i < 450; i += 1) seeder.shop.save('customers', { name: `C${i}` });
    });
    await seeder.sync.pushOutbox();
    const fresh = await Station.enroll({
      dataDir: tempDataDir('progress'),
      serverUrl: server.url,
      name: 'progress',
      username: 'admin',
      password: server.adminPassword,
      sync: { bootstrapLimit: 100 },
    });
    stations.push(fresh);
    const progress: { done: number; total: number }[] = [];
    const committed: number[] = [];
    fresh.sync.on('progress', (p) => progress.push(p));
    fresh.sync.on('pulled', (page: PulledEvent) => {
      // The event fires after the commit: the cursor it names is already in the database.
      committed.push(fresh.sync.cursor === page.cursor ? page.count : -1);
    });
    const result = await fresh.sync.pullChanges();
    expect(committed.every((n) => n > 0)).toBe(true);
    expect(progress.length).toBeGreaterThan(4);
    const last = progress.at(-1);
    expect(last).toEqual({ done: result.count, total: result.count });
    expect(progress.map((p) => p.done)).toEqual([...progress.map((p) => p.done)].sort((a, b) => a - b));
    expect(fresh.dump().tables.customers).toHaveLength(450);
  });

  it('queues one more sync behind the one in flight (later calls join it), and one more push for writes made during a push', async () => {
    const s = await openTestStation(server, 'joins');
    stations.push(s);
    s.shop.save('customers', { name: 'First' });
    const first = s.sync.sync();
    const second = s.sync.sync();
    expect(second).not.toBe(first);
    expect(s.sync.sync()).toBe(second);
    await Promise.all([first, second]);
    const pushed: PushedEvent[] = [];
    s.sync.on('pushed', (e) => pushed.push(e));
    s.shop.save('customers', { name: 'A' });
    const running = s.sync.pushOutbox();
    s.shop.save('customers', { name: 'B, written while A was pushing' });
    const queued = s.sync.pushOutbox();
    expect(s.sync.pushOutbox()).toBe(queued);
    await Promise.all([running, queued]);
    expect(s.sync.pending).toBe(0);
    expect(pushed.reduce((sum, e) => sum + e.count, 0)).toBe(2);
    expect(s.sync.status()).toMatchObject({ reachable: true, syncing: false, pending: 0, lastError: null });
  });

  it("corrects a station clock an hour behind by the server's time", async () => {
    const late = await openTestStation(server, 'offset', { wallClock: () => Date.now() - 3_600_000 });
    stations.push(late);
    expect(Math.abs(late.store.clock.offset - 3_600_000)).toBeLessThan(5_000);
    const row = late.shop.save('customers', { name: 'On time' });
    expect(Math.abs(Date.parse(row.updatedAt as string) - Date.now())).toBeLessThan(5_000);
  });
});
