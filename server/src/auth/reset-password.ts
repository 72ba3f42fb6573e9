import { randomBytes } from 'node:crypto';
import {
  type AnyRow,
  assertPasswordPolicy,
  columnsOf,
  createUserKey,
  HybridLogicalClock,
  hashPassword,
  MostradorError,
  newId,
  newNodeId,
} from '@mostrador/common';
import type pg from 'pg';
import { inTransaction } from '../db/pool.js';
import { applyAsServer } from '../sync/apply.js';

/**
 * `npm run admin -- reset-password <user>` on the server machine: the way back for an admin
 * who forgot their password. The new hash is written through the same apply path as a
 * push (new version and sequence number), so it reaches every station; the user's
 * existing sessions end (the `users` trigger moves their session epoch). Answers the new
 * password (generated unless given).
 */
export async function resetPassword(db: pg.Pool, username: string, password?: string): Promise<string> {
  const chosen = password ?? randomBytes(12).toString('base64url');
  assertPasswordPolicy(chosen, username);
  const passwordHash = await hashPassword(chosen);
  const clock = new HybridLogicalClock(newNodeId());
  const columns = columnsOf('users')
    .map((c) => `"${c}"`)
    .join(', ');
  return inTransaction(db, 'BEGIN', async (client) => {
    const { rows } = await client.query<AnyRow>(
      `SELECT ${columns} FROM users WHERE username = $1 AND "deletedAt" IS NULL`,
      [username],
    );
    const stored = rows[0];
    if (!stored) throw new MostradorError('NOT_FOUND', `No user named ${username}.`);
    // After the stored version, whatever clock wrote it.
    clock.receive(String(stored.version));
    const now = new Date(clock.physicalNow()).toISOString();
    // A new key pair sealed with the new password: the old key is sealed with a password nobody knows.
    const { publicKey, sealedKey } = await createUserKey(chosen);
    const row = { ...stored, passwordHash, publicKey, sealedKey, updatedAt: now, version: clock.tick() };
    const group = {
      id: newId(),
      userId: row.id,
      version: row.version,
      changes: [{ table: 'users', row }],
      signature: '',
    };
    const result = await applyAsServer(client, group, null, { nowMs: clock.physicalNow(), clockAheadMs: 60_000 });
    if ('refusal' in result) throw new Error(`could not reset the password: ${result.refusal.message}`);
    return chosen;
  });
}
