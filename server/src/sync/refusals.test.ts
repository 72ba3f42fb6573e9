import jwt from 'jsonwebtoken';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RowMaker } from '../../../test/support/rows.js';
import { enrollStation, login, startTestServer, type TestServer } from '../../../test/support/server.js';

/** Requests refused as a whole: a clear 4xx in the error format, and nothing written. */
describe('refused requests', () => {
  const JWT_SECRET = 'refusals-test-secret';
  let server: TestServer;
  let station: string;
  let adminToken: string;
  let maker: RowMaker;
  let db: pg.Client;

  async function snapshot(): Promise<string> {
    const { rows } = await db.query(
      `SELECT (SELECT head FROM sync_state) AS head, (SELECT count(*) FROM customers) AS customers,
              (SELECT count(*) FROM stations) AS stations, (SELECT count(*) FROM conflicts) AS conflicts`,
    );
    return JSON.stringify(rows[0]);
  }

  async function expectRefused(request: () => Promise<Response>, status: number, code: string): Promise<void> {
    const before = await snapshot();
    const response = await request();
    expect(response.status).toBe(status);
    expect(await response.json()).toEqual({ error: { code, message: expect.any(String) } });
    expect(await snapshot()).toBe(before);
  }

  const pushRaw = (body: string, token: string | null = station) =>
    fetch(`${server.url}/sync/push`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
      body,
    });
  const validBody = () =>
    JSON.stringify({ batchId: 'b1', changes: [{ table: 'customers', row: maker.row('customers') }] });

  beforeAll(async () => {
    server = await startTestServer({ jwtSecret: JWT_SECRET });
    const enrolled = await enrollStation(server.url, 'Caja 1');
    station = enrolled.stationToken;
    adminToken = enrolled.adminToken;
    maker = new RowMaker((await login(server.url, 'admin', server.adminPassword)).user.id);
    db = new pg.Client({ connectionString: server.databaseUrl });
    await db.connect();
  });
  afterAll(async () => {
    await db?.end();
    await server?.close();
  });

  it('accepts the valid body used below (so the refusals are about what they change)', async () => {
    expect((await pushRaw(validBody())).status).toBe(200);
  });

  it('refuses malformed JSON with MALFORMED_JSON', async () => {
    await expectRefused(() => pushRaw(`${validBody().slice(0, -5)}`), 400, 'MALFORMED_JSON');
    await expectRefused(() => pushRaw(''), 400, 'MALFORMED_JSON');
  });

  it('refuses an envelope with wrong types or missing fields with VALIDATION', async () => {
    const row = maker.row('customers');
    for (const body of [
      { batchId: 'b', changes: 'all of them' },
      { batchId: 5, changes: [{ table: 'customers', row }] },
      { changes: [{ table: 'customers', row }] },
      { batchId: 'b', changes: [{ table: 'customers' }] },
      { batchId: 'b', changes: [{ table: 'customers', row: { ...row, version: 7 } }] },
      [],
    ]) {
      await expectRefused(() => pushRaw(JSON.stringify(body)), 400, 'VALIDATION');
    }
  });

  it('refuses more changes than a push may carry', async () => {
    const changes = Array.from({ length: 20_001 }, () => ({ table: 'customers', row: { id: 'x', version: 'y' } }));
    await expectRefused(() => pushRaw(JSON.stringify({ batchId: 'b', changes })), 400, 'VALIDATION');
  });

  it('refuses a body over the limit with 413 PAYLOAD_TOO_LARGE', async () => {
    const huge = JSON.stringify({ batchId: 'b', changes: [], padding: 'x'.repeat(33 * 1024 * 1024) });
    await expectRefused(() => pushRaw(huge), 413, 'PAYLOAD_TOO_LARGE');
    const bigLogin = () =>
      fetch(`${server.url}/auth/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ username: 'admin', password: 'x'.repeat(100_000) }),
      });
    await expectRefused(bigLogin, 413, 'PAYLOAD_TOO_LARGE');
  });

  it('refuses absent, forged and user tokens on sync routes with UNAUTHORIZED', async () => {
    const forged = `${station.slice(0, -3)}${station.endsWith('abc') ? 'xyz' : 'abc'}`;
    for (const token of [null, forged, adminToken]) {
      await expectRefused(() => pushRaw(validBody(), token), 401, 'UNAUTHORIZED');
      const pull = () =>
        fetch(`${server.url}/sync/pull?cursor=0`, { headers: token ? { authorization: `Bearer ${token}` } : {} });
      await expectRefused(pull, 401, 'UNAUTHORIZED');
    }
  });

  it('refuses a revoked station with STATION_REVOKED', async () => {
    const revoked = await enrollStation(server.url, 'Caja vieja', adminToken);
    await db.query('UPDATE stations SET "revokedAt" = now() WHERE id = $1', [revoked.stationId]);
    await expectRefused(() => pushRaw(validBody(), revoked.stationToken), 401, 'STATION_REVOKED');
  });

  it('refuses expired, forged and non-admin user tokens on enrollment', async () => {
    const enroll = (token: string) =>
      fetch(`${server.url}/stations/enroll`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
        body: JSON.stringify({ name: 'Caja X' }),
      });
    const claims = jwt.decode(adminToken) as { sub: string; role: string; username: string };
    const expired = jwt.sign(
      { role: claims.role, username: claims.username, exp: Math.floor(Date.now() / 1000) - 60 },
      JWT_SECRET,
      {
        subject: claims.sub,
      },
    );
    await expectRefused(() => enroll(expired), 401, 'TOKEN_EXPIRED');
    const otherSecret = jwt.sign({ role: 'admin', username: 'admin' }, 'not-the-secret', { subject: claims.sub });
    await expectRefused(() => enroll(otherSecret), 401, 'UNAUTHORIZED');
    const unsigned = jwt.sign({ role: 'admin', username: 'admin', sub: claims.sub }, '', { algorithm: 'none' });
    await expectRefused(() => enroll(unsigned), 401, 'UNAUTHORIZED');

    const cashier = maker.row('users', {
      role: 'cashier',
      passwordHash: await import('@mostrador/common').then((c) => c.hashPassword('caja')),
    });
    expect((await pushRaw(JSON.stringify({ batchId: 'u', changes: [{ table: 'users', row: cashier }] }))).status).toBe(
      200,
    );
    const cashierToken = (await login(server.url, String(cashier.username), 'caja')).token;
    await expectRefused(() => enroll(cashierToken), 403, 'FORBIDDEN');
  });

  it('answers an unknown route with NOT_FOUND', async () => {
    await expectRefused(() => fetch(`${server.url}/sync/everything`), 404, 'NOT_FOUND');
  });
});
