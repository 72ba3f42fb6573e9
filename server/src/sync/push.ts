import {
  asSentTo,
  MAX_PUSH_CHANGES,
  MostradorError,
  PushRequest,
  PushResponse,
  type Role,
  type TableName,
} from '@mostrador/common';
import type { FastifyInstance } from 'fastify';
import { requireStation } from '../auth/guards.js';
import { inTransaction } from '../db/pool.js';
import { applyGroups, lockHead, startVerification } from './apply.js';
import { PushGate } from './push-gate.js';
import { answerReviewed, findReviewed, holdGroups } from './review.js';

/** A push may carry a whole outbox page (up to 20,000 rows), far above the default body limit. */
export const PUSH_BODY_LIMIT = 32 * 1024 * 1024;

/** A station from before write groups sends `changes`: tell a person to update it, not "invalid body". */
function refuseOldStations(body: unknown): void {
  if (body && typeof body === 'object' && 'changes' in body && !('groups' in body)) {
    throw new MostradorError('UPGRADE_REQUIRED');
  }
}

export async function pushRoutes(app: FastifyInstance): Promise<void> {
  const gate = new PushGate(2, app.settings.pushLimits);
  app.post<{ Body: PushRequest }>(
    '/sync/push',
    {
      bodyLimit: PUSH_BODY_LIMIT,
      schema: { body: PushRequest, response: { 200: PushResponse } },
      // Issue 12: token and admission before the body is read (cheap refusal first).
      onRequest: [requireStation, gate.admission],
      preValidation: async (request) => refuseOldStations(request.body),
    },
    async (request) => {
      const started = performance.now();
      const station = request.station;
      if (!station) throw new MostradorError('UNAUTHORIZED');
      const { groups, batchId } = request.body;
      const changes = groups.reduce((sum, group) => sum + group.changes.length, 0);
      if (changes > MAX_PUSH_CHANGES) {
        throw new MostradorError(
          'PAYLOAD_TOO_LARGE',
          `A push carries at most ${MAX_PUSH_CHANGES} changes (this one ${changes}); send it in smaller pages.`,
        );
      }
      const { result, ...response } = await gate.run(() =>
        inTransaction(app.db, 'BEGIN', async (client) => {
          // Signatures are checked on the thread pool from here on, before the sequence lock.
          const verification = await startVerification(client, groups, station.id);
          await lockHead(client);
          const { rows } = await client.query<{ ceiling: Role }>('SELECT ceiling FROM stations WHERE id = $1', [
            station.id,
          ]);
          const ceiling = rows[0]?.ceiling ?? 'cashier';
          const reviewed = await findReviewed(
            client,
            groups.map((g) => g.id),
          );
          const fresh = groups.filter((g) => !reviewed.has(g.id));
          const result = await applyGroups(
            client,
            fresh,
            { stationId: station.id, ceiling },
            { nowMs: app.settings.now(), clockAheadMs: app.settings.clockAheadMs },
            verification,
          );
          await holdGroups(client, station.id, result.held);
          const outcomes = new Map(result.groups.map((o) => [o.id, o]));
          const applied = [...result.applied];
          const rejected = [...result.rejected];
          for (const review of reviewed.values()) {
            const answer = await answerReviewed(client, review, ceiling);
            outcomes.set(review.id, answer.outcome);
            applied.push(...answer.applied);
            rejected.push(...answer.rejected);
          }
          const seen = new Set<string>();
          const ordered = groups.flatMap((g) => {
            const outcome = outcomes.get(g.id);
            if (!outcome || seen.has(g.id)) return [];
            seen.add(g.id);
            return [outcome];
          });
          const answer: PushResponse = {
            cursor: result.cursor,
            applied,
            // A winning users row goes back as this station receives users rows (issue 12).
            superseded: result.superseded.map((s) => ({ ...s, row: asSentTo(s.table as TableName, s.row, ceiling) })),
            rejected,
            groups: ordered,
          };
          return { ...answer, result };
        }),
      );
      request.log.info(
        {
          station: station.name,
          stationId: station.id,
          batchId,
          groups: groups.length,
          changes,
          written: result.written,
          held: result.held.length,
          applied: response.applied.length,
          superseded: response.superseded.length,
          rejected: response.rejected.length,
          cursor: response.cursor,
          verifyMs: Math.round(result.timings.verifyMs),
          planMs: Math.round(result.timings.planMs),
          writeMs: Math.round(result.timings.writeMs),
          ms: Math.round(performance.now() - started),
        },
        'push',
      );
      return response;
    },
  );
}
