/**
 * GET /sync/ws: a station's live channel. The token is checked at the upgrade with the
 * same guard as push and pull (a bad or revoked one gets a plain 401, no socket). On
 * connect the station gets `hello {head, serverTime}`; afterwards `changes` notices from
 * the hub; it sends `status` reports, which go to presence.
 */
import { ERRORS, type HelloMessage, MostradorError, StatusMessage } from '@mostrador/common';
import { TypeCompiler } from '@sinclair/typebox/compiler';
import type { FastifyBaseLogger, FastifyInstance, FastifyRequest } from 'fastify';
import type { WebSocket } from 'ws';
import { findStation } from '../auth/guards.js';
import { bearerToken } from '../auth/tokens.js';
import { SYNC_STATE_SQL, type SyncStateRow } from '../sync/epoch.js';
import { CLOSE_REVOKED, type StationHub } from './hub.js';
import type { Presence } from './presence.js';
import { SocketLimit } from './socket-limit.js';

const statusCheck = TypeCompiler.Compile(StatusMessage);

/**
 * Browsers cannot set headers on a WebSocket, hence `?token=` as well (PROTOCOL.md lists
 * it); the request log never shows query strings (app.ts), so the token stays out of logs.
 */
function socketToken(request: FastifyRequest): string | null {
  const query = request.query as { token?: unknown };
  return bearerToken(request.headers.authorization) ?? (typeof query.token === 'string' ? query.token : null);
}

async function readHead(app: FastifyInstance): Promise<{ head: number; epoch: string }> {
  const { rows } = await app.db.query<SyncStateRow>(SYNC_STATE_SQL);
  return { head: Number(rows[0]?.head ?? 0), epoch: rows[0]?.epoch ?? '' };
}

function parseStatus(data: unknown): StatusMessage | string {
  let message: unknown;
  try {
    message = JSON.parse(String(data));
  } catch {
    return 'not JSON';
  }
  if (statusCheck.Check(message)) return message;
  const first = statusCheck.Errors(message).First();
  return first ? `${first.path || '/'}: ${first.message}` : 'not a status message';
}

/** A bad frame is answered, not fatal: the station keeps its live channel. */
function refuse(socket: WebSocket, reason: string): void {
  const error = { code: 'VALIDATION', message: `${ERRORS.VALIDATION.message} ${reason}` };
  socket.send(JSON.stringify({ type: 'error', error }));
}

async function join(
  app: FastifyInstance,
  socket: WebSocket,
  stationId: string,
  hub: StationHub,
  presence: Presence,
  log: FastifyBaseLogger,
): Promise<void> {
  const { head, epoch } = await readHead(app);
  const hello: HelloMessage = { type: 'hello', head, serverTime: new Date(app.settings.now()).toISOString(), epoch };
  hub.add(socket, stationId, JSON.stringify(hello));
  const joined = presence.connected(stationId);
  socket.on('close', () => {
    void joined
      .then(({ connectionId }) => presence.disconnected(connectionId, stationId))
      .catch((err: unknown) => log.warn({ err }, 'presence: could not record the disconnect'));
  });
  const { revoked } = await joined;
  if (revoked) socket.close(CLOSE_REVOKED, 'station revoked');
  else log.info({ head }, 'station connected');
}

export function registerStationSocket(
  app: FastifyInstance,
  hub: StationHub,
  presence: Presence,
  socketsPerStation: number,
): void {
  const limit = new SocketLimit(socketsPerStation, 'station');
  app.get(
    '/sync/ws',
    {
      websocket: true,
      // onRequest: the token is checked before anything else is read.
      onRequest: async (request, reply) => {
        request.station = await findStation(app.db, socketToken(request));
        limit.take(request.station.id, request, reply);
      },
    },
    async (socket, request) => {
      const station = request.station;
      if (!station) throw new MostradorError('UNAUTHORIZED');
      const log = request.log.child({ stationId: station.id, station: station.name });
      socket.on('message', (data) => {
        const status = parseStatus(data);
        if (typeof status === 'string') refuse(socket, status);
        else presence.report(station.id, status);
      });
      try {
        await join(app, socket, station.id, hub, presence, log);
      } catch (err) {
        log.error({ err }, 'station socket could not join');
        socket.close(1011, 'server error');
      }
    },
  );
}
