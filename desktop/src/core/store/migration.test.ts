import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import {
  createUserKey,
  groupSigningBytes,
  HybridLogicalClock,
  hashPassword,
  newId,
  newNodeId,
  UUID_PATTERN,
  verifyGroup,
} from '@mostrador/common';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { tempDataDir } from '../../../../test/support/station.js';
import { Station } from '../station.js';
import { DATABASE_FILE, localMigrations } from './database.js';

/** A station database as the app before write groups left it: schema 1 with rows in the row outbox. */
function schemaOneStation(dataDir: string) {
  mkdirSync(dataDir, { recursive: true });
  const db = new Database(join(dataDir, DATABASE_FILE));
  const first = localMigrations().find((m) => m.version === 1);
  db.exec(first?.sql ?? '');
  db.pragma('user_version = 1');
  const clock = new HybridLogicalClock(newNodeId());
  const now = new Date().toISOString();
  const base = (id: string, by: string) => ({
    id,
    createdAt: now,
    updatedAt: now,
    version: clock.tick(),
    updatedBy: by,
  });
  const ana = newId();
  const bruno = newId();
  const insertUser = db.prepare(
    `INSERT INTO users (id, createdAt, updatedAt, version, updatedBy, username, displayName, role, passwordHash, active)
     VALUES (@id, @createdAt, @updatedAt, @version, @updatedBy, @username, @username, @role, 'x', 1)`,
  );
  insertUser.run({ ...base(ana, ana), username: 'ana', role: 'admin' });
  insertUser.run({ ...base(bruno, ana), username: 'bruno', role: 'cashier' });
  const insertCustomer = db.prepare(
    `INSERT INTO customers (id, createdAt, updatedAt, version, updatedBy, name) VALUES (@id, @createdAt, @updatedAt, @version, @updatedBy, @name)`,
  );
  const byAna = { ...base(newId(), ana), name: 'By Ana' };
  const byBruno = { ...base(newId(), bruno), name: 'By Bruno' };
  insertCustomer.run(byAna);
  insertCustomer.run(byBruno);
  const queue = db.prepare('INSERT INTO outbox (tableName, rowId, baseVersion) VALUES (?, ?, ?)');
  queue.run('customers', byAna.id, null);
  queue.run('customers', byBruno.id, '2026-01-01T00:00:00.000Z-0000-00000000000000aa');
  const meta = db.prepare('INSERT INTO meta (key, value) VALUES (?, ?)');
  meta.run('stationId', newId());
  meta.run('stationCode', 'OLD001');
  meta.run('serverUrl', 'http://127.0.0.1:9/');
  meta.run('stationToken', 'old');
  db.close();
  return { ana, bruno, byAna, byBruno };
}

describe('migrating the row outbox to write groups (local migration 2)', () => {
  it('keeps every queued row as an unsigned group of its last writer, signed at that user’s next login', async () => {
    const dataDir = tempDataDir('migrate');
    const { ana, bruno, byAna, byBruno } = schemaOneStation(dataDir);
    const station = Station.open({ dataDir });
    try {
      // The users' keys arrive as they would by a pull (after an admin sets their passwords).
      for (const [id, username] of [
        [ana, 'ana'],
        [bruno, 'bruno'],
      ] as const) {
        const key = await createUserKey(`${username}-pass`);
        station.store.db
          .prepare('UPDATE users SET passwordHash = ?, publicKey = ?, sealedKey = ? WHERE id = ?')
          .run(await hashPassword(`${username}-pass`, { N: 1024, r: 8, p: 1 }), key.publicKey, key.sealedKey, id);
      }
      expect(station.sync.pending).toBe(2);
      expect(station.flagged().map((f) => [f.id, f.state])).toEqual(
        expect.arrayContaining([
          [byAna.id, 'unsigned'],
          [byBruno.id, 'unsigned'],
        ]),
      );
      expect(station.store.outbox.nextPage(0, 10)).toEqual([]);

      await station.login('ana', 'ana-pass');
      const sendable = station.store.outbox.nextPage(0, 10);
      expect(
        sendable.map((g) => [g.userId, g.changes.map((c) => [c.row.id, c.row.name, c.baseVersion ?? null])]),
      ).toEqual([[ana, [[byAna.id, 'By Ana', null]]]]);
      const anaKey = station.get('users', ana)?.publicKey as string;
      const group = sendable[0];
      expect(group?.id).toMatch(new RegExp(UUID_PATTERN));
      expect(group && verifyGroup(anaKey, groupSigningBytes(group, station.id), group.signature)).toBe(true);
      expect(station.flagged().map((f) => [f.id, f.state])).toEqual([[byBruno.id, 'unsigned']]);

      await station.unlock('bruno', 'bruno-pass');
      expect(station.store.outbox.nextPage(0, 10).map((g) => [g.userId, g.changes[0]?.baseVersion])).toEqual([
        [ana, null],
        [bruno, '2026-01-01T00:00:00.000Z-0000-00000000000000aa'],
      ]);
      expect(station.flagged()).toEqual([]);
    } finally {
      station.close();
    }
  });
});
