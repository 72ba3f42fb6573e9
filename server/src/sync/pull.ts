import { PullQuery } from '@mostrador/common';
import type { FastifyInstance } from 'fastify';
import { requireStation } from '../auth/guards.js';
import { changesBody, columnsBody } from './pull-body.js';
import { readPullPage } from './pull-page.js';

export async function pullRoutes(app: FastifyInstance): Promise<void> {
  app.get<{ Querystring: PullQuery }>(
    '/sync/pull',
    { schema: { querystring: PullQuery }, preHandler: requireStation },
    async (request, reply) => {
      const { cursor, limit, format = 'rows' } = request.query;
      const page = await readPullPage(app.db, cursor, limit, format);
      const body = format === 'columns' ? columnsBody(page) : changesBody(page);
      // Already JSON: a string with this content type is sent as is, not serialized again.
      reply.type('application/json; charset=utf-8');
      return body;
    },
  );
}
