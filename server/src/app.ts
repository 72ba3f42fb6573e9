import rateLimit from '@fastify/rate-limit';
import { HybridLogicalClock, MostradorError, newNodeId } from '@mostrador/common';
import Fastify, { type FastifyInstance, type FastifyServerOptions } from 'fastify';
import { adminMonitoring } from './admin/plugin.js';
import { ensureFirstAdmin } from './auth/first-admin.js';
import { type LoginRateLimit, loginRoutes } from './auth/login.js';
import type { ReadinessCheck, ServerSettings } from './context.js';
import { migrateCentral } from './db/migrate.js';
import { createPool } from './db/pool.js';
import { registerErrorHandling } from './errors.js';
import { healthRoutes } from './health/health.js';
import { type LiveOptions, liveSync } from './live/plugin.js';
import { enrollRoutes } from './stations/enroll.js';
import { pullRoutes } from './sync/pull.js';
import { pushRoutes } from './sync/push.js';
import { typeBoxValidatorCompiler } from './validation.js';

export type { ReadinessCheck, ServerSettings, StationIdentity, TokenUser } from './context.js';

export interface AppOptions {
  readonly databaseUrl: string;
  readonly jwtSecret: string;
  /** The first admin's password; generated when absent (see `app.generatedAdminPassword`). */
  readonly adminPassword?: string;
  /** Fastify's pino logger: false (tests), true, or pino options. */
  readonly logger?: FastifyServerOptions['logger'];
  /** How far ahead of the server's clock a pushed version may be; default 60 s. */
  readonly clockAheadMs?: number;
  /** The server's wall clock (tests skew it). */
  readonly now?: () => number;
  readonly tokenTtlSeconds?: number;
  /** Login attempts per address and username; default 10 per minute. */
  readonly loginRateLimit?: LoginRateLimit;
  /** Connections in the pool; default 10. */
  readonly poolSize?: number;
  /** Behind a proxy (Railway), client addresses come from X-Forwarded-For; default false. */
  readonly trustProxy?: boolean;
  /** Live channel timing (ping interval, presence heartbeat); defaults suit production. */
  readonly live?: Omit<LiveOptions, 'databaseUrl'>;
}

declare module 'fastify' {
  interface FastifyInstance {
    /** Set when this start created the first admin without a given password: print it once. */
    generatedAdminPassword: string | null;
  }
}

/** Bodies other than pushes are small (logins, enrollments). */
const DEFAULT_BODY_LIMIT = 64 * 1024;

function decorate(app: FastifyInstance, options: AppOptions): void {
  const settings: ServerSettings = {
    jwtSecret: options.jwtSecret,
    clockAheadMs: options.clockAheadMs ?? 60_000,
    tokenTtlSeconds: options.tokenTtlSeconds ?? 12 * 60 * 60,
    now: options.now ?? Date.now,
  };
  const db = createPool(options.databaseUrl, options.poolSize);
  app.decorate('settings', settings);
  app.decorate('db', db);
  app.decorate('hlc', new HybridLogicalClock(newNodeId(), settings.now));
  app.decorate('readiness', new Map<string, ReadinessCheck>());
  app.decorate('generatedAdminPassword', null);
  app.decorateRequest('station', null);
  app.decorateRequest('user', null);
  app.addHook('onClose', () => db.end());
  // Stations correct their clocks by the server's; every answer says what time it is here.
  app.addHook('onSend', async (_request, reply) => {
    reply.header('x-server-time', new Date(settings.now()).toISOString());
  });
}

/**
 * Build the API (without listening): migrate the database, make sure the first admin
 * exists, register every route. Tests start it on port 0; `main.ts` listens for real.
 */
export async function buildApp(options: AppOptions): Promise<FastifyInstance> {
  if (!options.jwtSecret) throw new Error('buildApp: jwtSecret is required');
  await migrateCentral(options.databaseUrl);
  const app = Fastify({
    logger: options.logger ?? false,
    bodyLimit: DEFAULT_BODY_LIMIT,
    trustProxy: options.trustProxy ?? false,
  });
  app.setValidatorCompiler(typeBoxValidatorCompiler);
  registerErrorHandling(app);
  decorate(app, options);
  try {
    const created = await ensureFirstAdmin(app.db, app.hlc, options.adminPassword);
    app.generatedAdminPassword = created !== null && options.adminPassword === undefined ? created : null;

    await app.register(rateLimit, {
      global: false,
      errorResponseBuilder: (_request, context) =>
        new MostradorError('RATE_LIMITED', `Too many attempts; try again in ${context.after}.`),
    });
    await app.register(healthRoutes);
    await app.register(loginRoutes(options.loginRateLimit ?? { max: 10, timeWindowMs: 60_000 }));
    await app.register(enrollRoutes);
    await app.register(pushRoutes);
    await app.register(pullRoutes);
    // The live channel and the admin routes build on the routes above; the live plugin
    // adds the LISTEN session to app.readiness, so /health waits for it.
    await app.register(liveSync, { databaseUrl: options.databaseUrl, ...options.live });
    await app.register(adminMonitoring);
  } catch (error) {
    await app.close();
    throw error;
  }
  return app;
}
