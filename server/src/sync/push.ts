import {
  type ErrorCode,
  ErrorResponse,
  MAX_PUSH_CHANGES,
  MostradorError,
  PushRequest,
  PushResponse,
  UUID_PATTERN,
  WithdrawResponse,
} from '@mostrador/common';
import { Type } from '@sinclair/typebox';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { requireStation } from '../auth/guards.js';
import { inTransaction } from '../db/pool.js';
import { startVerification } from './apply.js';
import { GroupCommit } from './group-commit.js';
import { PushGate } from './push-gate.js';
import { RecentKeys } from './recent-keys.js';
import { withdrawReview } from './review.js';

/** A push may carry a whole outbox page (up to 20,000 rows), far above the default body limit. */
export const PUSH_BODY_LIMIT = 32 * 1024 * 1024;

/**
 * The answer as a protocol-3 station reads it: its schema knows no code newer than its
 * release, and would refuse the whole answer over one. A row naming a row the server lacks
 * was `VALIDATION` then.
 */
function inProtocol3(response: PushResponse): PushResponse {
  const older = <T extends { code?: ErrorCode }>(entry: T): T =>
    entry.code === 'MISSING_REFERENCE' ? { ...entry, code: 'VALIDATION' } : entry;
  return { ...response, groups: response.groups.map(older), rejected: response.rejected.map(older) };
}

/** A station from before write groups sends `changes`: tell a person to update it, not "invalid body". */
function refuseOldStations(body: unknown): void {
  if (body && typeof body === 'object' && 'changes' in body && !('groups' in body)) {
    throw new MostradorError('UPGRADE_REQUIRED');
  }
}

/** When a push's request arrived and its body was parsed, for the push log's phases. */
const arrivals = new WeakMap<
  FastifyRequest,
  { arrived: number; parsed: number; answered: number; serialized: number }
>();

export async function pushRoutes(app: FastifyInstance): Promise<void> {
  const gate = new PushGate(app.settings.pushLimits);
  const keys = new RecentKeys(app.db);
  const commits = new GroupCommit(
    app.db,
    () => ({ nowMs: app.settings.now(), clockAheadMs: app.settings.clockAheadMs }),
    app.settings.groupCommit,
    (page, committed) => app.commits.emit('committing', page, committed),
  );
  app.post<{ Body: PushRequest }>(
    '/sync/push',
    {
      bodyLimit: PUSH_BODY_LIMIT,
      schema: { body: PushRequest, response: { 200: PushResponse } },
      // Issue 12: token and admission before the body is read (cheap refusal first).
      onRequest: [
        async (request) => {
          arrivals.set(request, { arrived: performance.now(), parsed: 0, answered: 0, serialized: 0 });
        },
        requireStation,
        gate.admission,
      ],
      preValidation: async (request) => {
        const arrival = arrivals.get(request);
        if (arrival) arrival.parsed = performance.now();
        refuseOldStations(request.body);
      },
      onSend: async (request) => {
        const arrival = arrivals.get(request);
        if (arrival) arrival.serialized = performance.now();
      },
      // The answer's encoding and sending, apart from the push log (written before them).
      onResponse: async (request) => {
        const arrival = arrivals.get(request);
        if (!arrival?.answered) return;
        const now = performance.now();
        request.log.debug(
          {
            serializeMs: Math.round(arrival.serialized - arrival.answered),
            sendMs: Math.round(now - arrival.serialized),
            totalMs: Math.round(now - arrival.arrived),
          },
          'push answered',
        );
      },
    },
    async (request) => {
      const started = performance.now();
      const arrival = arrivals.get(request);
      const station = request.station;
      if (!station) throw new MostradorError('UNAUTHORIZED');
      const { groups, batchId, epoch, protocol } = request.body;
      const changes = groups.reduce((sum, group) => sum + group.changes.length, 0);
      if (changes > MAX_PUSH_CHANGES) {
        throw new MostradorError(
          'PAYLOAD_TOO_LARGE',
          `A push carries at most ${MAX_PUSH_CHANGES} changes (this one ${changes}); send it in smaller pages.`,
        );
      }
      // Signatures are checked on the thread pool from here on, while the push waits for its commit.
      const history = await keys.history(groups.map((group) => group.userId));
      const keysMs = performance.now() - started;
      const verification = await startVerification(app.db, groups, station.id, history);
      // Settled when its commit comes; until then nobody awaits it (no unhandled rejection meanwhile).
      verification.verifying.catch(() => {});
      const { response, result, batch, waitedMs, commitMs } = await gate.timed(() =>
        commits.push({ stationId: station.id, groups, verification, epoch }),
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
          batch,
          // Phases, in ms: reading and parsing the body, checking it against the schema, the
          // users' keys, waiting for the commit before, the pass (timings), its COMMIT.
          receiveMs: arrival ? Math.round(arrival.parsed - arrival.arrived) : undefined,
          validateMs: arrival ? Math.round(started - arrival.parsed) : undefined,
          keysMs: Math.round(keysMs),
          waitedMs: Math.round(waitedMs),
          ...Object.fromEntries(Object.entries(result.timings).map(([name, ms]) => [name, Math.round(ms)])),
          commitMs: Math.round(commitMs),
          ms: Math.round(performance.now() - started),
        },
        'push',
      );
      if (arrival) arrival.answered = performance.now();
      return (protocol ?? 3) >= 4 ? response : inProtocol3(response);
    },
  );

  // Issue 13: a station withdraws a group of its own that is held for review (see review.ts).
  app.post<{ Params: { id: string } }>(
    '/sync/review/:id/withdraw',
    {
      onRequest: requireStation,
      schema: {
        params: Type.Object({ id: Type.String({ pattern: UUID_PATTERN }) }),
        response: { 200: WithdrawResponse, 401: ErrorResponse, 404: ErrorResponse, 409: ErrorResponse },
      },
    },
    async (request) => {
      const station = request.station;
      if (!station) throw new MostradorError('UNAUTHORIZED');
      const { id } = request.params;
      await inTransaction(app.db, 'BEGIN', (client) => withdrawReview(client, id, station.id));
      request.log.info({ groupId: id, stationId: station.id }, 'held group withdrawn by its station');
      return { id, status: 'rejected' as const };
    },
  );
}
