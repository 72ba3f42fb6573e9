import { describe, expect, it } from 'vitest';
import { newId } from './ids.js';
import type { WriteGroupBody } from './schemas.js';
import { createUserKey, groupSigningBytes, resealUserKey, signGroup, unsealUserKey, verifyGroup } from './signing.js';

const stationId = newId();
function body(userId: string): WriteGroupBody {
  const id = newId();
  const version = '2026-12-01T08:00:00.000Z-0000-00000000000000aa';
  return {
    id,
    userId,
    version,
    changes: [
      { table: 'customers', row: { id: newId(), version, name: 'Ana', updatedBy: userId } },
      { table: 'customers', row: { version, id: newId(), name: 'Luis', updatedBy: userId }, baseVersion: null },
    ],
  };
}

describe('user keys and group signatures', () => {
  it('seals a key that only the password opens, and reseals it under a new password', async () => {
    const key = await createUserKey('s3cret-pass');
    expect(key.publicKey).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(key.sealedKey.startsWith('sk1$32768$8$1$')).toBe(true);
    expect(key.sealedKey.length).toBeLessThanOrEqual(400);
    const opened = await unsealUserKey(key.sealedKey, key.publicKey, 's3cret-pass');
    const bytes = groupSigningBytes(body(newId()), stationId);
    expect(verifyGroup(key.publicKey, bytes, signGroup(opened, bytes))).toBe(true);
    await expect(unsealUserKey(key.sealedKey, key.publicKey, 'wrong')).rejects.toMatchObject({
      code: 'INVALID_CREDENTIALS',
    });
    const other = await createUserKey('s3cret-pass');
    await expect(unsealUserKey(key.sealedKey, other.publicKey, 's3cret-pass')).rejects.toMatchObject({
      code: 'INVALID_CREDENTIALS',
    });
    const resealed = await resealUserKey(opened, key.publicKey, 'new-pass');
    await expect(unsealUserKey(resealed, key.publicKey, 's3cret-pass')).rejects.toMatchObject({
      code: 'INVALID_CREDENTIALS',
    });
    const reopened = await unsealUserKey(resealed, key.publicKey, 'new-pass');
    expect(verifyGroup(key.publicKey, bytes, signGroup(reopened, bytes))).toBe(true);
    // Another cost than the one format allows is refused.
    await expect(
      unsealUserKey(key.sealedKey.replace('sk1$32768$', 'sk1$1024$'), key.publicKey, 's3cret-pass'),
    ).rejects.toMatchObject({ code: 'INVALID_CREDENTIALS' });
  });

  it('signs the documented canonical JSON: the station, the group, each row with its keys sorted', () => {
    const version = '2026-12-01T08:00:00.000Z-0000-00000000000000aa';
    const group = {
      id: 'g',
      userId: 'u',
      version,
      changes: [
        { table: 'customers', row: { version, id: 'r1', name: 'Ñandú "x"' } },
        { table: 'sales', row: { status: 'voided', id: 'r2', version }, baseVersion: version },
      ],
    };
    expect(groupSigningBytes(group, 's').toString('utf8')).toBe(
      JSON.stringify([
        'mostrador-group-v1',
        's',
        'g',
        'u',
        version,
        [
          ['customers', null, { id: 'r1', name: 'Ñandú "x"', version }],
          ['sales', version, { id: 'r2', status: 'voided', version }],
        ],
      ]),
    );
  });

  it("gives the same bytes whatever order a row's keys come in (sorted already or not)", () => {
    const group = body(newId());
    const sortedKeys = {
      ...group,
      changes: group.changes.map((c) => ({
        ...c,
        row: Object.fromEntries(Object.entries(c.row).sort(([a], [b]) => (a < b ? -1 : 1))) as typeof c.row,
      })),
    };
    const reversed = {
      ...group,
      changes: group.changes.map((c) => ({
        ...c,
        row: Object.fromEntries(Object.entries(c.row).reverse()) as typeof c.row,
      })),
    };
    const bytes = groupSigningBytes(group, stationId);
    expect(groupSigningBytes(sortedKeys, stationId).equals(bytes)).toBe(true);
    expect(groupSigningBytes(reversed, stationId).equals(bytes)).toBe(true);
  });

  it('refuses a signature over any other byte, another station, or a malformed key or signature', async () => {
    const key = await createUserKey('pw');
    const group = body(newId());
    const bytes = groupSigningBytes(group, stationId);
    const signature = signGroup(key.privateKey, bytes);
    // Key order inside a row does not matter; anything else does.
    const reordered = {
      ...group,
      changes: group.changes
        .map((c) => ({ ...c, row: { ...c.row } }))
        .reverse()
        .reverse(),
    };
    expect(verifyGroup(key.publicKey, groupSigningBytes(reordered, stationId), signature)).toBe(true);
    const changed = structuredClone(group);
    (changed.changes[1]?.row as Record<string, unknown>).name = 'Luiz';
    expect(verifyGroup(key.publicKey, groupSigningBytes(changed, stationId), signature)).toBe(false);
    expect(verifyGroup(key.publicKey, groupSigningBytes(group, newId()), signature)).toBe(false);
    expect(verifyGroup((await createUserKey('pw')).publicKey, bytes, signature)).toBe(false);
    expect(verifyGroup('not a key', bytes, signature)).toBe(false);
    expect(verifyGroup(key.publicKey, bytes, 'short')).toBe(false);
    expect(verifyGroup(key.publicKey, bytes, '')).toBe(false);
    const flipped = Buffer.from(signature, 'base64url');
    flipped[10] = (flipped[10] as number) ^ 1; // (not the last byte: an Ed25519 S often ends in a zero byte)
    expect(verifyGroup(key.publicKey, bytes, flipped.toString('base64url'))).toBe(false);
  });
});
