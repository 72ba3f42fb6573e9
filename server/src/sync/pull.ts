import { MostradorError, PullQuery } from '@mostrador/common';
import type { FastifyInstance } from 'fastify';
import { requireStation } from '../auth/guards.js';
import { schedulePurge } from './horizon.js';
import { integrityRoutes } from './integrity.js';
import { changesBody, columnsBody } from './pull-body.js';
import { readPullPage } from './pull-page.js';

/** Pull, and the integrity routes and tombstone purge that keep what stations pull whole. */
export async function pullRoutes(app: FastifyInstance): Promise<void> {
  await integrityRoutes(app);
  schedulePurge(app);
  app.get<{ Querystring: PullQuery }>(
    '/sync/pull',
    { schema: { querystring: PullQuery }, preHandler: requireStation },
    async (request, reply) => {
      const { cursor, limit, format = 'rows' } = request.query;
      const station = request.station;
      if (!station) throw new MostradorError('UNAUTHORIZED');
      const page = await readPullPage(app.db, cursor, limit, format, station.ceiling);
      // Deletes below the horizon were purged: this station may have missed some of them.
      if (cursor > 0 && cursor < page.purgedSeq) {
        throw new MostradorError(
          'RESYNC_REQUIRED',
          `This station is at ${cursor}; deleted rows up to ${page.purgedSeq} are no longer kept. Bootstrap it again.`,
        );
      }
      const body = format === 'columns' ? columnsBody(page) : changesBody(page);
      // Already JSON: a string with this content type is sent as is, not serialized again.
      reply.type('application/json; charset=utf-8');
      return body;
    },
  );
}
