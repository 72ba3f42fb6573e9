import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../../../../test/support/server.js';
import {
  enrolledStation,
  openTestStation,
  serverState,
  stationToken,
  tempDataDir,
} from '../../../../test/support/station.js';
import { Station } from '../station.js';
import { overTheNetwork, ServerClient } from './client.js';
import { pullSnapshot } from './snapshot.js';

let server: TestServer;

beforeAll(async () => {
  server = await startTestServer();
});
afterAll(async () => {
  await server?.close();
});

class Stop extends Error {}

/** A new station's folder, enrolled, with nothing pulled yet. */
async function enrolled(name: string): Promise<{ dataDir: string; client: ServerClient }> {
  const dataDir = tempDataDir(name);
  const station = await enrolledStation(server, name, { dataDir });
  const client = new ServerClient({ baseUrl: server.url, token: stationToken(station) });
  station.close();
  return { dataDir, client };
}

async function serverHead(station: Station): Promise<number> {
  const response = await fetch(`${server.url}/sync/pull?cursor=0&limit=1&format=columns`, {
    headers: { authorization: `Bearer ${stationToken(station)}` },
  });
  return ((await response.json()) as { head: number }).head;
}

describe('bootstrap from the snapshot', () => {
  it('reads on where a stopped station left off and ends with the changes made meanwhile', async () => {
    const seeder = await openTestStation(server, 'snap-seeder');
    const customers = seeder.store.transaction(() =>
      Array.from({ length: 40 }, (_, i) => seeder.shop.save('customers', { name: `Cliente ${i}` })),
    );
    const products = seeder.store.transaction(() =>
      Array.from({ length: 10 }, (_, i) =>
        seeder.shop.save('products', { sku: `SNAP-${i}`, name: `P ${i}`, price: 100, active: true }),
      ),
    );
    await seeder.sync.pushOutbox();

    // The station reads two pages of customers (5 rows each, in id order), then stops dead.
    const { dataDir, client } = await enrolled('snap-resume');
    const stopping = Station.open({ dataDir });
    let pages = 0;
    const stopped = pullSnapshot(stopping.store, client, 5, (page) => {
      if (page.tables.includes('customers') && ++pages === 2) throw new Stop();
    });
    await expect(stopped).rejects.toBeInstanceOf(Stop);
    const place = JSON.parse(stopping.store.meta.get('snapshot') ?? 'null');
    expect(place).toMatchObject({ table: 'customers' });
    expect(stopping.store.meta.getNumber('cursor')).toBe(0);
    const read = stopping.store.rows.all('customers');
    expect(read).toHaveLength(10);
    expect(place.after).toBe(read.at(-1)?.id);
    stopping.close();

    // Meanwhile, on the server: rows already read and not yet read change, some are deleted,
    // new ones appear on both sides of where the station stopped, in tables read and not.
    const sorted = [...customers].sort((a, b) => (a.id < b.id ? -1 : 1));
    const before = sorted[3];
    const beyond = sorted[30];
    if (!before || !beyond) throw new Error('seeded customers missing');
    seeder.shop.save('customers', { id: before.id, name: 'Read, then renamed' });
    seeder.shop.save('customers', { id: beyond.id, name: 'Renamed before it was read' });
    seeder.shop.remove('customers', sorted[1]?.id as string);
    seeder.shop.remove('products', products[0]?.id as string);
    seeder.store.transaction(() => {
      for (let i = 0; i < 20; i += 1) seeder.shop.save('customers', { name: `Nuevo ${i}` });
      seeder.shop.save('providers', { name: 'Provider after the snapshot began' });
    });
    await seeder.sync.pushOutbox();

    const resumed = Station.open({ dataDir, sync: { bootstrapLimit: 5 } });
    await resumed.sync.pullChanges();
    expect(resumed.store.meta.get('snapshot')).toBeNull();
    expect(resumed.sync.cursor).toBe(await serverHead(seeder));
    expect(resumed.dump().tables).toEqual(await serverState(server.url, stationToken(seeder)));
    expect(resumed.get('customers', before.id)?.name).toBe('Read, then renamed');
    // The indexes set aside for the bootstrap are back.
    const indexes = resumed.store.db.prepare("SELECT name FROM sqlite_master WHERE name = 'products_sku'").all();
    expect(indexes).toHaveLength(1);
    resumed.close();
    seeder.close();
  });

  it('starts over in a new server history instead of reading on from an old place', async () => {
    const { dataDir, client } = await enrolled('snap-epoch');
    const station = Station.open({ dataDir });
    await expect(
      pullSnapshot(station.store, client, 1, () => {
        throw new Stop();
      }),
    ).rejects.toBeInstanceOf(Stop);
    expect(station.store.meta.get('snapshot')).not.toBeNull();
    // The server's database was replaced meanwhile: another epoch.
    station.store.meta.set('epoch', 'another-history');
    await station.sync.pullChanges();
    expect(station.store.meta.get('snapshot')).toBeNull();
    expect(station.dump().tables).toEqual(await serverState(server.url, stationToken(station)));
    station.close();
  });

  it('bootstraps from gzipped pages when its server is not on this machine, and from plain ones when it is', async () => {
    const seeder = await openTestStation(server, 'gz-seeder');
    seeder.store.transaction(() => {
      for (let i = 0; i < 400; i += 1) {
        seeder.shop.save('customers', { name: `Cliente lejano ${i}`, email: `lejano${i}@example.com` });
      }
    });
    await seeder.sync.sync();
    seeder.close();
    expect(overTheNetwork('https://mostrador.up.railway.app/')).toBe(true);
    expect(overTheNetwork(server.url)).toBe(false);

    // Every answer's encoding as fetch received it (the real requests, only watched).
    const encodings: string[] = [];
    const realFetch = globalThis.fetch;
    globalThis.fetch = async (...args: Parameters<typeof fetch>) => {
      const response = await realFetch(...args);
      encodings.push(response.headers.get('content-encoding') ?? 'identity');
      return response;
    };
    try {
      // The test server is on this machine: a station asks for gzip only when told to.
      const far = await openTestStation(server, 'gz-far', { sync: { compressedPages: true } });
      expect(encodings).toContain('gzip');
      expect(far.dump().tables).toEqual(await serverState(server.url, stationToken(far)));
      far.close();
      encodings.length = 0;
      const near = await openTestStation(server, 'gz-near');
      expect(encodings.length).toBeGreaterThan(0);
      expect(encodings).not.toContain('gzip');
      expect(near.dump().tables).toEqual(await serverState(server.url, stationToken(near)));
      near.close();
    } finally {
      globalThis.fetch = realFetch;
    }
  });
});
