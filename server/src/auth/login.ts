import { LoginRequest, LoginResponse, MostradorError, type Role, verifyPassword } from '@mostrador/common';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { signUserToken } from './tokens.js';

export interface LoginRateLimit {
  readonly max: number;
  readonly timeWindowMs: number;
}

// Verified when the username is unknown, so a wrong username costs as long as a wrong password.
const DUMMY_HASH = 'scrypt$16384$8$1$bW9zdHJhZG9yLWR1bW15$A8kV1o0u3w5T8eHqZ9yQm2Rj7L4cXfN6pB1sDgKhWzE';

interface StoredUser {
  id: string;
  username: string;
  displayName: string;
  role: Role;
  passwordHash: string;
}

/** Attempts are counted per address and username, so one person's typos don't lock out a shop. */
function attemptKey(request: FastifyRequest): string {
  const username = (request.body as { username?: unknown } | undefined)?.username;
  return `${request.ip}|${typeof username === 'string' ? username.toLowerCase() : ''}`;
}

export function loginRoutes(limit: LoginRateLimit) {
  return async (app: FastifyInstance): Promise<void> => {
    app.post<{ Body: LoginRequest }>(
      '/auth/login',
      {
        schema: { body: LoginRequest, response: { 200: LoginResponse } },
        config: {
          rateLimit: { max: limit.max, timeWindow: limit.timeWindowMs, hook: 'preHandler', keyGenerator: attemptKey },
        },
      },
      async (request) => {
        const { username, password } = request.body;
        const { rows } = await app.db.query<StoredUser>(
          `SELECT id, username, "displayName", role, "passwordHash" FROM users
           WHERE username = $1 AND active AND "deletedAt" IS NULL`,
          [username],
        );
        const user = rows[0];
        const matches = await verifyPassword(password, user?.passwordHash ?? DUMMY_HASH);
        if (!user || !matches) throw new MostradorError('INVALID_CREDENTIALS');
        const token = signUserToken(user, app.settings.jwtSecret, app.settings.tokenTtlSeconds);
        request.log.info({ user: user.username }, 'login');
        return {
          token,
          user: { id: user.id, username: user.username, displayName: user.displayName, role: user.role },
        };
      },
    );
  };
}
