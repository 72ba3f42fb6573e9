/**
 * The admin side as one Fastify plugin: the routes of PROTOCOL.md and GET /admin/ws, the
 * live station list. Needs the live plugin (its notifier and presence) registered first.
 */
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { findUser } from '../auth/guards.js';
import { bearerToken, verifyUserToken } from '../auth/tokens.js';
import { SocketLimit } from '../live/socket-limit.js';
import { registerReviewRoutes } from './review-routes.js';
import { registerAdminRoutes } from './routes.js';
import { CLOSE_SESSION_ENDED, StationsMonitor } from './stations-monitor.js';

export interface AdminOptions {
  /** Most /admin/ws sockets one user may hold open; default 4. */
  socketsPerUser?: number;
}

async function admin(app: FastifyInstance, options: AdminOptions): Promise<void> {
  registerAdminRoutes(app);
  registerReviewRoutes(app);
  const { notifier, presence } = app.live;
  const monitor = new StationsMonitor(app.db, presence.timing.freshMs, 100, presence.timing.heartbeatMs);
  notifier.on('presence', () => monitor.refresh());
  notifier.on('changes', () => monitor.refresh());
  notifier.on('revoked', () => monitor.refresh());
  // A password change, demotion or deactivation (from any instance) ends that user's monitor at once.
  notifier.on('user', (userId) => monitor.closeUser(userId));
  // Notices may have been missed while LISTEN was down: check every monitor's token again.
  notifier.on('ready', () => {
    void monitor.recheck(({ token }) =>
      findUser(app.db, token, app.settings.jwtSecret, ['admin']).then(
        () => true,
        () => false,
      ),
    );
  });
  const limit = new SocketLimit(options.socketsPerUser ?? 4, 'user');

  app.get(
    '/admin/ws',
    {
      websocket: true,
      // The token travels in the Authorization header only: a URL ends up in logs and histories.
      onRequest: async (request, reply) => {
        const token = bearerToken(request.headers.authorization);
        request.user = await findUser(app.db, token, app.settings.jwtSecret, ['admin']);
        limit.take(request.user.id, request, reply);
      },
    },
    (socket, request) => {
      const token = bearerToken(request.headers.authorization) ?? '';
      const user = request.user;
      if (!user) return socket.close(CLOSE_SESSION_ENDED, 'no user');
      monitor.add(socket, { userId: user.id, token });
      // The socket lives no longer than its token.
      const { expiresAt } = verifyUserToken(token, app.settings.jwtSecret);
      const left = Math.min(Math.max(0, expiresAt - Date.now()), 2 ** 31 - 1);
      const expiry = setTimeout(() => socket.close(CLOSE_SESSION_ENDED, 'token expired'), left);
      socket.once('close', () => clearTimeout(expiry));
    },
  );

  app.addHook('onReady', async () => monitor.start());
  app.addHook('preClose', async () => monitor.stop());
}

export const adminMonitoring = fp<AdminOptions>(admin, { name: 'mostrador-admin', dependencies: ['mostrador-live'] });
