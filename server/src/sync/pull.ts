import { PullQuery } from '@mostrador/common';
import type { FastifyInstance } from 'fastify';
import { requireStation } from '../auth/guards.js';
import { changesBody, columnsBody } from './pull-body.js';
import { readPullPage } from './pull-page.js';
import { SharedPages } from './shared-pages.js';

/** The live channel's newest announced head while its LISTEN session is up, else null. */
function liveGeneration(app: FastifyInstance): number | null {
  if (!app.hasDecorator('live') || !app.live.notifier.ready) return null;
  return app.live.hub.announced;
}

export async function pullRoutes(app: FastifyInstance): Promise<void> {
  const shared = new SharedPages();
  app.get<{ Querystring: PullQuery }>(
    '/sync/pull',
    { schema: { querystring: PullQuery }, preHandler: requireStation },
    async (request, reply) => {
      const { cursor, limit, format = 'rows' } = request.query;
      const body = await shared.read(liveGeneration(app), `${cursor}:${limit}:${format}`, async () => {
        const page = await readPullPage(app.db, cursor, limit, format);
        return format === 'columns' ? columnsBody(page) : changesBody(page);
      });
      // Already JSON: a string with this content type is sent as is, not serialized again.
      reply.type('application/json; charset=utf-8');
      return body;
    },
  );
}
