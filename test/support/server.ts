/**
 * A real API server for tests, on a fresh migrated database and a port the OS picks.
 *
 *   startTestServer(options?: Partial<AppOptions>) → Promise<TestServer>
 *     TestServer = { url, databaseUrl, adminPassword, app, close() }
 *       url            'http://127.0.0.1:<port>' (no trailing slash)
 *       databaseUrl    the test's own PostgreSQL database (query it to assert what was written)
 *       adminPassword  the password of the `admin` user
 *       app            the FastifyInstance (listening)
 *       close()        stops the server and drops the database; call it in afterAll
 *     options are buildApp's (e.g. { clockAheadMs, now, loginRateLimit }); logger is off;
 *     the login rate limit is 1000/min unless given, so tests may log in freely.
 *   loginAdmin(url, password?) → Promise<string>        a user token of `admin`
 *     (password defaults to the one startTestServer chose for that url; the token is
 *     cached per server, so calling it often costs no login attempts)
 *   login(url, username, password) → Promise<LoginResponse>
 *   enrollStation(url, name, adminToken?, ceiling?) → Promise<{ stationId, stationToken, adminToken }>
 *   adminSigner(server) → Promise<{ userId, key }>   the admin's id and private key, unsealed from
 *     its stored sealedKey with the server's admin password (cached per server)
 *
 * Requires vitest's global setup (test/support/global-setup.ts), like createTestDatabase.
 */
import { type KeyObject, randomBytes } from 'node:crypto';
import { type EnrollResponse, type LoginResponse, type Role, unsealUserKey } from '@mostrador/common';
import type { FastifyInstance } from 'fastify';
import pg from 'pg';
import { type AppOptions, buildApp } from '../../server/src/app.js';
import { createTestDatabase } from './pg.js';

export interface TestServer {
  readonly url: string;
  readonly databaseUrl: string;
  readonly adminPassword: string;
  readonly app: FastifyInstance;
  close(): Promise<void>;
}

const adminPasswords = new Map<string, string>();
const adminTokens = new Map<string, string>();
const adminSigners = new Map<string, Promise<{ userId: string; key: KeyObject }>>();

export async function startTestServer(options: Partial<AppOptions> = {}): Promise<TestServer> {
  const database = await createTestDatabase();
  const adminPassword = options.adminPassword ?? `admin-${randomBytes(6).toString('hex')}`;
  let app: FastifyInstance;
  try {
    app = await buildApp({
      jwtSecret: randomBytes(32).toString('hex'),
      logger: false,
      loginRateLimit: { max: 1000, timeWindowMs: 60_000 },
      ...options,
      databaseUrl: database.url,
      adminPassword,
    });
    await app.listen({ host: '127.0.0.1', port: 0 });
  } catch (error) {
    await database.drop();
    throw error;
  }
  const address = app.server.address();
  if (typeof address !== 'object' || !address) throw new Error('test server has no address');
  const url = `http://127.0.0.1:${address.port}`;
  adminPasswords.set(url, adminPassword);
  return {
    url,
    databaseUrl: database.url,
    adminPassword,
    app,
    async close() {
      adminPasswords.delete(url);
      adminTokens.delete(url);
      adminSigners.delete(url);
      await app.close();
      await database.drop();
    },
  };
}

async function postJson(url: string, body: unknown, token?: string): Promise<Response> {
  return fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify(body),
  });
}

export async function login(url: string, username: string, password: string): Promise<LoginResponse> {
  const response = await postJson(`${url}/auth/login`, { username, password });
  if (response.status !== 200)
    throw new Error(`login as ${username} failed: ${response.status} ${await response.text()}`);
  return (await response.json()) as LoginResponse;
}

export async function loginAdmin(url: string, password?: string): Promise<string> {
  const cached = password === undefined ? adminTokens.get(url) : undefined;
  if (cached) return cached;
  const chosen = password ?? adminPasswords.get(url);
  if (!chosen) throw new Error(`no admin password known for ${url}; pass it`);
  const { token } = await login(url, 'admin', chosen);
  if (password === undefined) adminTokens.set(url, token);
  return token;
}

export async function enrollStation(
  url: string,
  name: string,
  adminToken?: string,
  ceiling?: Role,
): Promise<EnrollResponse & { adminToken: string }> {
  const token = adminToken ?? (await loginAdmin(url));
  const response = await postJson(`${url}/stations/enroll`, ceiling ? { name, ceiling } : { name }, token);
  if (response.status !== 201) throw new Error(`enroll ${name} failed: ${response.status} ${await response.text()}`);
  return { ...((await response.json()) as EnrollResponse), adminToken: token };
}

async function unsealAdmin(server: Pick<TestServer, 'databaseUrl' | 'adminPassword'>) {
  const db = new pg.Client({ connectionString: server.databaseUrl });
  await db.connect();
  try {
    const { rows } = await db.query<{ id: string; publicKey: string; sealedKey: string }>(
      `SELECT id, "publicKey", "sealedKey" FROM users WHERE username = 'admin'`,
    );
    const admin = rows[0];
    if (!admin) throw new Error('no admin user');
    return { userId: admin.id, key: await unsealUserKey(admin.sealedKey, admin.publicKey, server.adminPassword) };
  } finally {
    await db.end();
  }
}

export function adminSigner(server: TestServer): Promise<{ userId: string; key: KeyObject }> {
  let signer = adminSigners.get(server.url);
  if (!signer) {
    signer = unsealAdmin(server);
    adminSigners.set(server.url, signer);
  }
  return signer;
}
