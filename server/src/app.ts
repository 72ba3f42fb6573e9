import { EventEmitter } from 'node:events';
import { HybridLogicalClock, newNodeId } from '@mostrador/common';
import Fastify, { type FastifyInstance, type FastifyServerOptions } from 'fastify';
import { ConflictRetention, type RetentionOptions } from './admin/conflict-retention.js';
import { adminMonitoring } from './admin/plugin.js';
import { ensureFirstAdmin } from './auth/first-admin.js';
import { type LoginRateLimit, loginRoutes } from './auth/login.js';
import { jwtSecretProblem } from './auth/tokens.js';
import type { CommitEvents, ReadinessCheck, ServerSettings } from './context.js';
import { migrateCentral } from './db/migrate.js';
import { createPool } from './db/pool.js';
import { registerErrorHandling } from './errors.js';
import { healthRoutes } from './health/health.js';
import { type LiveOptions, liveSync } from './live/plugin.js';
import { ownerView } from './owner/plugin.js';
import { enrollRoutes } from './stations/enroll.js';
import { DEFAULT_GROUP_COMMIT, type GroupCommitLimits } from './sync/group-commit.js';
import { type PullAnswer, pullRoutes } from './sync/pull.js';
import { pushRoutes } from './sync/push.js';
import { DEFAULT_PUSH_LIMITS, type PushLimits } from './sync/push-gate.js';
import { SharedPulls } from './sync/shared-pulls.js';
import { typeBoxValidatorCompiler } from './validation.js';

export type { ReadinessCheck, ServerSettings, StationIdentity, TokenUser } from './context.js';

