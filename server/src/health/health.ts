import { ERRORS } from '@mostrador/common';
import type { FastifyInstance } from 'fastify';

const DB_PROBE_TIMEOUT_MS = 2_000;

async function databaseAnswers(app: FastifyInstance): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<boolean>((resolve) => {
    timer = setTimeout(() => resolve(false), DB_PROBE_TIMEOUT_MS);
  });
  const probe = app.db.query('SELECT 1').then(
    () => true,
    () => false,
  );
  try {
    return await Promise.race([probe, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

async function runCheck(check: () => boolean | Promise<boolean>): Promise<boolean> {
  try {
    return await check();
  } catch {
    return false;
  }
}

/**
 * 200 only when the database answers and every registered readiness check passes, so a
 * load balancer never routes to a half-started instance. Other parts (the LISTEN
 * connection) add their checks to `app.readiness`.
 */
export async function healthRoutes(app: FastifyInstance): Promise<void> {
  app.get('/health', async (_request, reply) => {
    const status: Record<string, 'ok' | 'unavailable'> = { db: (await databaseAnswers(app)) ? 'ok' : 'unavailable' };
    for (const [name, check] of app.readiness) status[name] = (await runCheck(check)) ? 'ok' : 'unavailable';
    const ready = Object.values(status).every((s) => s === 'ok');
    if (ready) return { status: 'ok', ...status };
    const error =
      status.db === 'ok' ? {} : { error: { code: 'DB_UNAVAILABLE', message: ERRORS.DB_UNAVAILABLE.message } };
    return reply.status(503).send({ status: 'unavailable', ...status, ...error });
  });
}
