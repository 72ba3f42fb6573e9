/**
 * The browser bridge: the channel map over HTTP (POST /api/<channel>) and events over one
 * WebSocket (/api/events), plus the built renderer. It exposes nothing else. Sessions are
 * the app's own login: a token in an HttpOnly, SameSite=Strict cookie, issued when
 * `session:login` succeeds and dropped on `session:logout`.
 *
 * It runs on Fastify with its kept plugins (static files, cookies, security headers), and
 * every request, the event stream included, passes one gate first (gate.ts): allowed Host
 * names only, and no other origin. First-run enrollment is accepted only from this
 * computer, and logins are throttled.
 *
 * It listens first (issue 11), in two steps: `listenEarly` (early-server.ts, plain
 * node:http) serves the renderer's files and the login screen's first calls before Fastify
 * is even imported; `takeOverBridge` then builds the app on that same server. The channel
 * map (the station core and the request schemas, most of the station's start-up) may load
 * later still: calls and events wait for it, but for the login screen's (`earlyAnswer`).
 */

import { existsSync } from 'node:fs';
import type { Server } from 'node:http';
import { join, sep } from 'node:path';
import cookie from '@fastify/cookie';
import helmet from '@fastify/helmet';
import fastifyStatic from '@fastify/static';
import websocket from '@fastify/websocket';
import { ERRORS, type ErrorCode } from '@mostrador/common/errors';
import Fastify, { type FastifyError, type FastifyReply } from 'fastify';
import { WebSocket } from 'ws';
import type { EventName } from '../shared/channels.js';
import type { Session } from '../shared/dispatch.js';
import type { StationChannels } from '../shared/station-channels.js';
import { type EarlyServer, listenEarly, type RequestHandler } from './early-server.js';
import { HELMET_OPTIONS, MAX_BODY_BYTES, SESSION_COOKIE } from './http.js';
import { BridgeSessions } from './sessions.js';
import { RENDERER_DIR } from './static-files.js';
import { DEFAULT_THROTTLE, LoginThrottle, type ThrottleOptions } from './throttle.js';

export interface BridgeOptions {
  /** The channel map; calls and events wait for it, the renderer's files do not. */
  channels: Promise<StationChannels>;
  /**
   * While the map loads: the answer to a public call with an empty request (the login
   * screen's `app:state` and `session:get`), or undefined to wait for the map; or a promise of either.
   */
  earlyAnswer?: (channel: string, session: Session) => unknown;
  /** Told of each channel call as it arrives (`answered`: whether `earlyAnswer` answered it). */
  onCall?: (channel: string, answered: boolean) => void;
  host: string;
  port: number;
  rendererDir?: string;
  /**
   * Host names browsers may use to reach a bridge bound beyond loopback (e.g. `caja1.local`,
   * `192.168.1.20`). Required for a non-loopback bind: without it the bridge refuses to start.
   */
  allowedHosts?: readonly string[];
  throttle?: ThrottleOptions;
}

export interface RunningBridge {
  url: string;
  port: number;
  close(): Promise<void>;
}

function isLoopbackAddress(address: string | undefined): boolean {
  if (!address) return false;
  return address === '::1' || /^(::ffff:)?127\./.test(address);
}

function errorBody(code: string, message: string) {
  return { error: { code, message } };
}

function fail(reply: FastifyReply, status: number, code: ErrorCode | string, message?: string) {
  const known = (ERRORS as Record<string, { message: string }>)[code];
  return reply
    .status(status)
    .header('cache-control', 'no-store')
    .send(errorBody(code, message ?? known?.message ?? code));
}

/** The channel map with what runs it, imported only once the map is there (TypeBox schemas). */
async function channelLayer(channels: Promise<StationChannels>) {
  const map = await channels;
  const [{ dispatch }, { EVENTS }] = await Promise.all([
    import('../shared/dispatch.js'),
    import('../shared/channels.js'),
  ]);
  const mayHear = (event: EventName, session: Session | null) => {
    const { audience } = EVENTS[event];
    if (audience === 'anyone') return true;
    if (audience === 'admin') return session?.user?.role === 'admin';
    return Boolean(session?.user);
  };
  return { channels: map, dispatch, mayHear };
}

