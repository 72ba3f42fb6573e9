/**
 * The bridge's gate against hostile pages and neighbours: Origin and Host checks on every
 * route and on the event stream, login throttling, binding beyond loopback only with an
 * allow-list of hosts, and first-run enrollment only from this computer. Real HTTP and
 * WebSocket in front of a real (offline) station.
 */
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { request } from 'node:http';
import { networkInterfaces, tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { offlineStation, tempDataDir } from '../../../test/support/station.js';
import type { Station } from '../core/index.js';
import { startUiBridge, type UiBridge } from './server.js';

let folder: string;
let rendererDir: string;
let station: Station;
let bridge: UiBridge;

function raw(
  url: string,
  init: { method?: string; headers?: Record<string, string>; body?: string },
): Promise<{ status: number; body: string; headers: Record<string, unknown> }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: init.method ?? 'GET', headers: init.headers }, (res) => {
      let body = '';
      res.on('data', (chunk) => {
        body += String(chunk);
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body, headers: res.headers }));
    });
    req.on('error', reject);
    req.end(init.body);
  });
}

function upgrade(url: string, headers: Record<string, string>): Promise<number> {
  const socket = new WebSocket(url, { headers });
  return new Promise((resolve) => {
    socket.once('open', () => {
      socket.terminate();
      resolve(101);
    });
    socket.once('unexpected-response', (_req, res) => {
      resolve(res.statusCode ?? 0);
      socket.terminate();
    });
    socket.once('error', () => resolve(0));
  });
}

beforeAll(async () => {
  folder = mkdtempSync(join(tmpdir(), 'mostrador-guards-'));
  rendererDir = join(folder, 'renderer');
  mkdirSync(rendererDir);
  writeFileSync(join(rendererDir, 'index.html'), '<!doctype html><title>Mostrador</title>');
  station = await offlineStation([{ username: 'admin', role: 'admin' }]);
  // Its rows are all here: ready for logins, no bootstrap against a server.
  station.store.meta.set('bootstrapped', 1);
  bridge = await startUiBridge({ station, port: 0, rendererDir });
});

afterAll(async () => {
  await bridge?.close();
  station?.close();
  await rm(folder, { recursive: true, force: true });
});

describe('bridge Origin and Host checks', () => {
  it('refuses a channel call from a page of another origin, and accepts its own', async () => {
    const own = bridge.url.slice(0, -1);
    const call = (origin?: string) =>
      raw(`${bridge.url}api/app:state`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...(origin ? { origin } : {}) },
        body: '{}',
      });
    for (const origin of ['http://127.0.0.1:1', 'http://evil.example', 'null']) {
      const refused = await call(origin);
      expect(refused.status, origin).toBe(403);
      expect(JSON.parse(refused.body)).toEqual({ error: { code: 'FORBIDDEN', message: expect.any(String) } });
    }
    expect((await call(own)).status).toBe(200);
    expect((await call()).status).toBe(200);
  });

  it('refuses the event stream to another origin and to a foreign Host', async () => {
    const url = `${bridge.url.replace('http', 'ws')}api/events`;
    expect(await upgrade(url, { origin: 'http://127.0.0.1:1' })).toBe(403);
    expect(await upgrade(url, { host: 'evil.example' })).toBe(403);
    expect(await upgrade(url, { origin: bridge.url.slice(0, -1) })).toBe(101);
  });

  it('refuses static files to a foreign Host (DNS rebinding) and never serves outside the renderer', async () => {
    expect((await raw(`${bridge.url}`, { headers: { host: 'evil.example' } })).status).toBe(403);
    const page = await raw(`${bridge.url}`, {});
    expect(page.status).toBe(200);
    expect(page.headers['content-security-policy']).toContain("default-src 'self'");
    expect(page.headers['x-frame-options']).toBeDefined();
    for (const path of ['..%2f..%2f..%2fetc%2fpasswd', '%2e%2e/%2e%2e/etc/passwd']) {
      const answer = await raw(`${bridge.url}${path}`, {});
      expect(answer.body).not.toContain('root:');
    }
  });
});

