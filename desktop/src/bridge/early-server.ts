/**
 * The bridge's first moments (issue 11): a plain node:http server that listens before
 * Fastify and its plugins are imported (about 350 modules, most of the time to listen), and
 * serves only what the login screen needs meanwhile: the renderer's files and the early
 * answers (`app:state`, `session:get`). Any other request (a conditional or ranged one, one
 * the gate refuses, another channel, an upgrade to the event stream) is held untouched and
 * handed to the Fastify app (bridge-server.ts) once it takes the server over: the app alone
 * decides every answer beyond those, and after the hand-over it answers everything.
 *
 * What it does send is what the app would: the same headers (helmet's, with the app's
 * options; checked against the app's in server.test.ts), file validators and bodies.
 */
import { EventEmitter } from 'node:events';
import { readFile, stat } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { join } from 'node:path';
import type { Duplex } from 'node:stream';
import helmet from 'helmet';
import type { Session } from '../shared/dispatch.js';
import { type BridgeGate, bridgeGate } from './gate.js';
import { HELMET_OPTIONS } from './http.js';

/** Sets on a response the headers @fastify/helmet sets on the app's (the same options, http.ts). */
const setSecurityHeaders = helmet(HELMET_OPTIONS);

/** The renderer's own file types; any other file waits for the app. */
const CONTENT_TYPES: Readonly<Record<string, string>> = {
  html: 'text/html; charset=utf-8',
  js: 'application/javascript; charset=utf-8',
  css: 'text/css; charset=utf-8',
};

/** Headers that ask for a conditional or partial answer: left to the app (@fastify/static). */
const CONDITIONAL = ['range', 'if-range', 'if-match', 'if-none-match', 'if-modified-since', 'if-unmodified-since'];

/** The largest body read before an early answer: the renderer sends `{}`. */
const EARLY_BODY_BYTES = 64;

export type RequestHandler = (request: IncomingMessage, response: ServerResponse) => void;

export interface EarlyOptions {
  host: string;
  port: number;
  allowedHosts?: readonly string[];
  rendererDir: string;
  /** The answer to a public call with an empty request, or undefined to leave it to the app (or a promise of either). */
  earlyAnswer?: (channel: string, session: Session) => unknown;
  /** Told of each channel call as it arrives (`answered`: whether it was answered here). */
  onCall?: (channel: string, answered: boolean) => void;
  /** Told when the page itself is sent: a browser is loading the renderer. */
  onPage?: () => void;
}

export interface EarlyServer {
  server: Server;
  gate: BridgeGate;
  url: string;
  port: number;
  /** Where upgrades to the event stream go once handed over (the WebSocket plugin listens here). */
  upgrades: EventEmitter;
  /** From now on every request goes to `handler`, those held first, in their order. */
  handOver(handler: RequestHandler): void;
  /** Ends every connection and stops listening. */
  close(): Promise<void>;
}

// Fastify's defaults for the server it would have made itself, and the bridge's request timeout.
const KEEP_ALIVE_MS = 72_000;
const REQUEST_TIMEOUT_MS = 60_000;

