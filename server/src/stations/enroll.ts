import { EnrollRequest, EnrollResponse, newId } from '@mostrador/common';
import type { FastifyInstance } from 'fastify';
import { requireUser } from '../auth/guards.js';
import { newStationToken, stationTokenHash } from '../auth/tokens.js';

/** An admin enrolls a station once, online; the token is shown this one time and stored only as a hash. */
export async function enrollRoutes(app: FastifyInstance): Promise<void> {
  app.post<{ Body: EnrollRequest }>(
    '/stations/enroll',
    { schema: { body: EnrollRequest, response: { 201: EnrollResponse } }, preHandler: requireUser('admin') },
    async (request, reply) => {
      const stationId = newId();
      const stationToken = newStationToken();
      // The ceiling (issue 8): the highest role whose writes it may carry; a counter is enrolled lower.
      const ceiling = request.body.ceiling ?? 'admin';
      await app.db.query(
        'INSERT INTO stations (id, name, "tokenHash", "enrolledBy", ceiling) VALUES ($1, $2, $3, $4, $5)',
        [stationId, request.body.name, stationTokenHash(stationToken), request.user?.id, ceiling],
      );
      request.log.info(
        { stationId, station: request.body.name, ceiling, by: request.user?.username },
        'station enrolled',
      );
      return reply.status(201).send({ stationId, stationToken });
    },
  );
}
