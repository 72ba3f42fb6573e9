/**
 * The admin side as one Fastify plugin: the routes of PROTOCOL.md and GET /admin/ws, the
 * live station list. Needs the live plugin (its notifier and presence) registered first.
 */
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { requireUser } from '../auth/guards.js';
import { registerReviewRoutes } from './review-routes.js';
import { registerAdminRoutes } from './routes.js';
import { StationsMonitor } from './stations-monitor.js';

async function admin(app: FastifyInstance): Promise<void> {
  registerAdminRoutes(app);
  registerReviewRoutes(app);
  const { notifier, presence } = app.live;
  const monitor = new StationsMonitor(app.db, presence.timing.freshMs, 100, presence.timing.heartbeatMs);
  notifier.on('presence', () => monitor.refresh());
  notifier.on('changes', () => monitor.refresh());
  notifier.on('revoked', () => monitor.refresh());
  const adminOnly = requireUser('admin');

  app.get(
    '/admin/ws',
    {
      websocket: true,
      onRequest: async (request, reply) => {
        // Browsers cannot set headers on a WebSocket: accept `?token=` and check it with the usual guard.
        const query = request.query as { token?: unknown };
        if (!request.headers.authorization && typeof query.token === 'string') {
          request.headers.authorization = `Bearer ${query.token}`;
        }
        await adminOnly(request, reply);
      },
    },
    (socket) => monitor.add(socket),
  );

  app.addHook('onReady', async () => monitor.start());
  app.addHook('preClose', async () => monitor.stop());
}

export const adminMonitoring = fp(admin, { name: 'mostrador-admin', dependencies: ['mostrador-live'] });
