import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { enrollStation, startTestServer, type TestServer } from '../../../test/support/server.js';
import { listStations } from './stations-view.js';

/** The monitor says which stations have been out of sync for longer than expected. */
describe('stations monitor: sync health', () => {
  let server: TestServer;
  let db: pg.Pool;

  beforeAll(async () => {
    server = await startTestServer();
    db = new pg.Pool({ connectionString: server.databaseUrl, max: 2 });
  });

  afterAll(async () => {
    await db?.end();
    await server?.close();
  });

  it('marks an offline station overdue past the limit, and not one recently in sync', async () => {
    const { stationId } = await enrollStation(server.url, 'health-a');
    const fresh = await listStations(db, 15_000, 60_000);
    expect(fresh.find((s) => s.id === stationId)).toMatchObject({ overdue: false, syncedAt: null });
    await db.query(`UPDATE stations SET "syncedAt" = now() - interval '2 minutes' WHERE id = $1`, [stationId]);
    const late = await listStations(db, 15_000, 60_000);
    expect(late.find((s) => s.id === stationId)).toMatchObject({ overdue: true, syncedAt: expect.any(String) });
  });
});
