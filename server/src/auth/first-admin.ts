import { randomBytes } from 'node:crypto';
import {
  assertPasswordPolicy,
  type Change,
  type HybridLogicalClock,
  hashPassword,
  newId,
  type Row,
} from '@mostrador/common';
import type pg from 'pg';
import { inTransaction } from '../db/pool.js';
import { applyChanges } from '../sync/apply.js';

/**
 * A fresh database gets one `admin` user. It is written through the same apply path as
 * pushed rows (stamped by the server's own clock), so it has a sequence number and
 * reaches every station like any other row. Returns the password when it created the
 * user (generated unless given), or null when users already existed.
 */
export async function ensureFirstAdmin(
  db: pg.Pool,
  clock: HybridLogicalClock,
  password: string | undefined,
): Promise<string | null> {
  const existing = await db.query('SELECT 1 FROM users LIMIT 1');
  if (existing.rowCount) return null;
  // ADMIN_PASSWORD=pw would leave the shop's every station open to a first guess.
  if (password !== undefined) assertPasswordPolicy(password, 'admin');
  const chosen = password ?? randomBytes(12).toString('base64url');
  const passwordHash = await hashPassword(chosen);
  return inTransaction(db, 'BEGIN', async (client) => {
    // Taken before the check, so two instances starting together create one admin.
    await client.query('SELECT head FROM sync_state WHERE id = 1 FOR UPDATE');
    const { rowCount } = await client.query('SELECT 1 FROM users LIMIT 1');
    if (rowCount) return null;
    const id = newId();
    const now = new Date(clock.physicalNow()).toISOString();
    const row: Row<'users'> = {
      id,
      createdAt: now,
      updatedAt: now,
      deletedAt: null,
      version: clock.tick(),
      updatedBy: id,
      username: 'admin',
      displayName: 'Administrator',
      role: 'admin',
      passwordHash,
      active: true,
    };
    const admin: Change = { table: 'users', row };
    const result = await applyChanges(client, [admin], {
      nowMs: clock.physicalNow(),
      clockAheadMs: 60_000,
      stationId: null,
      asServer: true,
    });
    if (result.rejected.length) throw new Error(`could not create the admin user: ${result.rejected[0]?.message}`);
    return chosen;
  });
}
