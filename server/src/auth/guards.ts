import { MostradorError, type Role } from '@mostrador/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type pg from 'pg';
import type { StationIdentity, TokenUser } from '../context.js';
import { bearerToken, stationTokenHash, verifyUserToken } from './tokens.js';

/**
 * Route guards (preHandlers). Station requests look their token up on every call, so a
 * revoked station stops working at once.
 */

/** How stale `lastSeenAt` may get before a request refreshes it: a write per pull would cost a commit each. */
const LAST_SEEN_RESOLUTION = '30 seconds';

const FIND_STATION_SQL = `SELECT id, name, ceiling, "revokedAt" IS NOT NULL AS revoked,
       ("lastSeenAt" IS NULL OR "lastSeenAt" < now() - interval '${LAST_SEEN_RESOLUTION}') AS stale
  FROM stations WHERE "tokenHash" = $1`;

export async function findStation(db: pg.Pool, token: string | null): Promise<StationIdentity> {
  if (!token) throw new MostradorError('UNAUTHORIZED', 'A station token is required (Authorization: Bearer …).');
  const { rows } = await db.query<{ id: string; name: string; ceiling: Role; revoked: boolean; stale: boolean }>({
    // Prepared once per connection: every push, pull and socket asks it (a live notice
    // makes hundreds of stations pull at once), so it is parsed and planned only once.
    name: 'find-station',
    text: FIND_STATION_SQL,
    values: [stationTokenHash(token)],
  });
  const station = rows[0];
  if (!station) throw new MostradorError('UNAUTHORIZED', 'The station token is not valid; enroll the station again.');
  if (station.revoked) throw new MostradorError('STATION_REVOKED');
  if (station.stale) await db.query('UPDATE stations SET "lastSeenAt" = now() WHERE id = $1', [station.id]);
  return { id: station.id, name: station.name, ceiling: station.ceiling };
}

export async function requireStation(request: FastifyRequest, _reply: FastifyReply): Promise<void> {
  request.station = await findStation(request.server.db, bearerToken(request.headers.authorization));
}

/**
 * The user a token names, as stored now: the token may outlive a change of role, a
 * deactivation or a password change (each moves the user's session epoch).
 */
export async function findUser(db: pg.Pool, token: string | null, secret: string, roles: Role[]): Promise<TokenUser> {
  if (!token) throw new MostradorError('UNAUTHORIZED', 'A user token is required (Authorization: Bearer …).');
  const claimed = verifyUserToken(token, secret);
  const { rows } = await db.query<{ role: Role; epoch: number }>(
    `SELECT u.role, coalesce(s.epoch, 0) AS epoch FROM users u LEFT JOIN user_sessions s ON s."userId" = u.id
     WHERE u.id = $1 AND u.active AND u."deletedAt" IS NULL`,
    [claimed.id],
  );
  const stored = rows[0];
  if (!stored) throw new MostradorError('UNAUTHORIZED', 'This user no longer exists or is inactive.');
  if (stored.epoch !== claimed.epoch) {
    throw new MostradorError('UNAUTHORIZED', 'This session ended (password, role or account changed); log in again.');
  }
  if (roles.length > 0 && !roles.includes(stored.role)) throw new MostradorError('FORBIDDEN');
  return { id: claimed.id, username: claimed.username, role: stored.role };
}

export function requireUser(...roles: Role[]) {
  return async (request: FastifyRequest, _reply: FastifyReply): Promise<void> => {
    const { db, settings } = request.server;
    request.user = await findUser(db, bearerToken(request.headers.authorization), settings.jwtSecret, roles);
  };
}
