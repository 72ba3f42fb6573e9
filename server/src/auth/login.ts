import {
  LoginRequest,
  LoginResponse,
  MostradorError,
  type Role,
  UNKNOWN_USER_HASH,
  verifyPassword,
} from '@mostrador/common';
import type { FastifyInstance } from 'fastify';
import { type LoginRateLimit, LoginThrottle } from './throttle.js';
import { signUserToken } from './tokens.js';

export type { LoginRateLimit } from './throttle.js';

interface StoredUser {
  id: string;
  username: string;
  displayName: string;
  role: Role;
  passwordHash: string;
  epoch: number;
}

/** How often stale throttle rows are swept. */
const SWEEP_EVERY_MS = 60 * 60 * 1000;

export function loginRoutes(limit: LoginRateLimit) {
  return async (app: FastifyInstance): Promise<void> => {
    const throttle = new LoginThrottle(app.db, limit);
    const sweeper = setInterval(() => void throttle.sweep().catch(() => {}), SWEEP_EVERY_MS);
    sweeper.unref();
    app.addHook('onClose', async () => clearInterval(sweeper));

    app.post<{ Body: LoginRequest }>(
      '/auth/login',
      { schema: { body: LoginRequest, response: { 200: LoginResponse } } },
      async (request, reply) => {
        const { username, password } = request.body;
        try {
          await throttle.admit(request.ip, username);
        } catch (error) {
          const retryAfter = (error as { retryAfter?: number }).retryAfter;
          if (retryAfter) reply.header('retry-after', String(retryAfter));
          throw error;
        }
        const { rows } = await app.db.query<StoredUser>(
          `SELECT u.id, u.username, u."displayName", u.role, u."passwordHash", coalesce(s.epoch, 0) AS epoch
           FROM users u LEFT JOIN user_sessions s ON s."userId" = u.id
           WHERE u.username = $1 AND u.active AND u."deletedAt" IS NULL`,
          [username],
        );
        const user = rows[0];
        // Verified against a throwaway hash when the user is unknown, so timing does not tell.
        const matches = await verifyPassword(password, user?.passwordHash ?? UNKNOWN_USER_HASH);
        if (!user || !matches) {
          await throttle.failed(username);
          request.log.info({ user: username.slice(0, 64) }, 'login refused');
          throw new MostradorError('INVALID_CREDENTIALS');
        }
        await throttle.succeeded(username);
        const token = signUserToken(user, app.settings.jwtSecret, app.settings.tokenTtlSeconds, user.epoch);
        request.log.info({ user: user.username }, 'login');
        return {
          token,
          user: { id: user.id, username: user.username, displayName: user.displayName, role: user.role },
        };
      },
    );
  };
}
