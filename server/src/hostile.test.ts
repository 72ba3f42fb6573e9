/**
 * Hostile input over every route of the API and both WebSockets (property-based, fast-check):
 * malformed, oversized, deeply nested, wrongly typed, NUL-bearing and injection-shaped
 * bodies, queries and frames, with forged, expired, revoked and wrong-kind tokens. Every
 * answer is a 4xx with PROTOCOL.md's error shape, never a 5xx; nothing is written; the
 * server stays up. Push bodies are fuzzed generically (any JSON), so this holds whatever
 * shape the push body takes.
 */
import { randomBytes } from 'node:crypto';
import { ERRORS } from '@mostrador/common';
import fc from 'fast-check';
import jwt from 'jsonwebtoken';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { upgradeStatus } from '../../test/support/live.js';
import { enrollStation, login, startTestServer, type TestServer } from '../../test/support/server.js';

const JWT_SECRET = randomBytes(32).toString('hex');
const RUNS = Number(process.env.HOSTILE_RUNS ?? 40);

let server: TestServer;
let db: pg.Client;
const tokens: Record<string, string> = {};

/** What a request could have written: every table with data (login throttling is bookkeeping). */
async function snapshot(): Promise<string> {
  const { rows } = await db.query(
    `SELECT (SELECT head FROM sync_state) AS head,
            (SELECT count(*) FROM users) AS users, (SELECT max(version) FROM users) AS "usersVersion",
            (SELECT count(*) FROM customers) AS customers, (SELECT count(*) FROM products) AS products,
            (SELECT count(*) FROM stations) AS stations,
            (SELECT count(*) FROM stations WHERE "revokedAt" IS NOT NULL) AS revoked,
            (SELECT count(*) FROM conflicts) AS conflicts`,
  );
  return JSON.stringify(rows[0]);
}

const injection = fc.constantFrom(
  "'; DROP TABLE users; --",
  '" OR 1=1 --',
  '\u0000',
  'a\u0000b',
  '../../etc/passwd',
  '<script>alert(1)</script>',
  // biome-ignore lint/suspicious/noTemplateCurlyInString: the injection string is the point
  '${jndi:ldap://x}',
  '__proto__',
  'constructor',
  '\uD800',
  '9'.repeat(40),
  '-1',
  'NaN',
);
const hostileString = fc.oneof(fc.string({ maxLength: 40 }), injection, fc.string({ unit: 'binary', maxLength: 20 }));
const hostileValue = fc.oneof(
  fc.jsonValue({ maxDepth: 4 }),
  hostileString,
  fc.record({ username: hostileString, password: hostileString }),
  fc.record({ name: fc.oneof(fc.integer(), fc.constant(null), fc.array(hostileString)) }),
  fc.record({ batchId: hostileString, changes: fc.array(fc.jsonValue({ maxDepth: 3 }), { maxLength: 4 }) }),
  fc.record({
    batchId: hostileString,
    changes: fc.array(fc.record({ table: fc.oneof(hostileString, fc.constant('users')), row: fc.jsonValue() }), {
      maxLength: 3,
    }),
  }),
  fc.record({ __proto__: fc.jsonValue(), constructor: fc.jsonValue() }, { noNullPrototype: true }),
);
/** A body as sent on the wire: JSON of a hostile value, or text that is not JSON at all, or a deep nest. */
const hostileBody = fc.oneof(
  { weight: 4, arbitrary: hostileValue.map((value) => JSON.stringify(value) ?? 'null') },
  { weight: 1, arbitrary: fc.string({ maxLength: 60 }) },
  { weight: 1, arbitrary: fc.integer({ min: 100, max: 20_000 }).map((depth) => '['.repeat(depth) + ']'.repeat(depth)) },
  { weight: 1, arbitrary: fc.constant(`{"username":"${'x'.repeat(70_000)}","password":"x"}`) },
);
const contentType = fc.constantFrom('application/json', 'text/plain', 'application/x-www-form-urlencoded', '');

function hostileToken(): fc.Arbitrary<string | null> {
  return fc.oneof(
    fc.constant(null),
    fc.constantFrom(...Object.keys(tokens)).map((kind) => tokens[kind] as string),
    fc.string({ maxLength: 60 }).filter((s) => !/[\r\n]/.test(s) && [...s].every((c) => c.charCodeAt(0) < 127)),
  );
}