export interface AppOptions {
  readonly databaseUrl: string;
  readonly jwtSecret: string;
  /** The first admin's password; generated when absent (see `app.generatedAdminPassword`). */
  readonly adminPassword?: string;
  /** The first admin's display name (ADMIN_DISPLAY_NAME); default "Administrador". */
  readonly adminDisplayName?: string;
  /** Fastify's pino logger: false (tests), true, or pino options. */
  readonly logger?: FastifyServerOptions['logger'];
  /** How far ahead of the server's clock a pushed version may be; default 60 s. */
  readonly clockAheadMs?: number;
  /** The server's wall clock (tests skew it). */
  readonly now?: () => number;
  readonly tokenTtlSeconds?: number;
  /** Login attempts per client address (default 20 per minute) and the per-username backoff. */
  readonly loginRateLimit?: LoginRateLimit;
  /** Connections in the pool; default 10. */
  readonly poolSize?: number;
  /**
   * Proxies whose X-Forwarded-For is believed: a hop count (Railway: 1) or their addresses
   * (CIDR allowed). Never "any": a client could then pick its own address. Default: none.
   */
  readonly trustProxy?: TrustProxy;
  /** Pushes in flight per station and in all (over that: 429 with Retry-After). */
  readonly pushLimits?: Partial<PushLimits>;
  /** Most pushes and rows sharing one commit; default 100 pushes, 20,000 rows. */
  readonly groupCommit?: Partial<GroupCommitLimits>;
  /** Most live sockets one station may hold open (/sync/ws); default 4. */
  readonly socketsPerStation?: number;
  /** Most admin monitor sockets one user may hold open (/admin/ws); default 4. */
  readonly socketsPerUser?: number;
  /** Whole request (headers and body) and headers-only deadlines; default 120 s and 10 s. */
  readonly requestTimeoutMs?: number;
  readonly headersTimeoutMs?: number;
  /** Conflict-log retention: age, rows, and how often it runs. */
  readonly conflictRetention?: Partial<RetentionOptions>;
  /** How long a finished pull read may answer the same pull again (sync/shared-pulls.ts); default 25 ms. */
  readonly pullReuseMs?: number;
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

export type TrustProxy = false | number | readonly string[];

/**
 * TRUST_PROXY as written in the environment: unset/`false`/`0` → none, a number → that many
 * hops, otherwise a comma-separated list of addresses or CIDRs. `true`, `any` or `*` would
 * believe any client's X-Forwarded-For, so they are refused.
 */
export function parseTrustProxy(value: string | undefined): TrustProxy {
  const text = value?.trim() ?? '';
  if (text === '' || text === 'false' || text === '0') return false;
  if (/^\d+$/.test(text)) return Number(text);
  if (['true', 'any', '*', 'all'].includes(text.toLowerCase())) {
    throw new Error(
      `TRUST_PROXY=${text} would believe any client's X-Forwarded-For; give the hop count (Railway: 1) or the proxies' addresses.`,
    );
  }
  const list = text.split(',').map((part) => part.trim());
  if (list.some((part) => !/^[0-9a-fA-F:.]+(\/\d{1,3})?$/.test(part))) {
    throw new Error(`TRUST_PROXY=${text}: expected a hop count or a comma-separated list of addresses/CIDRs.`);
  }
  return list;
}

/**
 * What the request log says about a request: method, path and client address. Never the
 * query string (`/sync/ws?token=…`) nor any header (Authorization, cookies).
 */
export const requestLogSerializers = {
  req(request: { method?: string; url?: string; ip?: string; socket?: { remoteAddress?: string } }) {
    return {
      method: request.method,
      url: request.url?.split('?')[0],
      remoteAddress: request.ip ?? request.socket?.remoteAddress,
    };
  },
};

function loggerOptions(logger: AppOptions['logger']): FastifyServerOptions['logger'] {
  if (!logger) return false;
  const given = logger === true ? {} : logger;
  return {
    ...given,
    serializers: { ...requestLogSerializers, ...(given as { serializers?: object }).serializers },
    redact: { paths: ['req.headers.authorization', 'req.headers.cookie', 'headers.authorization'], remove: true },
  };
}

function decorate(app: FastifyInstance, options: AppOptions): void {
  const settings: ServerSettings = {
    jwtSecret: options.jwtSecret,
    clockAheadMs: options.clockAheadMs ?? 60_000,
    tokenTtlSeconds: options.tokenTtlSeconds ?? 12 * 60 * 60,
    now: options.now ?? Date.now,
    pushLimits: { ...DEFAULT_PUSH_LIMITS, ...options.pushLimits },
    groupCommit: { ...DEFAULT_GROUP_COMMIT, ...options.groupCommit },
  };
  const db = createPool(options.databaseUrl, options.poolSize);
  app.decorate('settings', settings);
  app.decorate('db', db);
  app.decorate('hlc', new HybridLogicalClock(newNodeId(), settings.now));
  app.decorate('readiness', new Map<string, ReadinessCheck>());
  const sharedPulls = new SharedPulls<PullAnswer>(options.pullReuseMs);
  app.decorate('sharedPulls', sharedPulls);
  app.decorate('commits', new EventEmitter<CommitEvents>());
  app.decorate('generatedAdminPassword', null);
  app.decorateRequest('station', null);
  app.decorateRequest('user', null);
  app.addHook('onClose', () => db.end());
  // Stations correct their clocks by the server's; every answer says what time it is here.
  app.addHook('onSend', async (request, reply) => {
    reply.header('x-server-time', new Date(settings.now()).toISOString());
    // A write this instance answers (a push, a review decision…) is in every pull asked
    // after the answer, even before its NOTIFY comes back: no shared read predates it.
    if (request.method !== 'GET' && request.method !== 'HEAD') sharedPulls.newHead();
  });
}

/**
 * Build the API (without listening): migrate the database, make sure the first admin
 * exists, register every route. Tests start it on port 0; `main.ts` listens for real.
 */
export async function buildApp(options: AppOptions): Promise<FastifyInstance> {
  if (!options.jwtSecret) throw new Error('buildApp: jwtSecret is required');
  const weakSecret = jwtSecretProblem(options.jwtSecret, false);
  if (weakSecret) throw new Error(`buildApp: ${weakSecret}`);
  if ((options.trustProxy as unknown) === true)
    throw new Error('buildApp: trustProxy must be a hop count or addresses');
  await migrateCentral(options.databaseUrl);
  const trustProxy = options.trustProxy ?? false;
  const app = Fastify({
    logger: loggerOptions(options.logger),
    bodyLimit: DEFAULT_BODY_LIMIT,
    // A hop count as proxy-addr's function: trust the `hops` nearest addresses of the chain.
    trustProxy:
      typeof trustProxy === 'number' ? (_address: string, hop: number) => hop < trustProxy : [...(trustProxy || [])],
    // A slowly sent request (slowloris) is cut off instead of holding a socket for minutes.
    requestTimeout: options.requestTimeoutMs ?? 120_000,
    // A URL Fastify cannot even route (`/sync/%a`) is answered in the error shape too.
    frameworkErrors: (error, _request, reply) => {
      const raw = reply as unknown as { status(code: number): { send(body: unknown): void } };
      raw.status(400).send({ error: { code: 'VALIDATION', message: error.message } });
    },
    http: {
      headersTimeout: options.headersTimeoutMs ?? 10_000,
      // Node checks the deadlines on this period (default 30 s): make them hold close to their value.
      connectionsCheckingInterval: Math.min(2_000, options.headersTimeoutMs ?? 10_000),
    },
  });
  app.setValidatorCompiler(typeBoxValidatorCompiler);
  registerErrorHandling(app);
  decorate(app, options);
  try {
    const created = await ensureFirstAdmin(app.db, app.hlc, options.adminPassword, options.adminDisplayName);
    app.generatedAdminPassword = created !== null && options.adminPassword === undefined ? created : null;

    await app.register(healthRoutes);
    await app.register(loginRoutes(options.loginRateLimit ?? { max: 20, timeWindowMs: 60_000 }));
    await app.register(enrollRoutes);
    await app.register(pushRoutes);
    await app.register(pullRoutes);
    // The live channel and the admin routes build on the routes above; the live plugin
    // adds the LISTEN session to app.readiness, so /health waits for it.
    await app.register(liveSync, {
      databaseUrl: options.databaseUrl,
      socketsPerStation: options.socketsPerStation,
      ...options.live,
    });
    await app.register(adminMonitoring, { socketsPerUser: options.socketsPerUser });
    await app.register(ownerView, { databaseUrl: options.databaseUrl }); // issue 13: the owner's read-only pages
    const retention = new ConflictRetention(app.db, options.conflictRetention, app.log);
    app.addHook('onReady', async () => retention.start());
    app.addHook('onClose', async () => retention.stop());
  } catch (error) {
    await app.close();
    throw error;
  }
  return app;
}
