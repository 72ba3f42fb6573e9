/**
 * The owner's view (issue 13): read-only pages the API serves to a browser anywhere. The page
 * logs in with an admin's username and password (POST /auth/login) and then reads
 * GET /owner/api/summary with that token twice a second: the stations live, today's sales by
 * station and cashier, and the latest conflicts. Nothing here writes.
 */
import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import type { Knex } from 'knex';
import { listStations } from '../admin/stations-view.js';
import { requireUser } from '../auth/guards.js';
import { OWNER_CSS, OWNER_HTML, OWNER_JS } from './page.js';

const SummaryQuery = Type.Object(
  {
    since: Type.String({ pattern: '^\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}(\\.\\d{1,3})?Z$' }),
  },
  { additionalProperties: false },
);

/**
 * knex and objection (the summary's queries) load on the first summary asked for, not at
 * start: they are a good part of the API's start-up, and most instances never serve the page.
 */
function lazySummary(databaseUrl: string) {
  let loaded: Promise<{ knex: Knex; summary: typeof import('./summary.js') }> | null = null;
  return {
    load() {
      loaded ??= Promise.all([import('../db/knex.js'), import('./summary.js')]).then(([{ createKnex }, summary]) => ({
        knex: createKnex(databaseUrl, { min: 0, max: 2 }),
        summary,
      }));
      return loaded;
    },
    async close() {
      if (loaded) await (await loaded).knex.destroy();
    },
  };
}

async function owner(app: FastifyInstance, options: { databaseUrl: string }): Promise<void> {
  const queries = lazySummary(options.databaseUrl);
  app.addHook('onClose', async () => queries.close());
  const admin = requireUser('admin');

  app.get('/owner', async (_request, reply) => reply.redirect('/owner/'));
  app.get('/owner/', async (_request, reply) => reply.type('text/html; charset=utf-8').send(OWNER_HTML));
  app.get('/owner/app.js', async (_request, reply) => reply.type('text/javascript; charset=utf-8').send(OWNER_JS));
  app.get('/owner/app.css', async (_request, reply) => reply.type('text/css; charset=utf-8').send(OWNER_CSS));

  app.get<{ Querystring: { since: string } }>(
    '/owner/api/summary',
    { onRequest: admin, schema: { querystring: SummaryQuery } },
    async (request) => {
      const { knex, summary } = await queries.load();
      const [stations, sales, conflicts] = await Promise.all([
        listStations(app.db, app.live.presence.timing.freshMs),
        summary.salesSince(knex, new Date(request.query.since).toISOString()),
        summary.latestConflicts(knex, 20),
      ]);
      return { serverTime: new Date().toISOString(), stations, sales, conflicts };
    },
  );
}

export const ownerView = fp(owner, { name: 'mostrador-owner', dependencies: ['mostrador-live'] });
