import { createHash, randomBytes } from 'node:crypto';
import { MostradorError, ROLES, type Role } from '@mostrador/common';
import jwt from 'jsonwebtoken';
import type { TokenUser } from '../context.js';

/** User tokens are short-lived JWTs; station tokens are opaque and stored only as a hash. */

export function signUserToken(user: TokenUser, secret: string, ttlSeconds: number): string {
  return jwt.sign({ role: user.role, username: user.username }, secret, {
    algorithm: 'HS256',
    subject: user.id,
    expiresIn: ttlSeconds,
  });
}

export function verifyUserToken(token: string, secret: string): TokenUser {
  let payload: unknown;
  try {
    payload = jwt.verify(token, secret, { algorithms: ['HS256'] });
  } catch (error) {
    if (error instanceof jwt.TokenExpiredError) throw new MostradorError('TOKEN_EXPIRED');
    throw new MostradorError('UNAUTHORIZED', 'The token is not valid; log in again.');
  }
  const claims = payload as { sub?: unknown; role?: unknown; username?: unknown };
  if (typeof claims.sub !== 'string' || typeof claims.username !== 'string' || !ROLES.includes(claims.role as Role)) {
    throw new MostradorError('UNAUTHORIZED', 'The token is not valid; log in again.');
  }
  return { id: claims.sub, username: claims.username, role: claims.role as Role };
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
