import type { FastifyInstance } from 'fastify';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { enrollStation, login, loginAdmin, startTestServer, type TestServer } from '../../../test/support/server.js';
import { buildApp, parseTrustProxy } from '../app.js';

const post = (url: string, body: unknown, token?: string) =>
  fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify(body),
  });

describe('login and enrollment', () => {
  let server: TestServer;
  let adminToken: string;
  beforeAll(async () => {
    server = await startTestServer({ loginRateLimit: { max: 8, timeWindowMs: 60_000 } });
    adminToken = await loginAdmin(server.url);
  });
  afterAll(() => server?.close());

  it('logs the first admin in with the configured password', async () => {
    const session = await login(server.url, 'admin', server.adminPassword);
    expect(session.user).toMatchObject({ username: 'admin', role: 'admin' });
    expect(session.token.split('.')).toHaveLength(3);
  });

  it('refuses a wrong password and an unknown user alike', async () => {
    for (const body of [
      { username: 'admin', password: 'wrong' },
      { username: 'nobody', password: 'wrong' },
    ]) {
      const response = await post(`${server.url}/auth/login`, body);
      expect(response.status).toBe(401);
      expect(await response.json()).toEqual({ error: { code: 'INVALID_CREDENTIALS', message: expect.any(String) } });
    }
  });

  it('refuses a login body of the wrong shape with VALIDATION', async () => {
    const response = await post(`${server.url}/auth/login`, { username: 5 });
    expect(response.status).toBe(400);
    expect((await response.json()).error.code).toBe('VALIDATION');
  });

  it('limits attempts per client address, whatever X-Forwarded-For says when no proxy is trusted', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 8; i++) {
      // A rotating X-Forwarded-For and rotating usernames: still one client.
      const response = await fetch(`${server.url}/auth/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-forwarded-for': `10.0.0.${i}` },
        body: JSON.stringify({ username: `guess${i}`, password: 'x' }),
      });
      statuses.push(response.status);
      if (response.status === 429) {
        expect(Number(response.headers.get('retry-after'))).toBeGreaterThan(0);
        expect((await response.json()).error.code).toBe('RATE_LIMITED');
      }
    }
    // Eight per window in this server, the earlier tests' attempts included.
    expect(statuses.filter((s) => s === 429).length).toBeGreaterThanOrEqual(3);
    expect(statuses.slice(-3)).toEqual([429, 429, 429]);
  });

  it('enrolls a station for an admin and stores only the token hash', async () => {
    const { stationId, stationToken } = await enrollStation(server.url, 'Caja 1', adminToken);
    expect(stationToken.length).toBeGreaterThanOrEqual(43);
    const client = new pg.Client({ connectionString: server.databaseUrl });
    await client.connect();
    const { rows } = await client.query('SELECT name, "tokenHash" FROM stations WHERE id = $1', [stationId]);
    await client.end();
    expect(rows[0].name).toBe('Caja 1');
    expect(rows[0].tokenHash).not.toContain(stationToken);
  });

  it('refuses enrollment without a token, with a forged one, or with a station token', async () => {
    const { stationToken } = await enrollStation(server.url, 'Caja 2', adminToken);
    const forged = `${adminToken.slice(0, -4)}AAAA`;
    for (const token of [undefined, forged, stationToken]) {
      const response = await post(`${server.url}/stations/enroll`, { name: 'x' }, token);
      expect(response.status).toBe(401);
      expect((await response.json()).error.code).toBe('UNAUTHORIZED');
    }
  });
});

describe('login backoff per username, shared by every instance', () => {
  let server: TestServer;
  let other: FastifyInstance;
  beforeAll(async () => {
    // Behind one proxy: X-Forwarded-For names the client, so each request below comes from another address.
    const options = {
      trustProxy: 1,
      loginRateLimit: { max: 1000, timeWindowMs: 60_000, freeFailures: 3, maxBackoffMs: 2_000 },
    } as const;
    server = await startTestServer(options);
    other = await buildApp({ ...options, databaseUrl: server.databaseUrl, jwtSecret: 'x'.repeat(32) });
    await other.listen({ host: '127.0.0.1', port: 0 });
  });
  afterAll(async () => {
    await other?.close();
    await server?.close();
  });

  const attempt = (url: string, password: string, from: string) =>
    fetch(`${url}/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-forwarded-for': from },
      body: JSON.stringify({ username: 'admin', password }),
    });

  it('backs off after repeated wrong passwords from any address, on every instance, then lets the right one in', async () => {
    const otherUrl = `http://127.0.0.1:${(other.server.address() as { port: number }).port}`;
    for (const [i, url] of [server.url, otherUrl, server.url].entries()) {
      expect((await attempt(url, 'wrong-password', `192.0.2.${i + 1}`)).status).toBe(401);
    }
    // The fourth attempt waits, even with the right password, from a new address, on the other instance.
    const blocked = await attempt(otherUrl, server.adminPassword, '198.51.100.7');
    expect(blocked.status).toBe(429);
    expect(await blocked.json()).toEqual({ error: { code: 'RATE_LIMITED', message: expect.any(String) } });
    const wait = Number(blocked.headers.get('retry-after'));
    expect(wait).toBeGreaterThanOrEqual(1);
    await new Promise((resolve) => setTimeout(resolve, wait * 1000 + 100));
    expect((await attempt(server.url, server.adminPassword, '198.51.100.8')).status).toBe(200);
    // A success clears the failures: the next typo is a plain 401 again.
    expect((await attempt(server.url, 'wrong-password', '198.51.100.9')).status).toBe(401);
  });
});

describe('TRUST_PROXY', () => {
  it('takes a hop count or addresses, and refuses "any"', () => {
    expect(parseTrustProxy(undefined)).toBe(false);
    expect(parseTrustProxy('1')).toBe(1);
    expect(parseTrustProxy('10.0.0.1, 10.1.0.0/16')).toEqual(['10.0.0.1', '10.1.0.0/16']);
    for (const any of ['true', 'any', '*']) expect(() => parseTrustProxy(any)).toThrow(/hop count/);
    expect(() => parseTrustProxy('proxy.example.com')).toThrow(/addresses/);
  });
});
