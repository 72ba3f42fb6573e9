import fc from 'fast-check';
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

/** The bytes as every station signed them before the copying road (kept to prove the bytes unchanged). */
function bytesBefore(group: WriteGroupBody, station: string): Buffer {
  const keys = new Set<string>();
  let sorted = true;
  for (const change of group.changes) {
    const rowKeys = Object.keys(change.row);
    for (let i = 0; i < rowKeys.length; i++) {
      const key = rowKeys[i] as string;
      if (i > 0 && (rowKeys[i - 1] as string) >= key) sorted = false;
      keys.add(key);
    }
  }
  const changes = group.changes.map((change) => [change.table, change.baseVersion ?? null, change.row]);
  const canonical = ['mostrador-group-v1', station, group.id, group.userId, group.version, changes];
  return Buffer.from(sorted ? JSON.stringify(canonical) : JSON.stringify(canonical, [...keys].sort()), 'utf8');
}

const awkwardKey = fc.constantFrom(
  'id',
  'version',
  'a',
  'B',
  'é',
  '10',
  '9',
  '__proto__',
  'constructor',
  'toString',
  'x y',
);
const scalar = fc.oneof(fc.string(), fc.integer(), fc.double({ noNaN: true }), fc.boolean(), fc.constant(null));
const awkwardValue = fc.oneof(
  { weight: 8, arbitrary: scalar },
  { weight: 1, arbitrary: fc.dictionary(fc.constantFrom('a', 'b', 'id'), scalar) },
  { weight: 1, arbitrary: fc.array(scalar, { maxLength: 2 }) },
);
const awkwardRow = fc
  .array(fc.tuple(awkwardKey, awkwardValue), { maxLength: 8 })
  .map((entries) => Object.fromEntries(entries) as Record<string, unknown>);

describe('user keys and group signatures', () => {
  it('signs the very bytes it signed before, whatever the rows hold (property)', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.record({
            table: fc.oneof(fc.constantFrom('sales', 'products'), fc.constant({ a: 1 })),
            row: awkwardRow,
            baseVersion: fc.option(fc.string(), { nil: undefined }),
          }),
          { minLength: 1, maxLength: 4 },
        ),
        fc.boolean(),
        (changes, viaJson) => {
          const built = { id: 'g', userId: 'u', version: 'v', changes } as unknown as WriteGroupBody;
          // A pushed group comes out of JSON.parse: an own `__proto__` key stays a plain key there.
          const group = viaJson ? (JSON.parse(JSON.stringify(built)) as WriteGroupBody) : built;
          expect(groupSigningBytes(group, 's').equals(bytesBefore(group, 's'))).toBe(true);
        },
      ),
      { numRuns: 2000 },
    );
  });

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