export async function listenEarly(options: EarlyOptions): Promise<EarlyServer> {
  const gate = bridgeGate(options.host, options.allowedHosts);
  const upgrades = new EventEmitter();
  const heldRequests: [IncomingMessage, ServerResponse][] = [];
  const heldUpgrades: [IncomingMessage, Duplex, Buffer][] = [];
  let handler: RequestHandler | null = null;

  const leave = (request: IncomingMessage, response: ServerResponse) => {
    if (handler) handler(request, response);
    else heldRequests.push([request, response]);
  };
  const server = createServer((request, response) => {
    if (handler) return handler(request, response);
    void answerEarly(request, response, options, gate).then(
      (answered) => answered || leave(request, response),
      () => leave(request, response),
    );
  });
  server.keepAliveTimeout = KEEP_ALIVE_MS;
  server.requestTimeout = REQUEST_TIMEOUT_MS;
  server.setTimeout(0);

  const dropOnError = (socket: Duplex) => () => socket.destroy();
  const errorGuards = new Map<Duplex, () => void>();
  server.on('upgrade', (request: IncomingMessage, socket: Duplex, head: Buffer) => {
    if (handler) return void upgrades.emit('upgrade', request, socket, head);
    // Node takes its own error listener off an upgraded socket: keep one while it is held.
    const guard = dropOnError(socket);
    errorGuards.set(socket, guard);
    socket.on('error', guard);
    heldUpgrades.push([request, socket, head]);
  });

  const connections = new Set<Socket>();
  server.on('connection', (socket) => {
    connections.add(socket);
    socket.once('close', () => connections.delete(socket));
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen({ port: options.port, host: options.host }, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  const shownHost = options.host.includes(':') ? `[${options.host}]` : options.host;
  return {
    server,
    gate,
    url: `http://${shownHost}:${port}/`,
    port,
    upgrades,
    handOver(next) {
      handler = next;
      for (const [request, response] of heldRequests.splice(0)) next(request, response);
      for (const [request, socket, head] of heldUpgrades.splice(0)) {
        const guard = errorGuards.get(socket);
        if (guard) socket.off('error', guard);
        errorGuards.delete(socket);
        upgrades.emit('upgrade', request, socket, head);
      }
    },
    async close() {
      server.closeAllConnections();
      for (const socket of connections) socket.destroy();
      for (const [, socket] of heldUpgrades.splice(0)) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** Answers what may be answered before the app is there; false leaves the request untouched. */
async function answerEarly(
  request: IncomingMessage,
  response: ServerResponse,
  options: EarlyOptions,
  gate: BridgeGate,
): Promise<boolean> {
  if (gate.refusal(request.headers) !== null) return false;
  const url = request.url ?? '';
  if (request.method === 'GET') {
    const served = await serveRendererFile(request, response, options.rendererDir);
    if (served && url === '/') options.onPage?.();
    return served;
  }
  const channel = /^\/api\/([\w:-]+)$/.exec(url)?.[1];
  if (request.method !== 'POST' || !channel) return false;
  // No login happens before the app is there, so every early caller is anonymous.
  const answer = await options.earlyAnswer?.(channel, { user: null });
  if (answer === undefined || !(await hasEmptyBody(request))) {
    options.onCall?.(channel, false);
    return false;
  }
  options.onCall?.(channel, true);
  const body = JSON.stringify(answer);
  setSecurityHeaders(request, response, () => {});
  response.writeHead(200, {
    'cache-control': 'no-store',
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(body),
  });
  response.end(body);
  return true;
}

/** `/` (the page) and the bundle's files, as @fastify/static and the app's fallback send them. */
async function serveRendererFile(
  request: IncomingMessage,
  response: ServerResponse,
  rendererDir: string,
): Promise<boolean> {
  if (CONDITIONAL.some((name) => request.headers[name] !== undefined)) return false;
  const url = request.url ?? '';
  const asset = /^\/assets\/([\w-]+\.(\w+))$/.exec(url);
  const path =
    url === '/' ? join(rendererDir, 'index.html') : asset ? join(rendererDir, 'assets', asset[1] ?? '') : null;
  const type = CONTENT_TYPES[url === '/' ? 'html' : (asset?.[2] ?? '')];
  if (!path || !type) return false;
  let file: { size: number; mtime: Date; body: Buffer };
  try {
    const [info, body] = await Promise.all([stat(path), readFile(path)]);
    file = { size: info.size, mtime: info.mtime, body };
  } catch {
    return false; // missing: the app's not-found handler says what to do
  }
  setSecurityHeaders(request, response, () => {});
  response.writeHead(200, {
    'cache-control': asset ? 'public, max-age=31536000, immutable' : 'no-cache',
    'accept-ranges': 'bytes',
    'last-modified': file.mtime.toUTCString(),
    etag: `W/"${file.size.toString(16)}-${file.mtime.getTime().toString(16)}"`,
    'content-type': type,
    'content-length': file.body.length,
  });
  response.end(file.body);
  return true;
}

/**
 * Whether the request's body is one the app reads as `{}` (none, blank, or an empty JSON
 * object). A body read to tell is put back for the app when it is not.
 */
async function hasEmptyBody(request: IncomingMessage): Promise<boolean> {
  const { headers } = request;
  if (headers['transfer-encoding'] !== undefined) return false;
  const length = Number(headers['content-length'] ?? 0);
  const type = headers['content-type'];
  if (length === 0) return type === undefined || isJson(type);
  if (type === undefined || !isJson(type) || !(length <= EARLY_BODY_BYTES)) return false;
  return readEmptyJson(request);
}

function isJson(type: string): boolean {
  return type.split(';')[0]?.trim().toLowerCase() === 'application/json';
}

function isEmptyJson(text: string): boolean {
  if (text.trim() === '') return true;
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === 'object' && value !== null && Object.keys(value).length === 0;
  } catch {
    return false;
  }
}

/**
 * Reads the whole (small) body to tell whether it is empty JSON; one that is not goes back
 * into the stream before it ends (in the same tick as the last read), for the app to read.
 */
function readEmptyJson(request: IncomingMessage): Promise<boolean> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    const onReadable = () => {
      for (let chunk = request.read() as Buffer | null; chunk !== null; chunk = request.read() as Buffer | null) {
        chunks.push(chunk);
      }
      if (!request.complete) return;
      done();
      const body = Buffer.concat(chunks);
      const empty = isEmptyJson(body.toString('utf8'));
      if (!empty) request.unshift(body);
      resolve(empty);
    };
    const onError = (error: Error) => {
      done();
      reject(error);
    };
    const done = () => {
      request.off('readable', onReadable);
      request.off('error', onError);
    };
    request.on('readable', onReadable);
    request.on('error', onError);
  });
}
