/**
 * The browser bridge over real HTTP and WebSocket, in front of a real station (SQLite in a
 * temporary folder) enrolled against a real API server on PostgreSQL.
 */
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { startTestServer, type TestServer } from '../../../test/support/server.js';
import { offlineStation } from '../../../test/support/station.js';
import { listenUiBridge, startUiBridge, type UiBridge } from './server.js';

let server: TestServer;
let bridge: UiBridge;
let folder: string;

async function call(
  channel: string,
  body: unknown,
  init: { cookie?: string; headers?: Record<string, string>; raw?: string } = {},
) {
  const response = await fetch(`${bridge.url}api/${channel}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(init.cookie ? { cookie: init.cookie } : {}), ...init.headers },
    body: init.raw ?? JSON.stringify(body),
  });
  const json = (await response.json()) as Record<string, unknown> & { error?: { code: string; message: string } };
  return { status: response.status, json, setCookie: response.headers.get('set-cookie') };
}

async function waitForPhase(phase: string, timeoutMs = 30_000) {
  const started = Date.now();
  for (;;) {
    const { json } = await call('app:state', {});
    if (json.phase === phase) return json;
    if (Date.now() - started > timeoutMs) throw new Error(`phase stayed ${String(json.phase)}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

function eventsSocket(
  cookie?: string,
): Promise<{ socket: WebSocket; received: { event: string; payload: unknown }[] }> {
  const url = `${bridge.url.replace('http', 'ws')}api/events`;
  const socket = new WebSocket(url, { headers: cookie ? { cookie } : {} });
  const received: { event: string; payload: unknown }[] = [];
  socket.on('message', (data) => received.push(JSON.parse(String(data))));
  return new Promise((resolve, reject) => {
    socket.once('open', () => resolve({ socket, received }));
    socket.once('error', reject);
  });
}

beforeAll(async () => {
  server = await startTestServer();
  folder = mkdtempSync(join(tmpdir(), 'mostrador-bridge-'));
  const rendererDir = join(folder, 'renderer');
  mkdirSync(rendererDir);
  writeFileSync(join(rendererDir, 'index.html'), '<!doctype html><title>Mostrador</title>');
  bridge = await startUiBridge({ dataDir: join(folder, 'data'), port: 0, rendererDir, suggestedServerUrl: server.url });
});

afterAll(async () => {
  await bridge?.close();
  await server?.close();
  await rm(folder, { recursive: true, force: true });
});

describe('before enrollment', () => {
  it('listens on loopback and serves the renderer for any app path', async () => {
    expect(bridge.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
    const page = await fetch(`${bridge.url}some/screen`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-security-policy')).toContain("default-src 'self'");
    expect(await page.text()).toContain('<title>Mostrador</title>');
  });

  it('answers the first-run state without a login, with the suggested server address', async () => {
    const { status, json } = await call('app:state', {});
    expect(status).toBe(200);
    expect(json).toMatchObject({ phase: 'firstRun', station: null, suggestedServerUrl: server.url });
  });

  it('refuses channels that need a login', async () => {
    for (const channel of ['sync:status', 'rows:list', 'admin:stations', 'sales:complete']) {
      const { status, json } = await call(channel, {});
      expect(status, channel).toBe(401);
      expect(json.error?.code).toBe('NOT_LOGGED_IN');
    }
  });

  it('answers 404 for an unknown channel and for anything outside the map', async () => {
    const unknown = await call('db:query', { sql: 'SELECT 1' });
    expect(unknown.status).toBe(404);
    expect(unknown.json.error?.code).toBe('NOT_FOUND');
    const proto = await call('__proto__', {});
    expect(proto.status).toBe(404);
  });

  it('answers 400 for a payload that does not match the channel, 415 for non-JSON, 400 for broken JSON', async () => {
    const bad = await call('session:login', { username: 5, password: '' });
    expect(bad.status).toBe(400);
    expect(bad.json.error?.code).toBe('VALIDATION');
    const extra = await call('app:state', { sql: 'DROP TABLE users' });
    expect(extra.status).toBe(400);
    const text = await call('app:state', null, { raw: '{}', headers: { 'content-type': 'text/plain' } });
    expect(text.status).toBe(415);
    const broken = await call('app:state', null, { raw: '{"phase":' });
    expect(broken.status).toBe(400);
    expect(broken.json.error?.code).toBe('MALFORMED_JSON');
  });

  it('refuses a foreign Host header (DNS rebinding) on loopback', async () => {
    const answer = await new Promise<number>((resolve, reject) => {
      const req = request(
        `${bridge.url}api/app:state`,
        { method: 'POST', headers: { host: 'evil.example', 'content-type': 'application/json' } },
        (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        },
      );
      req.on('error', reject);
      req.end('{}');
    });
    expect(answer).toBe(403);
  });

  it('reports a wrong password and an unreachable server clearly, and stays on the first run', async () => {
    const wrong = await call('station:enroll', {
      serverUrl: server.url,
      stationName: 'Caja 1',
      username: 'admin',
      password: 'not-it',
    });
    expect(wrong.status).toBe(401);
    expect(wrong.json.error?.code).toBe('INVALID_CREDENTIALS');
    const away = await call('station:enroll', {
      serverUrl: 'http://127.0.0.1:9',
      stationName: 'Caja 1',
      username: 'admin',
      password: 'x',
    });
    expect(away.status).toBe(503);
    expect(away.json.error?.code).toBe('SERVER_UNREACHABLE');
    expect((await call('app:state', {})).json.phase).toBe('firstRun');
    const login = await call('session:login', { username: 'admin', password: 'x' });
    expect(login.json.error?.code).toBe('NOT_ENROLLED');
  });
});

describe('enrolled', () => {
  let cookie = '';

  it('enrolls, reports bootstrap progress to an anonymous socket, and becomes ready', async () => {
    const anonymous = await eventsSocket();
    const enrolled = await call('station:enroll', {
      serverUrl: server.url,
      stationName: 'Caja 1',
      username: 'admin',
      password: server.adminPassword,
    });
    expect(enrolled.status).toBe(200);
    expect(['bootstrapping', 'ready']).toContain(enrolled.json.phase);
    const ready = await waitForPhase('ready');
    expect(ready.station).toMatchObject({ name: 'Caja 1' });
    await new Promise((resolve) => setTimeout(resolve, 100));
    const phases = anonymous.received
      .filter((m) => m.event === 'app:state')
      .map((m) => (m.payload as { phase: string }).phase);
    expect(phases).toContain('ready');
    anonymous.socket.close();
    const again = await call('station:enroll', {
      serverUrl: server.url,
      stationName: 'x',
      username: 'admin',
      password: 'y',
    });
    expect(again.status).toBe(409);
  });

  it('logs in against the synced users and issues an HttpOnly session cookie', async () => {
    const wrong = await call('session:login', { username: 'admin', password: 'wrong' });
    expect(wrong.status).toBe(401);
    expect(wrong.setCookie).toBeNull();
    const { status, json, setCookie } = await call('session:login', {
      username: 'admin',
      password: server.adminPassword,
    });
    expect(status).toBe(200);
    expect(json.user).toMatchObject({ username: 'admin', role: 'admin' });
    expect(setCookie).toMatch(/HttpOnly/);
    expect(setCookie).toMatch(/SameSite=Strict/);
    cookie = (setCookie ?? '').split(';')[0] ?? '';
    expect((await call('session:get', {}, { cookie })).json.user).toMatchObject({ username: 'admin' });
    expect((await call('sync:status', {}, { cookie })).status).toBe(200);
  });

  it('writes through the channel map, tells logged-in sockets, and tells anonymous ones nothing private', async () => {
    const anonymous = await eventsSocket();
    const member = await eventsSocket(cookie);
    const saved = await call(
      'rows:save',
      { table: 'products', row: { sku: 'CAFE-1', name: 'Café', price: 150, active: true } },
      { cookie },
    );
    expect(saved.status).toBe(200);
    const list = await call('rows:list', { table: 'products', search: 'caf' }, { cookie });
    expect((list.json.rows as { sku: string }[]).map((r) => r.sku)).toEqual(['CAFE-1']);
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(member.received.some((m) => m.event === 'data:changed')).toBe(true);
    expect(anonymous.received.filter((m) => m.event !== 'app:state')).toEqual([]);
    anonymous.socket.close();
    member.socket.close();
  });

  it('refuses bad writes with a reason and writes nothing', async () => {
    const noSku = await call(
      'rows:save',
      { table: 'products', row: { name: 'Sin código', price: 1, active: true } },
      { cookie },
    );
    expect(noSku.status).toBe(400);
    const ledger = await call('rows:save', { table: 'stock_movements', row: { quantity: 1000 } }, { cookie });
    expect(ledger.status).toBe(403);
    const hash = await call(
      'rows:save',
      { table: 'users', row: { username: 'x', passwordHash: 'scrypt$1' } },
      { cookie },
    );
    expect(hash.status).toBe(400);
    const list = await call('rows:list', { table: 'products' }, { cookie });
    expect((list.json.rows as unknown[]).length).toBe(1);
  });

  it('never sends password hashes to the renderer', async () => {
    const users = await call('rows:list', { table: 'users' }, { cookie });
    expect(users.status).toBe(200);
    expect(JSON.stringify(users.json)).not.toContain('passwordHash');
  });

  it('forgets the session on logout', async () => {
    const out = await call('session:logout', {}, { cookie });
    expect(out.status).toBe(200);
    expect(out.setCookie).toMatch(/Max-Age=0/);
    expect((await call('sync:status', {}, { cookie })).status).toBe(401);
  });
});

describe('listening first (issue 11)', () => {
  it('sends the renderer and the early answers exactly as Fastify sends them once it has taken over', async () => {
    const rendererDir = join(folder, 'renderer-files');
    mkdirSync(join(rendererDir, 'assets'), { recursive: true });
    writeFileSync(join(rendererDir, 'index.html'), '<!doctype html><title>Mostrador</title>');
    writeFileSync(join(rendererDir, 'assets', 'index-abc123.js'), 'console.log("hola");');
    writeFileSync(join(rendererDir, 'assets', 'index-abc123.css'), 'body { color: black; }');
    const early = await listenUiBridge({ dataDir: join(folder, 'same-data'), port: 0, rendererDir });
    const answers = () =>
      Promise.all([
        fetch(early.url),
        fetch(`${early.url}assets/index-abc123.js`),
        fetch(`${early.url}assets/index-abc123.css`),
        fetch(`${early.url}api/session:get`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: '{}',
        }),
      ]).then((responses) =>
        Promise.all(
          responses.map(async (response) => {
            const headers = Object.fromEntries(response.headers);
            for (const perResponse of ['date', 'connection', 'keep-alive']) delete headers[perResponse];
            return { status: response.status, headers, body: await response.text() };
          }),
        ),
      );
    try {
      const beforeFastify = await answers();
      await early.attach({});
      expect(await answers()).toEqual(beforeFastify);
    } finally {
      await early.close();
    }
  });

  it('serves the renderer before a station is attached, and answers the calls made meanwhile once it is', async () => {
    const early = await listenUiBridge({
      dataDir: join(folder, 'early-data'),
      port: 0,
      rendererDir: join(folder, 'renderer'),
      suggestedServerUrl: server.url,
    });
    try {
      const page = await fetch(early.url);
      expect(await page.text()).toContain('<title>Mostrador</title>');
      let answered = false;
      const state = fetch(`${early.url}api/app:state`, { method: 'POST' }).then(async (response) => {
        answered = true;
        return { status: response.status, json: await response.json() };
      });
      const events = new WebSocket(`${early.url.replace('http', 'ws')}api/events`);
      await new Promise((resolve, reject) => events.once('open', resolve).once('error', reject));
      await new Promise((resolve) => setTimeout(resolve, 200));
      expect(answered).toBe(false);

      const received: string[] = [];
      events.on('message', (data) => received.push(JSON.parse(String(data)).event));
      await early.attach({});
      expect(await state).toMatchObject({ status: 200, json: { phase: 'firstRun', suggestedServerUrl: server.url } });
      // The socket opened before the station was there hears its events too.
      const enrolled = fetch(`${early.url}api/station:enroll`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          serverUrl: server.url,
          stationName: 'Caja temprana',
          username: 'admin',
          password: 'wrong',
        }),
      });
      expect((await enrolled).status).toBe(401);
      await expect.poll(() => received).toContain('app:state');
      events.close();
    } finally {
      await early.close();
    }
  });

  it("answers the login screen's state from a ready station's folder before the station is attached, and nothing else", async () => {
    const station = await offlineStation([{ username: 'ana', role: 'admin' }]);
    station.store.meta.set('stationName', 'Caja temprana');
    station.store.meta.set('bootstrapped', 1);
    const dataDir = station.store.db.name.replace(/[/\\][^/\\]+$/, '');
    const early = await listenUiBridge({ dataDir, port: 0, rendererDir: join(folder, 'renderer') });
    const post = (channel: string, body: unknown) =>
      fetch(`${early.url}api/${channel}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      }).then(async (response) => ({ status: response.status, json: await response.json() }));
    try {
      const peeked = await post('app:state', {});
      expect(peeked).toMatchObject({ status: 200, json: { phase: 'ready', station: { name: 'Caja temprana' } } });
      expect(await post('session:get', {})).toEqual({ status: 200, json: { user: null } });
      await early.firstCall;

      // A login, and a request the schema refuses, wait for the station.
      const answered: string[] = [];
      const login = post('session:login', { username: 'ana', password: 'ana-pass' }).finally(() =>
        answered.push('login'),
      );
      const refused = post('app:state', { sql: 'DROP TABLE users' }).finally(() => answered.push('refused'));
      await new Promise((resolve) => setTimeout(resolve, 200));
      expect(answered).toEqual([]);

      await early.attach({ station });
      expect((await post('app:state', {})).json).toEqual(peeked.json);
      expect(await login).toMatchObject({ status: 200, json: { user: { username: 'ana' } } });
      expect((await refused).status).toBe(400);
    } finally {
      await early.close();
      station.close();
    }
  });
});