describe('bridge login throttling', () => {
  it('makes a username wait after repeated wrong passwords, then lets the right one in', async () => {
    const login = (password: string) =>
      raw(`${bridge.url}api/session:login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ username: 'admin', password }),
      });
    for (let i = 0; i < 5; i++) expect((await login('wrong-password')).status).toBe(401);
    const blocked = await login('admin-pass');
    expect(blocked.status).toBe(429);
    expect(JSON.parse(blocked.body).error.code).toBe('RATE_LIMITED');
    const wait = Number(blocked.headers['retry-after']);
    expect(wait).toBeGreaterThanOrEqual(1);
    await new Promise((resolve) => setTimeout(resolve, wait * 1000 + 100));
    expect((await login('admin-pass')).status).toBe(200);
  });
});

describe('bridge beyond loopback', () => {
  it('refuses to listen beyond loopback without an allow-list of hosts', async () => {
    await expect(
      startUiBridge({ dataDir: tempDataDir('guards-any'), host: '0.0.0.0', port: 0, rendererDir }),
    ).rejects.toThrow(/--ui-allow-hosts/);
  });

  it('accepts only the allowed hosts, and enrolls only from this computer', async () => {
    const open = await startUiBridge({
      dataDir: tempDataDir('guards-lan'),
      host: '0.0.0.0',
      allowedHosts: ['caja1.local'],
      port: 0,
      rendererDir,
    });
    try {
      const at = `http://127.0.0.1:${open.port}/`;
      expect((await raw(at, { headers: { host: `caja1.local:${open.port}` } })).status).toBe(200);
      expect((await raw(at, { headers: { host: `evil.example:${open.port}` } })).status).toBe(403);
      const lan = Object.values(networkInterfaces())
        .flat()
        .find((address) => address && address.family === 'IPv4' && !address.internal)?.address;
      // From this computer the first run may enroll (it fails later: no server there).
      const enroll = (base: string) =>
        raw(`${base}api/station:enroll`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', host: `caja1.local:${open.port}` },
          body: JSON.stringify({
            serverUrl: 'http://127.0.0.1:9',
            stationName: 'Intrusa',
            username: 'admin',
            password: 'x',
          }),
        });
      expect((await enroll(at)).status).not.toBe(403);
      if (lan) {
        const refused = await enroll(`http://${lan}:${open.port}/`);
        expect(refused.status).toBe(403);
        expect(JSON.parse(refused.body).error.message).toMatch(/only from this computer/);
      }
    } finally {
      await open.close();
    }
  });
});

describe('hostile input to the bridge', () => {
  const hostileString = fc.oneof(
    fc.string({ maxLength: 30 }),
    fc.constantFrom("'; DROP TABLE users; --", 'a\u0000b', '__proto__', '../../etc/passwd', '<script>', '\uD800'),
  );
  const body = fc.oneof(
    fc.jsonValue({ maxDepth: 4 }).map((value) => JSON.stringify(value)),
    fc.record({ username: hostileString, password: hostileString }).map((value) => JSON.stringify(value)),
    fc
      .record({ table: hostileString, row: fc.jsonValue({ maxDepth: 2 }), id: hostileString })
      .map((value) => JSON.stringify(value)),
    fc.string({ maxLength: 40 }),
    fc.integer({ min: 100, max: 50_000 }).map((depth) => '['.repeat(depth) + ']'.repeat(depth)),
  );
  const channel = fc.oneof(
    fc.constantFrom(
      'app:state',
      'session:login',
      'session:get',
      'rows:save',
      'rows:list',
      'station:enroll',
      'stock:adjust',
    ),
    fc.constantFrom('__proto__', 'constructor', '..%2f..%2fetc', 'db:query', '%00'),
    fc.stringMatching(/^[a-z:%0-9]{1,20}$/),
  );
  const type = fc.constantFrom('application/json', 'text/plain', 'application/x-www-form-urlencoded');

  /** An empty body or `{}` is a valid call of the channels without parameters. */
  function harmless(text: string, contentType: string): boolean {
    if (contentType !== 'application/json') return false;
    if (text.trim() === '') return true;
    try {
      const value = JSON.parse(text);
      return value === null || (typeof value === 'object' && !Array.isArray(value) && Object.keys(value).length === 0);
    } catch {
      return false;
    }
  }

  it('answers every hostile call with a 4xx error body and changes nothing', async () => {
    const before = JSON.stringify(station.dump());
    await fc.assert(
      fc.asyncProperty(channel, body, type, async (name, text, contentType) => {
        fc.pre(!harmless(text, contentType));
        const answer = await raw(`${bridge.url}api/${name}`, {
          method: 'POST',
          headers: { 'content-type': contentType },
          body: text,
        });
        const what = `${name} ${answer.status} ${answer.body.slice(0, 200)}`;
        expect(answer.status, what).toBeGreaterThanOrEqual(400);
        expect(answer.status, what).toBeLessThan(500);
        const parsed = JSON.parse(answer.body);
        expect(Object.keys(parsed), what).toEqual(['error']);
        expect(typeof parsed.error.code, what).toBe('string');
        expect(typeof parsed.error.message, what).toBe('string');
      }),
      { numRuns: 150 },
    );
    // Frames on the event stream are ignored; the socket and the bridge stay up.
    const socket = new WebSocket(`${bridge.url.replace('http', 'ws')}api/events`);
    await new Promise((resolve) => socket.once('open', resolve));
    for (const frame of ['{"event":"data:changed"}', '\u0000', 'x'.repeat(4000), '[[[[[[]]]]]]']) socket.send(frame);
    const closed = new Promise<number>((resolve) => socket.once('close', resolve));
    socket.send('x'.repeat(10_000));
    expect(await closed).toBe(1009);
    expect(JSON.stringify(station.dump())).toBe(before);
    expect(
      (
        await raw(`${bridge.url}api/app:state`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: '{}',
        })
      ).status,
    ).toBe(200);
  });
});