function expectErrorShape(status: number, text: string, what: string): void {
  expect(status, what).toBeGreaterThanOrEqual(400);
  expect(status, what).toBeLessThan(500);
  const body = JSON.parse(text) as { error?: { code?: string; message?: string } };
  expect(Object.keys(body), what).toEqual(['error']);
  expect(Object.keys(ERRORS), what).toContain(body.error?.code);
  expect(typeof body.error?.message, what).toBe('string');
}

/** True when this (route, token, body) could legitimately succeed: left out of the hostile property. */
function mightBeValid(route: string, token: string | null, body: string): boolean {
  let value: unknown;
  try {
    value = JSON.parse(body);
  } catch {
    return false;
  }
  const object = typeof value === 'object' && value !== null && !Array.isArray(value) ? value : null;
  if (route === 'POST /sync/push') return token === tokens.station && object !== null;
  if (route === 'POST /stations/enroll') return token === tokens.admin && typeof object?.name === 'string';
  return false;
}

beforeAll(async () => {
  server = await startTestServer({ jwtSecret: JWT_SECRET, tokenTtlSeconds: 3600 });
  const enrolled = await enrollStation(server.url, 'Caja 1');
  const revoked = await enrollStation(server.url, 'Caja revocada');
  tokens.station = enrolled.stationToken;
  tokens.admin = enrolled.adminToken;
  await fetch(`${server.url}/admin/stations/${revoked.stationId}/revoke`, {
    method: 'POST',
    headers: { authorization: `Bearer ${enrolled.adminToken}` },
  });
  tokens.revokedStation = revoked.stationToken;
  const adminId = (await login(server.url, 'admin', server.adminPassword)).user.id;
  const claims = { role: 'admin', username: 'admin', ep: 0 };
  tokens.expired = jwt.sign({ ...claims, exp: Math.floor(Date.now() / 1000) - 60 }, JWT_SECRET, { subject: adminId });
  tokens.noExp = jwt.sign(claims, JWT_SECRET, { subject: adminId });
  tokens.otherSecret = jwt.sign(claims, 'another-secret-entirely', { subject: adminId, expiresIn: 600 });
  tokens.algNone = `${Buffer.from('{"alg":"none","typ":"JWT"}').toString('base64url')}.${Buffer.from(
    JSON.stringify({ ...claims, sub: adminId, exp: 9_999_999_999 }),
  ).toString('base64url')}.`;
  tokens.staleEpoch = jwt.sign({ ...claims, ep: 41 }, JWT_SECRET, { subject: adminId, expiresIn: 600 });
  db = new pg.Client({ connectionString: server.databaseUrl });
  await db.connect();
});
afterAll(async () => {
  await db?.end();
  await server?.close();
});

describe('hostile HTTP requests', () => {
  it('answers a URL that cannot be decoded in the error shape', async () => {
    for (const path of ['/sync/%a', '/admin/stations/%zz/revoke', '/%']) {
      const response = await fetch(`${server.url}${path}`, { method: path.includes('revoke') ? 'POST' : 'GET' });
      expectErrorShape(response.status, await response.text(), path);
    }
  });

  const routes = [
    'POST /auth/login',
    'POST /stations/enroll',
    'POST /sync/push',
    'GET /sync/pull',
    'GET /admin/stations',
    'POST /admin/stations/:id/revoke',
    'GET /admin/conflicts',
    'GET /nowhere',
  ];

  it('answers every hostile request with a 4xx error body, writes nothing, and stays up', async () => {
    const before = await snapshot();
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...routes),
        hostileToken(),
        hostileBody,
        contentType,
        fc.oneof(
          hostileString.filter((text) => text.isWellFormed()),
          fc.bigInt().map(String),
          fc.constant('99999999999999999999999'),
        ),
        async (route, token, body, type, param) => {
          fc.pre(!mightBeValid(route, token, body));
          const [method, path] = route.split(' ') as [string, string];
          // Raw (unencoded) params too: `%a` is not even a valid URL component.
          const withParam = path.replace(':id', param.startsWith('-') ? param : encodeURIComponent(param));
          const query =
            method === 'GET' ? `?cursor=${encodeURIComponent(param)}&limit=${encodeURIComponent(param)}` : '';
          const headers: Record<string, string> = {};
          if (token !== null) headers.authorization = `Bearer ${token}`;
          if (method === 'POST' && type) headers['content-type'] = type;
          const response = await fetch(`${server.url}${withParam}${query}`, {
            method,
            headers,
            body: method === 'POST' ? body : undefined,
          });
          const text = await response.text();
          // A GET of a route with a valid token and a harmless query may well succeed: only 5xx is never fine there.
          const lenient = method === 'GET' && (token === tokens.station || token === tokens.admin);
          if (lenient) expect(response.status, `${route} ${text}`).toBeLessThan(500);
          else expectErrorShape(response.status, text, `${route} ${response.status} ${text.slice(0, 200)}`);
        },
      ),
      { numRuns: RUNS * 4 },
    );
    expect(await snapshot()).toBe(before);
    expect((await fetch(`${server.url}/health`)).status).toBe(200);
  });
});

