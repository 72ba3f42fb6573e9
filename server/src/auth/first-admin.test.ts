import { HybridLogicalClock, newNodeId, unsealUserKey } from '@mostrador/common';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RowMaker } from '../../../test/support/rows.js';
import { enrollStation, startTestServer, type TestServer } from '../../../test/support/server.js';
import { pushAs } from '../../../test/support/sync-client.js';
import { createPool } from '../db/pool.js';
import { ensureFirstAdmin } from './first-admin.js';

describe('the first admin and its signing key', () => {
  let server: TestServer;
  let db: pg.Client;
  const admin = async () =>
    (await db.query(`SELECT id, "publicKey", "sealedKey", version FROM users WHERE username = 'admin'`)).rows[0];

  beforeAll(async () => {
    server = await startTestServer();
    db = new pg.Client({ connectionString: server.databaseUrl });
    await db.connect();
  });
  afterAll(async () => {
    await db?.end();
    await server?.close();
  });

  it('is created in the shop’s language, with a key sealed by its password and a history entry', async () => {
    const row = await admin();
    const shown = await db.query(`SELECT "displayName" FROM users WHERE id = $1`, [row.id]);
    expect(shown.rows[0].displayName).toBe('Administrador');
    const key = await unsealUserKey(row.sealedKey, row.publicKey, server.adminPassword);
    expect(key.asymmetricKeyType).toBe('ed25519');
    await expect(unsealUserKey(row.sealedKey, row.publicKey, 'not-it')).rejects.toMatchObject({
      code: 'INVALID_CREDENTIALS',
    });
    const history = await db.query('SELECT role, active, "publicKey" FROM user_history WHERE "userId" = $1', [row.id]);
    expect(history.rows).toEqual([{ role: 'admin', active: true, publicKey: row.publicKey }]);
  });

  it('gives an admin from before signed writes a key, only with its own password, and it can then write', async () => {
    // A database from before protocol 3: the admin has no key.
    await db.query(`UPDATE users SET "publicKey" = NULL, "sealedKey" = NULL WHERE username = 'admin'`);
    const pool = createPool(server.databaseUrl, 2);
    try {
      const clock = new HybridLogicalClock(newNodeId());
      await ensureFirstAdmin(pool, clock, 'a wrong password');
      expect((await admin()).publicKey).toBeNull();
      await ensureFirstAdmin(pool, clock, server.adminPassword);
    } finally {
      await pool.end();
    }
    const row = await admin();
    expect(row.publicKey).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const key = await unsealUserKey(row.sealedKey, row.publicKey, server.adminPassword);
    const enrolled = await enrollStation(server.url, 'Caja 1');
    const station = { url: server.url, token: enrolled.stationToken, stationId: enrolled.stationId };
    const maker = new RowMaker(row.id);
    maker.clock.receive(row.version);
    const { body } = await pushAs(station, { userId: row.id, key }, [
      { table: 'customers', row: maker.row('customers') },
    ]);
    expect(body.groups.map((g) => g.status)).toEqual(['applied']);
  });
});
