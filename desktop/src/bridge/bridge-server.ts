/**
 * The browser bridge: the channel map over HTTP (POST /api/<channel>) and events over one
 * WebSocket (/api/events), plus the built renderer. It exposes nothing else. Sessions are
 * the app's own login: a token in an HttpOnly, SameSite=Strict cookie, issued when
 * `session:login` succeeds and dropped on `session:logout`.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { WebSocket, WebSocketServer } from 'ws';
import { EVENTS, type EventName } from '../shared/channels.js';
import { dispatch, type Session } from '../shared/dispatch.js';
import type { StationChannels } from '../shared/station-channels.js';
import { HttpFailure, readCookie, readJsonBody, SESSION_COOKIE, sendError, sendJson, sessionCookie } from './http.js';
import { BridgeSessions } from './sessions.js';
import { RENDERER_DIR, serveRenderer } from './static-files.js';

export interface BridgeOptions {
  channels: StationChannels;
  host: string;
  port: number;
  rendererDir?: string;
}

export interface RunningBridge {
  url: string;
  port: number;
  close(): Promise<void>;
}

const LOOPBACK_NAMES = new Set(['127.0.0.1', 'localhost', '[::1]', '::1']);

function isLoopback(host: string): boolean {
  return LOOPBACK_NAMES.has(host);
}

/** On loopback, a Host header naming anything else is a DNS-rebinding attempt from some web page. */
function hostAllowed(request: IncomingMessage, bindHost: string): boolean {
  if (!isLoopback(bindHost)) return true;
  const host = request.headers.host ?? '';
  const name = host.startsWith('[') ? host.slice(0, host.indexOf(']') + 1) : (host.split(':')[0] ?? '');
  return isLoopback(name);
}

async function answerChannel(
  channels: StationChannels,
  sessions: BridgeSessions,
  channel: string,
  request: IncomingMessage,
  response: ServerResponse,
) {
  const token = readCookie(request, SESSION_COOKIE);
  const known = sessions.find(token);
  const session: Session = known ?? { user: null };
  let body: unknown;
  try {
    body = await readJsonBody(request);
  } catch (error) {
    const failure = error instanceof HttpFailure ? error : new HttpFailure('VALIDATION');
    sendError(response, failure.status, failure.code, failure.message);
    return;
  }
  const result = await dispatch(channels.handlers, channel, body, session);
  if (!result.ok) {
    sendError(response, result.status, result.error.code, result.error.message);
    return;
  }
  const headers: Record<string, string> = {};
  if (!known && session.user) headers['set-cookie'] = sessionCookie(sessions.open(session));
  if (known && !session.user) {
    sessions.close(token);
    headers['set-cookie'] = sessionCookie(null);
  }
  sendJson(response, 200, result.value, headers);
}

function mayHear(event: EventName, session: Session | null): boolean {
  const { audience } = EVENTS[event];
  if (audience === 'anyone') return true;
  if (audience === 'admin') return session?.user?.role === 'admin';
  return Boolean(session?.user);
}

export async function startBridge(options: BridgeOptions): Promise<RunningBridge> {
  const { channels, host } = options;
  const rendererDir = options.rendererDir ?? RENDERER_DIR;
  const sessions = new BridgeSessions();
  const sockets = new WebSocketServer({ noServer: true, maxPayload: 4096 });
  const socketSessions = new Map<WebSocket, Session | null>();

  const server = createServer((request, response) => {
    if (!hostAllowed(request, host)) return sendError(response, 403, 'FORBIDDEN', 'Unexpected Host header.');
    const url = new URL(request.url ?? '/', 'http://bridge');
    if (url.pathname.startsWith('/api/')) {
      if (request.method !== 'POST') return sendError(response, 405, 'NOT_FOUND', 'Channels are called with POST.');
      answerChannel(channels, sessions, url.pathname.slice('/api/'.length), request, response).catch(
        (error: unknown) => {
          // Handlers' failures are answered inside; this is the bridge itself failing (a socket gone mid-answer).
          if (!response.headersSent) sendError(response, 500, 'INTERNAL', String((error as Error)?.message ?? error));
          else response.destroy();
        },
      );
      return;
    }
    if (request.method !== 'GET' && request.method !== 'HEAD')
      return sendError(response, 405, 'NOT_FOUND', 'Not here.');
    void serveRenderer(rendererDir, url.pathname, response);
  });

  server.on('upgrade', (request: IncomingMessage, socket: Duplex, head: Buffer) => {
    const url = new URL(request.url ?? '/', 'http://bridge');
    if (url.pathname !== '/api/events' || !hostAllowed(request, host)) {
      socket.end('HTTP/1.1 404 Not Found\r\nConnection: close\r\n\r\n');
      return;
    }
    // Anonymous sockets are allowed so the first-run and bootstrap screens hear progress;
    // they only ever receive public events.
    const session = sessions.find(readCookie(request, SESSION_COOKIE));
    sockets.handleUpgrade(request, socket, head, (ws) => {
      socketSessions.set(ws, session);
      ws.on('close', () => socketSessions.delete(ws));
      ws.on('message', () => {}); // the socket only carries events outward
    });
  });

  const unsubscribe = channels.subscribe((event: EventName, payload) => {
    const text = JSON.stringify({ event, payload });
    for (const [ws, session] of socketSessions) {
      if (mayHear(event, session) && ws.readyState === WebSocket.OPEN) ws.send(text);
    }
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, host, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const shownHost = host.includes(':') ? `[${host}]` : host;
  return {
    url: `http://${shownHost}:${port}/`,
    port,
    async close() {
      unsubscribe();
      for (const ws of socketSessions.keys()) ws.terminate();
      sockets.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
