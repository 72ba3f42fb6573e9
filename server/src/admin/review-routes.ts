/**
 * Issue 8: the admins' review list of held groups, and the stations' ceilings.
 *   GET  /admin/review?status=pending|accepted|rejected
 *   POST /admin/review/:id/accept            applies the group whole (409 with the reason if it still cannot)
 *   POST /admin/review/:id/reject { note? }  its station undoes it at its next push
 *   POST /admin/stations/:id/ceiling { ceiling }
 * Decisions NOTIFY the live channel, so stations pull (and push) at once.
 */
import {
  CeilingRequest,
  ErrorResponse,
  MostradorError,
  ReviewQuery,
  ReviewRejectRequest,
  ReviewResponse,
  UUID_PATTERN,
} from '@mostrador/common';
import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { requireUser } from '../auth/guards.js';
import { inTransaction } from '../db/pool.js';
import { acceptReview, listReview, rejectReview } from '../sync/review.js';

const errors = { 400: ErrorResponse, 401: ErrorResponse, 403: ErrorResponse, 404: ErrorResponse, 409: ErrorResponse };
const IdParams = Type.Object({ id: Type.String({ pattern: UUID_PATTERN }) });
type Id = { id: string };

export function registerReviewRoutes(app: FastifyInstance): void {
  const admin = requireUser('admin');

  app.get<{ Querystring: ReviewQuery }>(
    '/admin/review',
    { onRequest: admin, schema: { querystring: ReviewQuery, response: { 200: ReviewResponse, ...errors } } },
    async (request) => ({ groups: await listReview(app.db, request.query.status) }),
  );

  app.post<{ Params: Id; Body: ReviewRejectRequest | undefined }>(
    '/admin/review/:id/accept',
    { onRequest: admin, schema: { params: IdParams, response: errors } },
    async (request) => {
      const { id } = request.params;
      const adminId = request.user?.id as string;
      const { cursor } = await inTransaction(app.db, 'BEGIN', (client) =>
        acceptReview(client, id, adminId, request.body?.note, {
          nowMs: app.settings.now(),
          clockAheadMs: app.settings.clockAheadMs,
        }),
      );
      request.log.info({ groupId: id, by: request.user?.username, cursor }, 'held group accepted');
      return { id, status: 'accepted', cursor };
    },
  );

  app.post<{ Params: Id; Body: ReviewRejectRequest | undefined }>(
    '/admin/review/:id/reject',
    { onRequest: admin, schema: { params: IdParams, body: Type.Optional(ReviewRejectRequest), response: errors } },
    async (request) => {
      const { id } = request.params;
      const adminId = request.user?.id as string;
      await inTransaction(app.db, 'BEGIN', (client) => rejectReview(client, id, adminId, request.body?.note));
      request.log.info({ groupId: id, by: request.user?.username }, 'held group rejected');
      return { id, status: 'rejected' };
    },
  );

  app.post<{ Params: Id; Body: CeilingRequest }>(
    '/admin/stations/:id/ceiling',
    { onRequest: admin, schema: { params: IdParams, body: CeilingRequest, response: errors } },
    async (request) => {
      const { id } = request.params;
      const { rowCount } = await app.db.query('UPDATE stations SET ceiling = $2 WHERE id = $1', [
        id,
        request.body.ceiling,
      ]);
      if (!rowCount) throw new MostradorError('NOT_FOUND', `No station ${id}.`);
      request.log.info({ stationId: id, ceiling: request.body.ceiling, by: request.user?.username }, 'station ceiling');
      return { stationId: id, ceiling: request.body.ceiling };
    },
  );
}
