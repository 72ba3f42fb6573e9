import { PushRequest, PushResponse } from '@mostrador/common';
import type { FastifyInstance } from 'fastify';
import { requireStation } from '../auth/guards.js';
import { inTransaction } from '../db/pool.js';
import { applyChanges } from './apply.js';
import { PushGate } from './push-gate.js';

/** A push may carry a whole outbox page (up to 20,000 rows), far above the default body limit. */
export const PUSH_BODY_LIMIT = 32 * 1024 * 1024;

export async function pushRoutes(app: FastifyInstance): Promise<void> {
  const gate = new PushGate(2, app.settings.pushLimits);
  app.post<{ Body: PushRequest }>(
    '/sync/push',
    {
      bodyLimit: PUSH_BODY_LIMIT,
      schema: { body: PushRequest, response: { 200: PushResponse } },
      // Issue 12: token and admission before the body is read (cheap refusal first).
      onRequest: [requireStation, gate.admission],
    },
    async (request) => {
      const started = performance.now();
      const station = request.station;
      const { written, ...response } = await gate.run(() =>
        inTransaction(app.db, 'BEGIN', (client) =>
          applyChanges(client, request.body.changes, {
            nowMs: app.settings.now(),
            clockAheadMs: app.settings.clockAheadMs,
            stationId: station?.id ?? null,
          }),
        ),
      );
      request.log.info(
        {
          station: station?.name,
          stationId: station?.id,
          batchId: request.body.batchId,
          changes: request.body.changes.length,
          written,
          applied: response.applied.length,
          superseded: response.superseded.length,
          rejected: response.rejected.length,
          cursor: response.cursor,
          ms: Math.round(performance.now() - started),
        },
        'push',
      );
      return response;
    },
  );
}
