import { once } from 'node:events';
import { setTimeout as sleep } from 'node:timers/promises';
import type { MostradorError } from '@mostrador/common';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { FaultProxy } from '../../../../test/support/fault-proxy.js';
import { startTestServer, type TestServer } from '../../../../test/support/server.js';
import { serverWithStations } from '../../../../test/support/server-stations.js';
import { openTestStation, serverState, stationToken } from '../../../../test/support/station.js';
import { LiveClient } from '../live/live-client.js';
import type { Station } from '../station.js';

async function until(what: string, check: () => boolean, ms = 20_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
}

/** How long a promise takes to settle, and how (never fails on the figure: it only bounds a hang). */
async function settles<T>(promise: Promise<T>, withinMs: number): Promise<{ ok: boolean; value: unknown }> {
  const hung = Symbol('hung');
  const outcome = await Promise.race([
    promise.then(
      (value) => ({ ok: true, value }),
      (value: unknown) => ({ ok: false, value }),
    ),
    sleep(withinMs).then(() => hung),
  ]);
  if (outcome === hung) throw new Error(`still unsettled after ${withinMs} ms`);
  return outcome as { ok: boolean; value: unknown };
}

/**
 * A route to the server that accepts connections and drops them at once (a proxy or load
 * balancer whose backend is down), or accepts and never answers: no request, lock or
 * channel of the station waits forever, and once the route heals the station catches up
 * by itself.
 */
describe('nothing waits forever', () => {
  let server: TestServer;
  // One proxy per test: a fresh address, so no kept-alive connection of an earlier test is reused.
  let proxy: FaultProxy;
  const stations: Station[] = [];
  const lives: LiveClient[] = [];

  beforeAll(async () => {
    server = await startTestServer();
  });

  afterEach(async () => {
    for (const live of lives.splice(0)) live.stop();
    await proxy?.close();
  });

  afterAll(async () => {
    for (const s of stations) s.close();
    await server?.close();
  });

  async function behindProxy(name: string): Promise<Station> {
    proxy = await FaultProxy.start(Number(new URL(server.url).port));
    const station = await openTestStation(server, name, { sync: { requestTimeoutMs: 700 } });
    station.store.meta.set('serverUrl', proxy.url);
    stations.push(station);
    return station;
  }

  function goLive(station: Station): LiveClient {
    const live = new LiveClient(station, { appVersion: 'test', backoff: { initialMs: 50, maxMs: 400 } });
    live.on('error', () => {});
    lives.push(live);
    live.start();
    return live;
  }

  it('answers sync with SERVER_UNREACHABLE while connections are dropped, then catches up on its own', async () => {
    const station = await behindProxy('drop');
    proxy.setMode('reset');
    goLive(station);
    const rows = Array.from({ length: 25 }, (_, i) => station.shop.save('customers', { name: `Offline ${i}` }));
    const failed = await settles(station.sync.sync(), 15_000);
    expect(failed.ok).toBe(false);
    expect((failed.value as MostradorError).code).toBe('SERVER_UNREACHABLE');
    expect(station.sync.pending).toBe(25);

    proxy.setMode('forward');
    await until('the outbox to drain', () => station.sync.pending === 0);
    const state = await serverState(server.url, stationToken(station));
    const ids = new Set(state.customers.map((c) => c.id));
    expect(rows.every((row) => ids.has(row.id))).toBe(true);
  });

  it('never lets a request that gets no answer hold the sync lock past its deadline', async () => {
    const station = await behindProxy('hang');
    proxy.setMode('hang');
    const hung = settles(station.sync.pullChanges(), 15_000);
    station.shop.save('customers', { name: 'Waiting behind a hung pull' });
    // Queued behind the hung pull on the same lock: it must get its turn.
    const queued = settles(station.sync.sync(), 20_000);
    expect((await hung).ok).toBe(false);
    proxy.setMode('forward');
    const result = await queued;
    if (!result.ok) {
      // The route healed while the queued sync was already failing: the next one goes through.
      expect(((await settles(station.sync.sync(), 15_000)).value as { pushed: number }).pushed).toBe(1);
    }
    expect(station.sync.pending).toBe(0);
  });

  it('says when it has not synced for longer than expected, and stops saying it once synced', async () => {
    proxy = await FaultProxy.start(Number(new URL(server.url).port));
    const station = await openTestStation(server, 'overdue', { sync: { requestTimeoutMs: 700, overdueMs: 300 } });
    station.store.meta.set('serverUrl', proxy.url);
    stations.push(station);
    expect(station.sync.status().overdue).toBe(false);
    proxy.setMode('reset');
    station.shop.save('customers', { name: 'Waiting' });
    await station.sync.sync().catch(() => {});
    await sleep(400);
    expect(station.sync.status()).toMatchObject({ overdue: true, pending: 1 });
    proxy.setMode('forward');
    await station.sync.sync();
    expect(station.sync.status()).toMatchObject({ overdue: false, pending: 0, syncedAt: expect.any(String) });
  });

  it('starts the live channel while the route is down, and goes online when it heals', async () => {
    const station = await behindProxy('live');
    proxy.setMode('reset');
    const live = goLive(station);
    await sleep(300);
    expect(live.connected).toBe(false);
    proxy.setMode('forward');
    const online = once(live, 'online');
    await settles(online, 15_000);
    expect(live.connected).toBe(true);
  });
});

describe('sync covers every write made before it was asked', () => {
  const central = serverWithStations();

  it('does not answer from a sync already past its push', async () => {
    const station = await central.openStation('waits');
    station.shop.save('customers', { name: 'First' });
    const first = station.sync.sync();
    await once(station.sync, 'pushed'); // the first sync is now pulling, its push done
    const late = station.shop.save('customers', { name: 'Written during the first sync' });
    const second = await station.sync.sync();
    await first;
    expect(second.pushed).toBeGreaterThanOrEqual(1);
    expect(station.sync.pending).toBe(0);
    const state = await serverState(central.server.url, stationToken(station));
    expect(state.customers.map((c) => c.id)).toContain(late.id);
  });
});
