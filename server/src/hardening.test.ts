import { randomBytes } from 'node:crypto';
import http from 'node:http';
import { Writable } from 'node:stream';
import type { AnyRow } from '@mostrador/common';
import jwt from 'jsonwebtoken';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Listener, query, upgradeStatus } from '../../test/support/live.js';
import { createTestDatabase } from '../../test/support/pg.js';
import { RowMaker } from '../../test/support/rows.js';
import { adminSigner, enrollStation, login, startTestServer, type TestServer } from '../../test/support/server.js';
import { type Signer, signGroups } from '../../test/support/sync-client.js';
import { ConflictRetention } from './admin/conflict-retention.js';
import { buildApp } from './app.js';
import { signUserToken } from './auth/tokens.js';

/** The attacks of issue 12, each shown to fail. */
describe('hardening of the API', () => {
  const JWT_SECRET = randomBytes(32).toString('hex');
  const logLines: string[] = [];
  let server: TestServer;
  let station: string;
  let stationId: string;
  let adminToken: string;
  let adminId: string;
  let db: pg.Client;
  let maker: RowMaker;
  let admin: Signer;
  /** The changes as one group signed by the admin, as a logged-in station would push them. */
  const signed = (batchId: string, changes: { table: string; row: AnyRow }[]) => ({
    batchId,
    groups: changes.length ? signGroups({ stationId }, admin, changes, 'one') : [],
  });

  const push = (body: unknown, token: string | null = station) =>
    fetch(`${server.url}/sync/push`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
      body: JSON.stringify(body),
    });
  const head = async () => Number((await db.query('SELECT head FROM sync_state')).rows[0].head);

  beforeAll(async () => {
    const stream = new Writable({
      write(chunk, _encoding, done) {
        logLines.push(String(chunk));
        done();
      },
    });
    server = await startTestServer({
      jwtSecret: JWT_SECRET,
      logger: { level: 'info', stream },
      socketsPerStation: 2,
      pushLimits: { perStation: 2, maxQueued: 64 },
    });
    const enrolled = await enrollStation(server.url, 'Caja 1');
    station = enrolled.stationToken;
    stationId = enrolled.stationId;
    adminToken = enrolled.adminToken;
    const session = await login(server.url, 'admin', server.adminPassword);
    adminId = session.user.id;
    maker = new RowMaker(adminId);
    admin = await adminSigner(server);
    db = new pg.Client({ connectionString: server.databaseUrl });
    await db.connect();
  });
  afterAll(async () => {
    await db?.end();
    await server?.close();
  });

  it('refuses a pushed user whose password hash has another cost (a planted slow hash), writing nothing', async () => {
    const before = await head();
    const planted = maker.row('users', {
      username: 'slow',
      passwordHash: 'scrypt$262144$8$4$bW9zdHJhZG9yLWR1bW15LQ$A8kV1o0u3w5T8eHqZ9yQm2Rj7L4cXfN6pB1sDgKhWzE',
    });
    const answer = await push(signed('planted', [{ table: 'users', row: planted }]));
    expect(answer.status).toBe(200);
    const body = await answer.json();
    expect(body.rejected).toEqual([
      { table: 'users', id: planted.id, code: 'VALIDATION', message: expect.stringContaining('131072') },
    ]);
    expect(body.groups[0].status).toBe('held');
    expect(await head()).toBe(before);
    expect((await db.query('SELECT 1 FROM users WHERE id = $1', [planted.id])).rowCount).toBe(0);
  });

  it('refuses a weak ADMIN_PASSWORD and a short JWT secret at start', async () => {
    const database = await createTestDatabase();
    try {
      await expect(
        buildApp({ databaseUrl: database.url, jwtSecret: JWT_SECRET, adminPassword: 'pw', logger: false }),
      ).rejects.toThrow(/WEAK_PASSWORD\/too_short/);
      await expect(
        buildApp({ databaseUrl: database.url, jwtSecret: 'x', adminPassword: 'vela-roja-77', logger: false }),
      ).rejects.toThrow(/JWT_SECRET has 1 bytes/);
      const users = await query<{ n: number }>(database.url, 'SELECT count(*)::int AS n FROM users');
      expect(users[0]?.n).toBe(0);
    } finally {
      await database.drop();
    }
  });

  it('refuses a correctly signed token without exp, and tokens of an older session', async () => {
    const noExp = jwt.sign({ role: 'admin', username: 'admin', ep: 0 }, JWT_SECRET, {
      algorithm: 'HS256',
      subject: adminId,
    });
    const stations = (token: string) =>
      fetch(`${server.url}/admin/stations`, { headers: { authorization: `Bearer ${token}` } });
    const refused = await stations(noExp);
    expect(refused.status).toBe(401);
    expect((await refused.json()).error.code).toBe('UNAUTHORIZED');
    expect((await stations(adminToken)).status).toBe(200);
    // A token signed for another epoch (as if issued before a password change).
    const stale = signUserToken({ id: adminId, username: 'admin', role: 'admin' }, JWT_SECRET, 600, 7);
    expect((await stations(stale)).status).toBe(401);
  });

  it('ends every session of a user whose password changes', async () => {
    await db.query(
      `INSERT INTO users (id, "createdAt", "updatedAt", version, "updatedBy", seq, username, "displayName", role, "passwordHash", active)
       SELECT $1, now()::text, now()::text, '2026-01-01T00:00:00.000Z-0000-0000000000000000', $1,
              (SELECT coalesce(max(seq), 0) + 1000 FROM users), 'boss2', 'Boss', 'admin', u."passwordHash", true
       FROM users u WHERE u.username = 'admin'`,
      [maker.row('customers').id],
    );
    const boss = await login(server.url, 'boss2', server.adminPassword);
    const stations = () =>
      fetch(`${server.url}/admin/stations`, { headers: { authorization: `Bearer ${boss.token}` } });
    expect((await stations()).status).toBe(200);
    await db.query(`UPDATE users SET "passwordHash" = $1 WHERE username = 'boss2'`, [maker.row('users').passwordHash]);
    expect((await stations()).status).toBe(401);
  });

  it('refuses to deactivate, demote or delete the last active admin, changing nothing', async () => {
    // boss2's password changed above; make it inactive so `admin` is the only active admin.
    await db.query(`UPDATE users SET active = false WHERE username = 'boss2'`);
    const { rows } = await db.query(
      `SELECT id, "createdAt", "updatedAt", "deletedAt", version, "updatedBy", username, "displayName", role,
              "passwordHash", active FROM users WHERE username = 'admin'`,
    );
    const stored = rows[0];
    for (const fields of [{ active: false }, { role: 'cashier' }, { deletedAt: new Date().toISOString() }]) {
      const before = await head();
      const answer = await push(signed('lock-out', [{ table: 'users', row: maker.edit(stored, fields) }]));
      // The database refuses it (the last-admin trigger): the group is held for review, whole.
      const text = await answer.text();
      expect(answer.status).toBe(200);
      expect(text).toContain('LAST_ADMIN');
      expect(JSON.parse(text).groups[0].status).toBe('held');
      expect(await head()).toBe(before);
    }
    const admin = await db.query(`SELECT role, active, "deletedAt" FROM users WHERE username = 'admin'`);
    expect(admin.rows[0]).toEqual({ role: 'admin', active: true, deletedAt: null });
    await expect(db.query(`DELETE FROM users WHERE username = 'admin'`)).rejects.toThrow(/LAST_ADMIN/);
  });

  it('answers an overflowing pull cursor with 400, not 500', async () => {
    const answer = await fetch(`${server.url}/sync/pull?cursor=99999999999999999999999`, {
      headers: { authorization: `Bearer ${station}` },
    });
    expect(answer.status).toBe(400);
    expect((await answer.json()).error.code).toBe('VALIDATION');
  });

  /** A push whose headers announce a 32 MB body, of which only the first bytes are sent. */
  function stalledPush(token: string | null): { answer: Promise<number>; request: http.ClientRequest } {
    const url = new URL(`${server.url}/sync/push`);
    const request = http.request({
      host: url.hostname,
      port: url.port,
      path: url.pathname,
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'content-length': String(32 * 1024 * 1024 - 1),
        ...(token ? { authorization: `Bearer ${token}` } : {}),
      },
    });
    request.write('{"batchId":"slow","changes":[');
    const answer = new Promise<number>((resolve) => {
      request.on('response', (response) => {
        response.resume();
        resolve(response.statusCode ?? 0);
      });
      request.on('error', () => resolve(0));
    });
    return { answer, request };
  }

  it('refuses an unauthenticated push before reading its body', async () => {
    // The body never completes: only a refusal made before reading it can answer.
    for (const token of [null, 'forged-token']) {
      const { answer, request } = stalledPush(token);
      expect(await answer).toBe(401);
      request.destroy();
    }
  });

  it('lets an ordinary client sending a large body with a bad token read its 401', async () => {
    const body = JSON.stringify({ batchId: 'big', changes: [], pad: 'x'.repeat(8 * 1024 * 1024) });
    const answer = await fetch(`${server.url}/sync/push`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: 'Bearer revoked-or-forged' },
      body,
    });
    expect(answer.status).toBe(401);
    expect((await answer.json()).error.code).toBe('UNAUTHORIZED');
  });

  it("limits one station's pushes in flight, answering 429 with Retry-After", async () => {
    const first = stalledPush(station);
    const second = stalledPush(station);
    await new Promise((resolve) => setTimeout(resolve, 200));
    const third = await fetch(`${server.url}/sync/push`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${station}` },
      body: JSON.stringify({ batchId: 'third', groups: [] }),
    });
    expect(third.status).toBe(429);
    expect(Number(third.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect((await third.json()).error.code).toBe('RATE_LIMITED');
    first.request.destroy();
    second.request.destroy();
    await new Promise((resolve) => setTimeout(resolve, 200));
    // Once those are gone the station pushes again.
    expect((await push({ batchId: 'after', groups: [] })).status).toBe(200);
  });

  it("limits one station's live sockets", async () => {
    const ws = server.url.replace('http', 'ws');
    const open = [await Listener.open(`${ws}/sync/ws`, station), await Listener.open(`${ws}/sync/ws`, station)];
    expect(await upgradeStatus(`${ws}/sync/ws`, station)).toBe(429);
    for (const socket of open) socket.close();
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(await upgradeStatus(`${ws}/sync/ws`, station)).toBe(101);
  });

  it('keeps tokens out of the log: no query strings, no authorization headers', async () => {
    const ws = server.url.replace('http', 'ws');
    await upgradeStatus(`${ws}/sync/ws?token=${station}`);
    await fetch(`${server.url}/sync/pull?cursor=0&token=${station}`, {
      headers: { authorization: `Bearer ${station}` },
    });
    await fetch(`${server.url}/admin/stations`, { headers: { authorization: `Bearer ${adminToken}` } });
    await new Promise((resolve) => setTimeout(resolve, 100));
    const log = logLines.join('');
    expect(log).toContain('/sync/ws');
    expect(log).toContain(stationId);
    expect(log).not.toContain(station);
    expect(log).not.toContain(adminToken);
    expect(log).not.toContain('token=');
  });
});

describe('request timeouts', () => {
  it('drops a client that sends its headers too slowly', async () => {
    const server = await startTestServer({ headersTimeoutMs: 300, requestTimeoutMs: 600 });
    try {
      const url = new URL(server.url);
      const net = await import('node:net');
      const socket = net.connect(Number(url.port), url.hostname);
      socket.write('POST /auth/login HTTP/1.1\r\nHost: x\r\n');
      let answer = '';
      socket.on('data', (chunk) => {
        answer += String(chunk);
      });
      // Never finishing the headers: the server ends the connection (408) instead of waiting for ever.
      await new Promise((resolve) => socket.on('close', resolve));
      expect(answer === '' || answer.startsWith('HTTP/1.1 408')).toBe(true);
    } finally {
      await server.close();
    }
  });
});

describe('conflict-log retention', () => {
  it('keeps the newest rows within the configured count and age', async () => {
    const database = await createTestDatabase();
    const pool = new pg.Pool({ connectionString: database.url, max: 2 });
    try {
      await pool.query(
        `INSERT INTO conflicts ("tableName", "rowId", lost, won, at)
         SELECT 'customers', gen_random_uuid(), '{}', jsonb_build_object('n', n), now() - (n || ' minutes')::interval
         FROM generate_series(1, 50) AS n`,
      );
      // Two very old ones: one is deleted for age, the newest of all always stays.
      await pool.query(
        `INSERT INTO conflicts ("tableName", "rowId", lost, won, at)
         VALUES ('customers', gen_random_uuid(), '{}', '{"n": "old"}', now() - interval '400 days')`,
      );
      const retention = new ConflictRetention(pool, { maxRows: 20, maxAgeDays: 30 });
      expect(await retention.sweep()).toBe(31);
      const kept = await pool.query(`SELECT won->>'n' AS n FROM conflicts ORDER BY at DESC`);
      expect(kept.rows.map((r) => r.n)).toEqual(Array.from({ length: 20 }, (_, i) => String(i + 1)));

      await pool.query('DELETE FROM conflicts');
      await pool.query(
        `INSERT INTO conflicts ("tableName", "rowId", lost, won, at)
         VALUES ('customers', gen_random_uuid(), '{}', '{"n": "only"}', now() - interval '400 days')`,
      );
      expect(await retention.sweep()).toBe(0);
    } finally {
      await pool.end();
      await database.drop();
    }
  });
});
