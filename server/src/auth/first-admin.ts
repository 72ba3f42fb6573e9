import { randomBytes } from 'node:crypto';
import {
  type AnyRow,
  assertPasswordPolicy,
  createUserKey,
  type HybridLogicalClock,
  hashPassword,
  newId,
  type Row,
  verifyPassword,
} from '@mostrador/common';
import type pg from 'pg';
import { inTransaction } from '../db/pool.js';
import { applyAsServer, loadStored, lockHead } from '../sync/apply.js';

/** The first admin's name as the shop sees it; the shop's language is Spanish unless told (ADMIN_DISPLAY_NAME). */
export const DEFAULT_ADMIN_DISPLAY_NAME = 'Administrador';

/**
 * A fresh database gets one `admin` user. It is written through the same apply path as
 * pushed rows (stamped by the server's own clock), so it has a sequence number and
 * reaches every station like any other row. It gets a signing key sealed with its password
 * and a first entry in the users' history, so it can write from a station. Returns the
 * password when it created the user (generated unless given), or null when users already
 * existed.
 *
 * A database from before signed writes has users without keys, who cannot write; when
 * `password` is the `admin` user's password, that admin gets its key here, so it can then
 * set the other users' passwords (which gives them theirs).
 */
export async function ensureFirstAdmin(
  db: pg.Pool,
  clock: HybridLogicalClock,
  password: string | undefined,
  displayName: string = DEFAULT_ADMIN_DISPLAY_NAME,
): Promise<string | null> {
  const existing = await db.query('SELECT 1 FROM users LIMIT 1');
  if (existing.rowCount) {
    if (password !== undefined) await ensureAdminKey(db, clock, password);
    return null;
  }
  // ADMIN_PASSWORD=pw would leave the shop's every station open to a first guess.
  if (password !== undefined) assertPasswordPolicy(password, 'admin');
  const chosen = password ?? randomBytes(12).toString('base64url');
  const passwordHash = await hashPassword(chosen);
  const key = await createUserKey(chosen);
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
      displayName: displayName.trim() || DEFAULT_ADMIN_DISPLAY_NAME,
      role: 'admin',
      passwordHash,
      active: true,
      publicKey: key.publicKey,
      sealedKey: key.sealedKey,
    };
    const group = { id: newId(), userId: id, version: row.version, changes: [{ table: 'users', row }], signature: '' };
    const result = await applyAsServer(client, group, null, { nowMs: clock.physicalNow(), clockAheadMs: 60_000 });
    if ('refusal' in result) throw new Error(`could not create the admin user: ${result.refusal.message}`);
    return chosen;
  });
}

async function ensureAdminKey(db: pg.Pool, clock: HybridLogicalClock, password: string): Promise<void> {
  const { rows } = await db.query<{ id: string; passwordHash: string }>(
    `SELECT id, "passwordHash" FROM users WHERE username = 'admin' AND "publicKey" IS NULL AND "deletedAt" IS NULL`,
  );
  const admin = rows[0];
  if (!admin || !(await verifyPassword(password, admin.passwordHash))) return;
  const key = await createUserKey(password);
  await inTransaction(db, 'BEGIN', async (client) => {
    await lockHead(client);
    const current = (await loadStored(client, 'users', [admin.id])).get(admin.id)?.row;
    if (!current || current.publicKey) return;
    clock.receive(current.version);
    const row: AnyRow = {
      ...current,
      updatedAt: new Date(clock.physicalNow()).toISOString(),
      version: clock.tick(),
      publicKey: key.publicKey,
      sealedKey: key.sealedKey,
    };
    const group = {
      id: newId(),
      userId: admin.id,
      version: row.version,
      changes: [{ table: 'users', row }],
      signature: '',
    };
    const result = await applyAsServer(client, group, null, { nowMs: clock.physicalNow(), clockAheadMs: 60_000 });
    if ('refusal' in result) throw new Error(`could not give the admin a key: ${result.refusal.message}`);
  });
}