/** Listening and served by Fastify at once: `listenEarly` and `takeOverBridge` in one step. */
export async function startBridge(options: BridgeOptions): Promise<RunningBridge> {
  const early = await listenEarly({ ...options, rendererDir: options.rendererDir ?? RENDERER_DIR });
  try {
    return await takeOverBridge(options, early);
  } catch (error) {
    await early.close();
    throw error;
  }
}

/** The Fastify app on the early server: it answers everything from now on, what was held first. */
export async function takeOverBridge(options: BridgeOptions, early: EarlyServer): Promise<RunningBridge> {
  const rendererDir = options.rendererDir ?? RENDERER_DIR;
  const sessions = new BridgeSessions();
  const throttle = new LoginThrottle(options.throttle ?? DEFAULT_THROTTLE);
  const socketSessions = new Map<WebSocket, Session | null>();
  const layer = channelLayer(options.channels);
  let loaded = false;

  let handler: RequestHandler = () => {};
  const app = Fastify({
    logger: false,
    bodyLimit: MAX_BODY_BYTES,
    // The early server is the app's: its timeouts are set there.
    serverFactory: (appHandler) => {
      handler = appHandler;
      return early.server;
    },
    // A URL Fastify cannot even route (`/api/%a`) is answered in the error shape too.
    frameworkErrors: (error, _request, reply) => fail(reply, 400, 'VALIDATION', error.message),
  });

  // Bodies are JSON or nothing; an empty body is `{}`. Other types are refused (415), which
  // also keeps plain HTML forms on other sites from posting here (they cannot send JSON).
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (_request, text, done) => {
    const body = String(text);
    if (body.trim() === '') return done(null, {});
    try {
      done(null, JSON.parse(body));
    } catch {
      done(Object.assign(new Error(ERRORS.MALFORMED_JSON.message), { statusCode: 400, code: 'MALFORMED_JSON' }));
    }
  });

  app.setErrorHandler((error: FastifyError, _request, reply) => {
    if (error.code === 'MALFORMED_JSON') return fail(reply, 400, 'MALFORMED_JSON');
    if (error.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE') {
      return fail(reply, 415, 'VALIDATION', 'Send the request as application/json.');
    }
    if (error.code === 'FST_ERR_CTP_BODY_TOO_LARGE') return fail(reply, 413, 'PAYLOAD_TOO_LARGE');
    const status = error.statusCode ?? 500;
    if (status >= 400 && status < 500) return fail(reply, status, 'VALIDATION', error.message);
    return fail(reply, 500, 'INTERNAL', 'Unexpected bridge error.');
  });

  // One gate for every request, static files and the event stream included.
  app.addHook('onRequest', async (request, reply) => {
    const refusal = early.gate.refusal(request.headers);
    if (!refusal) return;
    // Nothing more from this client on this connection (a refused upgrade included).
    reply.header('connection', 'close');
    reply.raw.once('finish', () => request.raw.socket.end());
    return fail(reply, 403, 'FORBIDDEN', refusal);
  });

  await app.register(helmet, HELMET_OPTIONS);
  await app.register(cookie);
  // Upgrades come through the early server, which holds those made before the hand-over (the
  // plugin only listens for 'upgrade' on what it is given as its server).
  const upgrades = early.upgrades as unknown as Server;
  await app.register(websocket, { options: { maxPayload: 4096, server: upgrades } });

  const indexExists = () => existsSync(join(rendererDir, 'index.html'));
  await app.register(fastifyStatic, {
    root: rendererDir,
    wildcard: false,
    index: false,
    cacheControl: false,
    setHeaders(response, path) {
      const immutable = path.includes(`${sep}assets${sep}`);
      response.setHeader('cache-control', immutable ? 'public, max-age=31536000, immutable' : 'no-cache');
    },
  });

  app.post<{ Params: { channel: string } }>('/api/:channel', async (request, reply) => {
    const channel = request.params.channel;
    const token = request.cookies[SESSION_COOKIE] ?? null;
    const known = sessions.find(token);
    const session: Session = known ?? { user: null };
    const body = request.body ?? {};

    if (channel === 'station:enroll' && !isLoopbackAddress(request.socket.remoteAddress)) {
      return fail(reply, 403, 'FORBIDDEN', 'A station can be enrolled only from this computer (its first-run screen).');
    }
    const username =
      channel === 'session:login' && typeof (body as { username?: unknown }).username === 'string'
        ? (body as { username: string }).username
        : null;
    if (username !== null) {
      const wait = throttle.admit(request.socket.remoteAddress ?? '', username);
      if (wait > 0) {
        reply.header('retry-after', String(wait));
        return fail(reply, 429, 'RATE_LIMITED', `Too many login attempts; try again in ${wait} s.`);
      }
    }

    const early = loaded || !isEmpty(body) ? undefined : await options.earlyAnswer?.(channel, session);
    options.onCall?.(channel, early !== undefined);
    if (early !== undefined) {
      reply.header('cache-control', 'no-store');
      return early;
    }
    const { channels, dispatch } = await layer;
    const result = await dispatch(channels.handlers, channel, body, session);
    if (username !== null) {
      if (result.ok) throttle.succeeded(username);
      else if (result.error.code === 'INVALID_CREDENTIALS') throttle.failed(username);
    }
    if (!result.ok) return fail(reply, result.status, result.error.code, result.error.message);
    reply.header('cache-control', 'no-store');
    if (!known && session.user) reply.setCookie(SESSION_COOKIE, sessions.open(session), cookieOptions());
    if (known && !session.user) {
      sessions.close(token);
      reply.setCookie(SESSION_COOKIE, '', { ...cookieOptions(), maxAge: 0 });
    }
    return result.value;
  });

  // Anonymous sockets are allowed so the first-run and bootstrap screens hear progress;
  // they only ever receive public events.
  app.get('/api/events', { websocket: true }, (socket, request) => {
    const session = sessions.find(request.cookies[SESSION_COOKIE] ?? null);
    socketSessions.set(socket, session);
    socket.on('close', () => socketSessions.delete(socket));
    socket.on('message', () => {}); // the socket only carries events outward
  });

  app.setNotFoundHandler((request, reply) => {
    const path = request.url.split('?')[0] ?? '/';
    if (path.startsWith('/api/')) {
      return request.method === 'POST'
        ? fail(reply, 404, 'NOT_FOUND', `No channel at ${path}.`)
        : fail(reply, 405, 'NOT_FOUND', 'Channels are called with POST.');
    }
    if (request.method !== 'GET' && request.method !== 'HEAD') return fail(reply, 405, 'NOT_FOUND', 'Not here.');
    // Any app path that is not a file gets index.html: the app routes itself.
    if (!indexExists()) {
      return fail(reply, 503, 'RENDERER_NOT_BUILT', 'The renderer is not built: run `npm run build` first.');
    }
    reply.header('cache-control', 'no-cache');
    return reply.sendFile('index.html');
  });

  let unsubscribe = () => {};
  // A channel map that never comes is the caller's failure to report (it closes the bridge).
  void layer.then(
    ({ channels, mayHear }) => {
      loaded = true;
      unsubscribe = channels.subscribe((event: EventName, payload) => {
        const text = JSON.stringify({ event, payload });
        for (const [ws, session] of socketSessions) {
          if (mayHear(event, session) && ws.readyState === WebSocket.OPEN) ws.send(text);
        }
      });
    },
    () => {},
  );

  await app.ready();
  early.handOver(handler);
  return {
    url: early.url,
    port: early.port,
    async close() {
      unsubscribe();
      for (const ws of socketSessions.keys()) ws.terminate();
      // Every connection, upgraded or refused at the upgrade included, ends with the server.
      await early.close();
      await app.close();
    },
  };
}

function isEmpty(body: unknown): boolean {
  return typeof body === 'object' && body !== null && Object.keys(body).length === 0;
}

function cookieOptions() {
  return { path: '/', httpOnly: true, sameSite: 'strict' as const };
}
