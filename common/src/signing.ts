import {
  createCipheriv,
  createDecipheriv,
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  type KeyObject,
  randomBytes,
  scrypt,
  sign,
  verify,
} from 'node:crypto';
import { MostradorError } from './errors.js';
import type { WriteGroupBody } from './schemas.js';

/**
 * Per-user signing keys (issue 8: trusted writes).
 *
 * Every user has an Ed25519 key pair. The public key travels in the user's row; the
 * private key travels too, but only sealed: AES-256-GCM under a key derived from the
 * user's password with scrypt, so a copy of a station's data folder (or its token) is
 * not enough to write as anyone whose password one does not know. At login the station
 * unseals the key and keeps it in memory; each write group is signed with it when it is
 * written, and the server verifies the group against the user's public key.
 *
 * sealedKey = `sk1$N$r$p$salt$iv$ciphertext$tag` (base64url parts), AAD = publicKey.
 */

const SEAL_PREFIX = 'sk1';
const SEAL_COST = { N: 32768, r: 8, p: 1 } as const;
const SALT_LENGTH = 16;
const IV_LENGTH = 12;

export interface UserKey {
  publicKey: string;
  sealedKey: string;
  privateKey: KeyObject;
}

function deriveKek(password: string, salt: Buffer): Promise<Buffer> {
  const { N, r, p } = SEAL_COST;
  return new Promise((resolve, reject) => {
    scrypt(password, salt, 32, { N, r, p, maxmem: 256 * N * r }, (error, key) =>
      error ? reject(error) : resolve(key),
    );
  });
}

function rawPrivateKey(privateKey: KeyObject): Buffer {
  const jwk = privateKey.export({ format: 'jwk' });
  if (jwk.kty !== 'OKP' || jwk.crv !== 'Ed25519' || typeof jwk.d !== 'string')
    throw new Error('not an Ed25519 private key');
  return Buffer.from(jwk.d, 'base64url');
}

/** The base64url of the raw 32-byte public key of an Ed25519 private key. */
export function publicKeyOf(privateKey: KeyObject): string {
  const jwk = createPublicKey(privateKey).export({ format: 'jwk' });
  if (typeof jwk.x !== 'string') throw new Error('not an Ed25519 key');
  return jwk.x;
}

export async function resealUserKey(privateKey: KeyObject, publicKey: string, newPassword: string): Promise<string> {
  const salt = randomBytes(SALT_LENGTH);
  const iv = randomBytes(IV_LENGTH);
  const kek = await deriveKek(newPassword, salt);
  const cipher = createCipheriv('aes-256-gcm', kek, iv);
  cipher.setAAD(Buffer.from(publicKey, 'utf8'));
  const ciphertext = Buffer.concat([cipher.update(rawPrivateKey(privateKey)), cipher.final()]);
  const tag = cipher.getAuthTag();
  const { N, r, p } = SEAL_COST;
  return [SEAL_PREFIX, N, r, p, ...[salt, iv, ciphertext, tag].map((part) => part.toString('base64url'))].join('$');
}

/** A new key pair for a user, its private key sealed with `password`. */
export async function createUserKey(password: string): Promise<UserKey> {
  const { privateKey } = generateKeyPairSync('ed25519');
  const publicKey = publicKeyOf(privateKey);
  return { publicKey, sealedKey: await resealUserKey(privateKey, publicKey, password), privateKey };
}

/**
 * Opens a sealed key with the user's password. Throws INVALID_CREDENTIALS for a wrong
 * password, a seal in another format or cost, or a seal that does not belong to `publicKey`.
 */
export async function unsealUserKey(sealedKey: string, publicKey: string, password: string): Promise<KeyObject> {
  const wrong = () => new MostradorError('INVALID_CREDENTIALS');
  const parts = sealedKey.split('$');
  if (parts.length !== 8 || parts[0] !== SEAL_PREFIX) throw wrong();
  if (parts[1] !== String(SEAL_COST.N) || parts[2] !== String(SEAL_COST.r) || parts[3] !== String(SEAL_COST.p)) {
    throw wrong();
  }
  const [salt, iv, ciphertext, tag] = parts.slice(4).map((part) => Buffer.from(part, 'base64url')) as [
    Buffer,
    Buffer,
    Buffer,
    Buffer,
  ];
  if (salt.length !== SALT_LENGTH || iv.length !== IV_LENGTH || ciphertext.length !== 32 || tag.length !== 16) {
    throw wrong();
  }
  const kek = await deriveKek(password, salt);
  let raw: Buffer;
  try {
    const decipher = createDecipheriv('aes-256-gcm', kek, iv);
    decipher.setAAD(Buffer.from(publicKey, 'utf8'));
    decipher.setAuthTag(tag);
    raw = Buffer.concat([decipher.update(ciphertext), decipher.final()]);
  } catch {
    throw wrong();
  }
  const privateKey = createPrivateKey({
    key: { kty: 'OKP', crv: 'Ed25519', d: raw.toString('base64url'), x: publicKey },
    format: 'jwk',
  });
  if (publicKeyOf(privateKey) !== publicKey) throw wrong();
  return privateKey;
}

