/**
 * The admin routes of PROTOCOL.md: the station list, revoking a station, the conflict log.
 */
import {
  ConflictsResponse,
  type ConflictView,
  ErrorResponse,
  MostradorError,
  StationsResponse,
  UUID_PATTERN,
} from '@mostrador/common';
import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { requireUser } from '../auth/guards.js';
import { inTransaction } from '../db/pool.js';
import { notifyRevocation } from '../live/channels.js';
import { CLOSE_REVOKED } from '../live/hub.js';
import { listStations } from './stations-view.js';

const errors = { 400: ErrorResponse, 401: ErrorResponse, 403: ErrorResponse };
const StationParams = Type.Object({ id: Type.String({ pattern: UUID_PATTERN }) });
const ConflictsQuery = Type.Object({ limit: Type.Integer({ minimum: 1, maximum: 1000, default: 100 }) });

interface ConflictRecord {
  tableName: string;
  rowId: string;
  lost: ConflictView['lost'];
  won: ConflictView['won'];
  at: Date;
}

export function registerAdminRoutes(app: FastifyInstance): void {
  const admin = requireUser('admin');

  app.get(
    '/admin/stations',
    { onRequest: admin, schema: { response: { 200: StationsResponse, ...errors } } },
    async () => ({ stations: await listStations(app.db, app.live.presence.timing.freshMs) }),
  );

  app.post<{ Params: { id: string } }>(
    '/admin/stations/:id/revoke',
    { onRequest: admin, schema: { params: StationParams, response: { 404: ErrorResponse, ...errors } } },
    async (request) => {
      const { id } = request.params;
      // The NOTIFY goes out with the commit: every instance, this one included, closes the
      // station's sockets as soon as the revocation is visible to token checks.
      const revoked = await inTransaction(app.db, 'BEGIN', async (client) => {
        const { rows } = await client.query<{ revokedAt: Date }>(
          `UPDATE stations SET "revokedAt" = coalesce("revokedAt", now()) WHERE id = $1 RETURNING "revokedAt"`,
          [id],
        );
        if (rows[0]) await notifyRevocation(client, id);
        return rows[0];
      });
      if (!revoked) throw new MostradorError('NOT_FOUND', `No station ${id}.`);
      app.live.hub.closeStation(id, CLOSE_REVOKED, 'station revoked');
      request.log.info({ stationId: id, by: request.user?.username }, 'station revoked');
      return { stationId: id, revokedAt: revoked.revokedAt.toISOString() };
    },
  );

  app.get<{ Querystring: { limit: number } }>(
    '/admin/conflicts',
    { onRequest: admin, schema: { querystring: ConflictsQuery, response: { 200: ConflictsResponse, ...errors } } },
    async (request) => {
      const { rows } = await app.db.query<ConflictRecord>(
        'SELECT "tableName", "rowId", lost, won, at FROM conflicts ORDER BY at DESC, id DESC LIMIT $1',
        [request.query.limit],
      );
      return {
        conflicts: rows.map((r) => ({
          table: r.tableName,
          id: r.rowId,
          lost: r.lost,
          won: r.won,
          at: r.at.toISOString(),
        })),
      };
    },
  );
}
