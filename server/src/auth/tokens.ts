import { createHash, randomBytes } from 'node:crypto';
import { MostradorError, ROLES, type Role } from '@mostrador/common';
import jwt from 'jsonwebtoken';
import type { TokenUser } from '../context.js';

/**
 * User tokens are short-lived JWTs (HS256, `exp` required) carrying the user's session
 * epoch (`ep`): a password change, deactivation or demotion moves the stored epoch, and
 * every older token stops working. Station tokens are opaque and stored only as a hash.
 */

/** Shortest JWT_SECRET accepted anywhere; production needs PRODUCTION_SECRET_BYTES. */
export const MIN_SECRET_BYTES = 8;
export const PRODUCTION_SECRET_BYTES = 32;

/** Why a JWT secret is refused, or null. */
export function jwtSecretProblem(secret: string, production: boolean): string | null {
  const bytes = Buffer.byteLength(secret, 'utf8');
  const needed = production ? PRODUCTION_SECRET_BYTES : MIN_SECRET_BYTES;
  if (bytes >= needed) return null;
  return `JWT_SECRET has ${bytes} bytes; at least ${needed} are required${production ? ' in production' : ''} (e.g. \`openssl rand -base64 48\`).`;
}

export function signUserToken(user: TokenUser, secret: string, ttlSeconds: number, epoch = 0): string {
  return jwt.sign({ role: user.role, username: user.username, ep: epoch }, secret, {
    algorithm: 'HS256',
    subject: user.id,
    expiresIn: ttlSeconds,
  });
}

export interface VerifiedToken extends TokenUser {
  readonly epoch: number;
  /** When the token expires, in ms since the epoch. */
  readonly expiresAt: number;
}

const invalid = () => new MostradorError('UNAUTHORIZED', 'The token is not valid; log in again.');

export function verifyUserToken(token: string, secret: string): VerifiedToken {
  let payload: unknown;
  try {
    payload = jwt.verify(token, secret, { algorithms: ['HS256'] });
  } catch (error) {
    if (error instanceof jwt.TokenExpiredError) throw new MostradorError('TOKEN_EXPIRED');
    throw invalid();
  }
  const claims = payload as { sub?: unknown; role?: unknown; username?: unknown; exp?: unknown; ep?: unknown };
  if (typeof claims.sub !== 'string' || typeof claims.username !== 'string' || !ROLES.includes(claims.role as Role)) {
    throw invalid();
  }
  // A token that never expires is never ours: refuse it even when correctly signed.
  if (typeof claims.exp !== 'number' || !Number.isFinite(claims.exp)) throw invalid();
  const epoch = claims.ep === undefined ? 0 : claims.ep;
  if (typeof epoch !== 'number' || !Number.isSafeInteger(epoch)) throw invalid();
  return { id: claims.sub, username: claims.username, role: claims.role as Role, epoch, expiresAt: claims.exp * 1000 };
}

export function newStationToken(): string {
  return randomBytes(32).toString('base64url');
}

/** Station tokens are high-entropy, so a plain sha256 is enough to keep them unusable if the table leaks. */
export function stationTokenHash(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

/** The token of an `Authorization: Bearer …` header, or null. */
export function bearerToken(header: string | undefined): string | null {
  const match = header?.match(/^Bearer\s+(\S+)\s*$/i);
  return match?.[1] ?? null;
}
