import type { KeyObject } from 'node:crypto';
import jwt from 'jsonwebtoken';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RowMaker, signedGroup } from '../../../test/support/rows.js';
import { adminSigner, enrollStation, login, startTestServer, type TestServer } from '../../../test/support/server.js';

/** Requests refused as a whole: a clear 4xx in the error format, and nothing written. */
describe('refused requests', () => {
  const JWT_SECRET = 'refusals-test-secret';
  let server: TestServer;
  let station: string;
  let adminToken: string;
  let maker: RowMaker;
  let stationId: string;
  let adminKey: KeyObject;
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
  const group = (changes: { table: string; row: Record<string, unknown> }[]) =>
    signedGroup(adminKey, maker.updatedBy, stationId, changes as never);
  const validBody = () =>
    JSON.stringify({ batchId: 'b1', groups: [group([{ table: 'customers', row: maker.row('customers') }])] });

  beforeAll(async () => {
    server = await startTestServer({ jwtSecret: JWT_SECRET });
    const enrolled = await enrollStation(server.url, 'Caja 1');
    station = enrolled.stationToken;
    adminToken = enrolled.adminToken;
    stationId = enrolled.stationId;
    const signer = await adminSigner(server);
    adminKey = signer.key;
    maker = new RowMaker(signer.userId);
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
    const valid = group([{ table: 'customers', row }]);
    for (const body of [
      { batchId: 'b', groups: 'all of them' },
      { batchId: 5, groups: [valid] },
      { groups: [valid] },
      { batchId: 'b', groups: [{ ...valid, changes: [{ table: 'customers' }] }] },
      { batchId: 'b', groups: [{ ...valid, changes: [] }] },
      { batchId: 'b', groups: [{ ...valid, userId: 'admin' }] },
      { batchId: 'b', groups: [{ ...valid, version: 'now' }] },
      { batchId: 'b', groups: [{ ...valid, signature: undefined }] },
      { batchId: 'b', groups: [{ ...valid, changes: [{ table: 'customers', row: { ...row, version: 7 } }] }] },
      [],
    ]) {
      await expectRefused(() => pushRaw(JSON.stringify(body)), 400, 'VALIDATION');
    }
  });

  it('refuses more changes than a push may carry, in all its groups together', async () => {
    const changes = Array.from({ length: 10_001 }, () => ({ table: 'customers', row: maker.row('customers') }));
    const groups = [group(changes), group(changes)];
    await expectRefused(() => pushRaw(JSON.stringify({ batchId: 'b', groups })), 413, 'PAYLOAD_TOO_LARGE');
  });

  it('answers a station from before write groups (a body of changes) with 426 UPGRADE_REQUIRED', async () => {
    const old = { batchId: 'b', changes: [{ table: 'customers', row: maker.row('customers') }] };
    await expectRefused(() => pushRaw(JSON.stringify(old)), 426, 'UPGRADE_REQUIRED');
    const response = await pushRaw(JSON.stringify(old));
    expect((await response.json()).error.message).toMatch(/update this station's app/);
  });

  it('refuses a body over the limit with 413 PAYLOAD_TOO_LARGE', async () => {
    const huge = JSON.stringify({ batchId: 'b', groups: [], padding: 'x'.repeat(33 * 1024 * 1024) });
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
    const created = await pushRaw(
      JSON.stringify({ batchId: 'u', groups: [group([{ table: 'users', row: cashier }])] }),
    );
    expect((await created.json()).groups[0].status).toBe('applied');
    const cashierToken = (await login(server.url, String(cashier.username), 'caja')).token;
    await expectRefused(() => enroll(cashierToken), 403, 'FORBIDDEN');
  });

  it('answers an unknown route with NOT_FOUND', async () => {
    await expectRefused(() => fetch(`${server.url}/sync/everything`), 404, 'NOT_FOUND');
  });
});
