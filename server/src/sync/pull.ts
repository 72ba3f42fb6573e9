import { MostradorError, PullQuery } from '@mostrador/common';
import type { FastifyInstance } from 'fastify';
import { requireStation } from '../auth/guards.js';
import { schedulePurge } from './horizon.js';
import { integrityRoutes } from './integrity.js';
import { type EncodedPage, sendPage } from './page-encoding.js';
import { changesBodyBytes, columnsBodyBytes } from './pull-body.js';
import { readPullPage } from './pull-page.js';
import type { SharedPulls } from './shared-pulls.js';
import { snapshotRoutes } from './snapshot.js';

/** A pull's answer as every station asking the same thing gets it: the body encoded once (and gzipped once, if asked). */
export interface PullAnswer extends EncodedPage {
  readonly body: Buffer;
  /** A cursor below this may have missed a purged delete (see horizon.ts). */
  readonly purgedSeq: number;
}

export type SharedPullAnswers = SharedPulls<PullAnswer>;

/** Pull, the bootstrap snapshot, and the integrity routes and tombstone purge that keep what stations pull whole. */
export async function pullRoutes(app: FastifyInstance): Promise<void> {
  await integrityRoutes(app);
  await snapshotRoutes(app);
  schedulePurge(app);
  app.get<{ Querystring: PullQuery }>(
    '/sync/pull',
    { schema: { querystring: PullQuery }, preHandler: requireStation },
    async (request, reply) => {
      const { cursor, limit, format = 'rows' } = request.query;
      const station = request.station;
      if (!station) throw new MostradorError('UNAUTHORIZED');
      // Everything the answer depends on (the ceiling decides which verifiers users rows carry).
      const key = `${cursor}:${limit}:${format}:${station.ceiling}`;
      const answer = await app.sharedPulls.get(key, async () => {
        const page = await readPullPage(app.db, cursor, limit, format, station.ceiling);
        const body = format === 'columns' ? columnsBodyBytes(page) : changesBodyBytes(page);
        return { body, purgedSeq: page.purgedSeq };
      });
      // Deletes below the horizon were purged: this station may have missed some of them.
      if (cursor > 0 && cursor < answer.purgedSeq) {
        throw new MostradorError(
          'RESYNC_REQUIRED',
          `This station is at ${cursor}; deleted rows up to ${answer.purgedSeq} are no longer kept. Bootstrap it again.`,
        );
      }
      // Already JSON, and already UTF-8: sent as is (or gzipped once) to every station that asked the same.
      return sendPage(request, reply, answer.body, answer);
    },
  );
}
