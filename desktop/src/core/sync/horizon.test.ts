import { describe, expect, it } from 'vitest';
import { purgeNow } from '../../../../server/src/sync/horizon.js';
import { serverWithStations } from '../../../../test/support/server-stations.js';
import { serverState, stationToken } from '../../../../test/support/station.js';

/**
 * The tombstone horizon: deleted rows older than it are purged on the server, and a station
 * offline since before them is told RESYNC_REQUIRED instead of silently missing the deletes.
 * It bootstraps again and keeps the writes it had not pushed.
 */
describe('a station offline past the tombstone horizon', () => {
  const central = serverWithStations();

  it('is told to bootstrap again, drops the purged rows and keeps its unpushed writes', async () => {
    const a = await central.openStation('horizon-a');
    const b = await central.openStation('horizon-b');
    const gone = a.shop.save('customers', { name: 'Deleted while B was away' });
    const kept = a.shop.save('customers', { name: 'Still here' });
    await a.sync.sync();
    await b.sync.sync();
    const cursorAway = b.sync.cursor;

    a.shop.remove('customers', gone.id);
    await a.sync.sync();
    // A horizon a second in the future: every delete so far is past it.
    const purge = await purgeNow(central.server.app, -1_000);
    expect(purge.purged).toBe(1);
    expect(purge.purgedSeq).toBeGreaterThan(cursorAway);

    const response = await fetch(`${central.server.url}/sync/pull?cursor=${cursorAway}&format=columns`, {
      headers: { authorization: `Bearer ${stationToken(b)}` },
    });
    expect(response.status).toBe(410);
    expect(((await response.json()) as { error: { code: string } }).error.code).toBe('RESYNC_REQUIRED');

    const offline = b.shop.save('customers', { name: 'Written offline by B' });
    const resynced: string[] = [];
    b.sync.on('resynced', ({ reason }) => resynced.push(reason));
    await b.sync.pullChanges();
    expect(resynced).toHaveLength(1);
    expect(b.get('customers', gone.id)).toBeNull();
    expect(b.get('customers', kept.id)?.name).toBe('Still here');
    expect(b.get('customers', offline.id)?.name).toBe('Written offline by B');
    expect(b.sync.pending).toBe(1);

    await b.sync.sync();
    await a.sync.sync();
    const state = await serverState(central.server.url, stationToken(b));
    expect(state.customers.map((c) => c.id)).toContain(offline.id);
    expect(b.dump().tables).toEqual(state);
    expect((await b.sync.checkIntegrity()).status).toBe('ok');
  });

  it('lets a station whose cursor is past the purge pull as usual', async () => {
    const a = await central.openStation('horizon-c');
    const row = a.shop.save('customers', { name: 'Temporary' });
    await a.sync.sync();
    a.shop.remove('customers', row.id);
    await a.sync.sync();
    await purgeNow(central.server.app, -1_000);
    const resynced: string[] = [];
    a.sync.on('resynced', ({ reason }) => resynced.push(reason));
    await a.sync.sync();
    expect(resynced).toEqual([]);
  });
});
