import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { commitCustomers } from '../../../../test/support/live.js';
import { startTestServer, type TestServer } from '../../../../test/support/server.js';
import { openTestStation } from '../../../../test/support/station.js';
import type { Station } from '../index.js';
import { LiveClient } from './live-client.js';

/** NOTIFY heads as separate commits would, all at once. */
async function notifyHeads(url: string, heads: number[]): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await Promise.all(heads.map((head) => client.query(`SELECT pg_notify('mostrador_changes', $1)`, [String(head)])));
  } finally {
    await client.end();
  }
}

async function until(done: () => boolean, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!done()) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

/** The live client's calls for a pull (each one pull until up to date). */
function countPulls(station: Station): { readonly calls: number } {
  const counter = { calls: 0 };
  const pull = station.sync.pullChanges.bind(station.sync);
  station.sync.pullChanges = () => {
    counter.calls += 1;
    return pull();
  };
  return counter;
}

describe('station live client under a burst of notices', () => {
  let server: TestServer;
  let station: Station;
  let live: LiveClient;

  beforeAll(async () => {
    // Plain notices (no pages): every notice ahead of the station calls for a pull.
    server = await startTestServer({ live: { pageRows: 0 } });
    station = await openTestStation(server, 'Caja');
    live = new LiveClient(station, { appVersion: '9.9.9' });
    const online = new Promise((resolve) => live.once('online', () => resolve(null)));
    live.start();
    await online;
    await until(() => station.sync.cursor >= server.app.live.hub.announced && !station.sync.status().syncing);
  });
  afterAll(async () => {
    live?.stop();
    station?.close();
    await server?.close();
  });

  it('pulls once more after the pull in flight, however many notices came meanwhile', async () => {
    const pulls = countPulls(station);
    const heads: number[] = [];
    for (let i = 0; i < 30; i++) heads.push((await commitCustomers(server.databaseUrl, 1, { notify: false })).head);
    await notifyHeads(server.databaseUrl, heads);
    const last = heads.at(-1) ?? 0;
    await until(() => station.sync.cursor >= last);
    expect(station.sync.cursor).toBe(last);
    // The first notice's pull, then one for all those that came during it (and at most one
    // more if the first answered from a snapshot just before a notice).
    expect(pulls.calls).toBeLessThanOrEqual(3);
  });

  it('makes no pull for a notice at or behind its cursor', async () => {
    const { head } = await commitCustomers(server.databaseUrl, 2, { notify: false });
    await station.sync.sync();
    expect(station.sync.cursor).toBe(head);
    const pulls = countPulls(station);
    await notifyHeads(server.databaseUrl, [head - 1, head]);
    await until(() => server.app.live.hub.announced >= head);
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(pulls.calls).toBe(0);
  });
});