/**
 * The bytes a group's signature covers: canonical JSON of
 * `["mostrador-group-v1", stationId, id, userId, version, [[table, baseVersion|null, row (keys sorted)], …]]`.
 * The station id is inside, so a group signed at one station cannot be replayed by another.
 * The keys are sorted by JSON.stringify's property list (every key of the group's rows, in
 * order), which serializes each row's keys in that order without copying the rows.
 *
 * The server builds these bytes for every pushed group, so the usual case has a faster
 * road to the same bytes (see `flatRowsSorted`): flat rows are copied with their keys in sorted
 * order and serialized without a property list, about twice as cheap.
 */
export function groupSigningBytes(group: WriteGroupBody, stationId: string): Buffer {
  const header = [stationId, group.id, group.userId, group.version];
  const fast = header.every(isScalar) ? flatRowsSorted(group) : null;
  const changes = group.changes.map((change, i) => [change.table, change.baseVersion ?? null, fast?.[i] ?? change.row]);
  const canonical = ['mostrador-group-v1', stationId, group.id, group.userId, group.version, changes];
  if (fast) return Buffer.from(JSON.stringify(canonical), 'utf8');
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
  // Rows whose keys already come sorted (a station may send them so) serialize as they are:
  // the same bytes, about three times cheaper than with a property list.
  return Buffer.from(sorted ? JSON.stringify(canonical) : JSON.stringify(canonical, [...keys].sort()), 'utf8');
}

/** A value the property list does not touch: neither an object nor a function. */
function isScalar(value: unknown): boolean {
  return value === null || (typeof value !== 'object' && typeof value !== 'function');
}

/**
 * Sorted key orders of the row shapes seen lately (a push's rows have a handful of shapes),
 * or null for a shape a copy cannot serialize in sorted order: an own `__proto__` key (the
 * property list would look it up on the other rows' prototype) or an integer-like key (an
 * object lists those first, whatever order they were set in).
 */
const shapes: { keys: readonly string[]; sorted: readonly string[] | null }[] = [];

function sortedKeysOf(keys: readonly string[]): readonly string[] | null {
  for (const shape of shapes) {
    if (shape.keys.length !== keys.length) continue;
    let same = true;
    for (let i = 0; i < keys.length && same; i++) same = shape.keys[i] === keys[i];
    if (same) return shape.sorted;
  }
  const copyable = keys.every((key) => key !== '__proto__' && !/^\d/.test(key));
  const sorted = copyable ? [...keys].sort() : null;
  if (shapes.length >= 32) shapes.shift();
  shapes.push({ keys, sorted });
  return sorted;
}

/**
 * The group's rows copied with their keys in sorted order, when serializing the copies
 * gives exactly the property-list bytes: every value a JSON scalar (a nested object would
 * get the list too) and every shape copyable (above). Null otherwise: the general road.
 */
function flatRowsSorted(group: WriteGroupBody): Record<string, unknown>[] | null {
  const rows: Record<string, unknown>[] = [];
  for (const change of group.changes) {
    const row = change.row as Record<string, unknown>;
    if (!isScalar(change.table) || !isScalar(change.baseVersion)) return null;
    if (typeof row !== 'object' || row === null || Array.isArray(row)) return null;
    const keys = sortedKeysOf(Object.keys(row));
    if (!keys) return null;
    const copy: Record<string, unknown> = {};
    for (const key of keys) {
      const value = row[key];
      if (!isScalar(value)) return null;
      copy[key] = value;
    }
    rows.push(copy);
  }
  return rows;
}

/** A base64url Ed25519 signature of `bytes`. */
export function signGroup(privateKey: KeyObject, bytes: Buffer): string {
  return sign(null, bytes, privateKey).toString('base64url');
}

const publicKeys = new Map<string, KeyObject | null>();

/** The KeyObject of a base64url raw Ed25519 public key (cached), or null when malformed. */
export function importPublicKey(publicKey: string): KeyObject | null {
  let key = publicKeys.get(publicKey);
  if (key !== undefined) return key;
  try {
    const raw = Buffer.from(publicKey, 'base64url');
    key =
      raw.length === 32 ? createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: publicKey }, format: 'jwk' }) : null;
  } catch {
    key = null;
  }
  if (publicKeys.size > 10_000) publicKeys.clear();
  publicKeys.set(publicKey, key);
  return key;
}

/** True when `signature` is `publicKey`'s signature of `bytes`; false for anything malformed (never throws). */
export function verifyGroup(publicKey: string, bytes: Buffer, signature: string): boolean {
  if (typeof publicKey !== 'string' || typeof signature !== 'string') return false;
  const key = importPublicKey(publicKey);
  if (!key) return false;
  const sig = Buffer.from(signature, 'base64url');
  if (sig.length !== 64 || sig.toString('base64url') !== signature) return false;
  try {
    return verify(null, bytes, key, sig);
  } catch {
    return false;
  }
}