describe('hostile WebSocket use', () => {
  it('refuses the upgrade for every forged, expired, revoked or wrong-kind token', async () => {
    const ws = server.url.replace('http', 'ws');
    for (const [kind, token] of Object.entries(tokens)) {
      if (kind !== 'station') {
        expect(await upgradeStatus(`${ws}/sync/ws`, token), `sync ${kind}`).toBeGreaterThanOrEqual(400);
        expect(await upgradeStatus(`${ws}/sync/ws?token=${encodeURIComponent(token)}`), kind).toBeGreaterThanOrEqual(
          400,
        );
      }
      if (kind !== 'admin')
        expect(await upgradeStatus(`${ws}/admin/ws`, token), `admin ${kind}`).toBeGreaterThanOrEqual(400);
    }
  });

  it('answers every hostile frame with an error message, keeps the socket, and writes nothing', async () => {
    const before = await snapshot();
    const socket = new WebSocket(`${server.url.replace('http', 'ws')}/sync/ws`, {
      headers: { authorization: `Bearer ${tokens.station}` },
    });
    const messages: Array<{ type: string; error?: { code: string; message: string } }> = [];
    socket.on('message', (data) => messages.push(JSON.parse(String(data))));
    await new Promise((resolve, reject) => {
      socket.once('open', resolve);
      socket.once('error', reject);
    });
    // Within the frame limit (16 KB); larger frames are the last case below.
    const frames = fc.oneof(
      hostileValue.map((value) => JSON.stringify(value) ?? 'null'),
      fc.string({ maxLength: 60 }),
      fc.integer({ min: 100, max: 7_000 }).map((depth) => '['.repeat(depth) + ']'.repeat(depth)),
      hostileValue.map((value) => JSON.stringify({ type: 'status', cursor: value, pending: value })),
    );
    let sent = 0;
    await fc.assert(
      fc.asyncProperty(frames, async (frame) => {
        const errorsBefore = messages.filter((m) => m.type === 'error').length;
        socket.send(frame);
        sent++;
        // A well-formed status report gets no answer; anything else gets an error frame.
        for (let i = 0; i < 100 && messages.filter((m) => m.type === 'error').length === errorsBefore; i++) {
          await new Promise((resolve) => setTimeout(resolve, 5));
        }
        const errors = messages.filter((m) => m.type === 'error');
        if (errors.length > errorsBefore) {
          expect(errors.at(-1)?.error).toEqual({ code: 'VALIDATION', message: expect.any(String) });
        }
        expect(socket.readyState).toBe(WebSocket.OPEN);
      }),
      { numRuns: RUNS },
    );
    expect(sent).toBe(RUNS);
    // Oversized frames close the socket (1009), the server stays up.
    const closed = new Promise<number>((resolve) => socket.once('close', resolve));
    socket.send('x'.repeat(64 * 1024));
    expect(await closed).toBe(1009);
    expect(await snapshot()).toBe(before);
    expect((await fetch(`${server.url}/health`)).status).toBe(200);
  });
});
