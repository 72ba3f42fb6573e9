import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { serverWithStations } from '../../../../test/support/server-stations.js';
import type { SkippedRow } from './pull.js';

/**
 * A pulled row the station cannot store or order (here: a version with an impossible date,
 * written to the server's database behind its back) is left out with a reason; the cursor
 * moves past it and everything after it still arrives.
 */
describe('a bad pulled row never freezes the cursor', () => {
  const central = serverWithStations();

  it('skips the row with its reason and pulls what comes after it', async () => {
    const writer = await central.openStation('strict-writer');
    const reader = await central.openStation('strict-reader');
    const before = writer.shop.save('customers', { name: 'Before' });
    await writer.sync.sync();
    const bad = writer.shop.save('customers', { name: 'Bad version' });
    await writer.sync.sync();
    const db = new pg.Client({ connectionString: central.server.databaseUrl });
    await db.connect();
    try {
      await db.query(`UPDATE customers SET version = '2026-13-01T00:00:00.000Z-0000-aaaaaaaaaaaaaaaa' WHERE id = $1`, [
        bad.id,
      ]);
    } finally {
      await db.end();
    }
    const after = writer.shop.save('customers', { name: 'After' });
    await writer.sync.sync();

    const skipped: SkippedRow[] = [];
    reader.sync.on('skipped', (rows) => skipped.push(...rows));
    const pulled = await reader.sync.pullChanges();
    expect(skipped).toEqual([{ table: 'customers', id: bad.id, reason: expect.stringMatching(/version/) }]);
    expect(pulled.cursor).toBe(reader.sync.head);
    expect(reader.get('customers', before.id)?.name).toBe('Before');
    expect(reader.get('customers', after.id)?.name).toBe('After');
    expect(reader.get('customers', bad.id)).toBeNull();
  });
});
