import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { enrollStation, login, loginAdmin, startTestServer, type TestServer } from '../../../test/support/server.js';

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
    server = await startTestServer({ loginRateLimit: { max: 5, timeWindowMs: 60_000 } });
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

  it('rate-limits repeated attempts for one username with 429 RATE_LIMITED', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 7; i++) {
      statuses.push((await post(`${server.url}/auth/login`, { username: 'cashier9', password: 'x' })).status);
    }
    expect(statuses.slice(0, 5)).toEqual([401, 401, 401, 401, 401]);
    const limited = await post(`${server.url}/auth/login`, { username: 'cashier9', password: 'x' });
    expect(limited.status).toBe(429);
    expect((await limited.json()).error.code).toBe('RATE_LIMITED');
    // Another username from the same address is not locked out.
    expect((await post(`${server.url}/auth/login`, { username: 'admin', password: server.adminPassword })).status).toBe(
      200,
    );
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
