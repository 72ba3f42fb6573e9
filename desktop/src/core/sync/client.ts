import { setTimeout as sleep } from 'node:timers/promises';
import { type ErrorCode, isErrorCode, MostradorError } from '@mostrador/common';
import type { Static, TSchema } from '@sinclair/typebox';
import { TypeCompiler } from '@sinclair/typebox/compiler';

export interface ServerTimeSample {
  /** The server's clock from its `Date` header, ms since the epoch (second resolution). */
  serverMs: number;
  /** When the answer arrived, by the station's uncorrected clock. */
  receivedAt: number;
}

export interface ClientOptions {
  baseUrl: string;
  token?: string | null;
  /** Called with each answer's `Date` header, to correct the station clock. */
  onServerTime?: (sample: ServerTimeSample) => void;
  wallClock?: () => number;
  /** A request (answer body included) still unsettled after this long is abandoned. */
  timeoutMs?: number;
  /**
   * Attempts after the first, with backoff, for failures that may pass (unreachable, timed
   * out, 503). Only for requests that are safe to repeat: pull, and push (an equal version
   * is a no-op); enrollment makes one attempt.
   */
  retries?: number;
  /**
   * Ask for pages gzipped (the server gzips pages of 16 kB and more for a client that
   * accepts it). By default yes, unless the server is on this machine (localhost), where
   * compressing costs CPU and saves nothing.
   */
  compressedPages?: boolean;
}

const LOOPBACK_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]']);

/** Whether pages from this server are worth gzipping: it is not on this machine. */
export function overTheNetwork(baseUrl: string): boolean {
  return !LOOPBACK_HOSTS.has(new URL(baseUrl).hostname);
}

/** Node's fetch can leave a request to a server that accepts and drops connections unsettled for good. */
export const DEFAULT_REQUEST_TIMEOUT_MS = 20_000;
export const DEFAULT_RETRIES = 2;
const RETRY_BASE_MS = 250;
const RETRIABLE = new Set(['SERVER_UNREACHABLE', 'DB_UNAVAILABLE']);

const checkers = new WeakMap<TSchema, ReturnType<typeof TypeCompiler.Compile>>();

function checkerOf(schema: TSchema) {
  let checker = checkers.get(schema);
  if (!checker) {
    checker = TypeCompiler.Compile(schema);
    checkers.set(schema, checker);
  }
  return checker;
}

/**
 * The station's HTTP client for the API. It turns every failure into a MostradorError:
 * a network failure is SERVER_UNREACHABLE, an error answer keeps the server's code
 * (INVALID_CREDENTIALS, STATION_REVOKED, …), and an answer that does not match the wire
 * schema is refused rather than half-applied.
 */
export class ServerClient {
  /** The Accept-Encoding of every request (see ClientOptions.compressedPages). */
  private readonly acceptEncoding: string;

  constructor(private readonly options: ClientOptions) {
    const compressed = options.compressedPages ?? overTheNetwork(options.baseUrl);
    this.acceptEncoding = compressed ? 'gzip' : 'identity';
  }

  get baseUrl(): string {
    return this.options.baseUrl;
  }

  /** One request, retried with backoff while the failure may pass; every attempt has a deadline. */
  async request<S extends TSchema>(
    schema: S,
    method: 'GET' | 'POST',
    path: string,
    body?: unknown,
    token: string | null | undefined = this.options.token,
  ): Promise<Static<S>> {
    const retries = this.options.retries ?? DEFAULT_RETRIES;
    for (let attempt = 0; ; attempt += 1) {
      try {
        return await this.attempt(schema, method, path, body, token);
      } catch (error) {
        const code = error instanceof MostradorError ? error.code : null;
        if (attempt >= retries || code === null || !RETRIABLE.has(code)) throw error;
        const ceiling = RETRY_BASE_MS * 2 ** attempt;
        await sleep(ceiling / 2 + Math.random() * (ceiling / 2));
      }
    }
  }

  private async attempt<S extends TSchema>(
    schema: S,
    method: 'GET' | 'POST',
    path: string,
    body: unknown,
    token: string | null | undefined,
  ): Promise<Static<S>> {
    const timeoutMs = this.options.timeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS;
    const controller = new AbortController();
    let timer: NodeJS.Timeout | undefined;
    // The abort settles fetch and the body read; the race is the backstop should it not.
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        controller.abort();
        reject(this.unreachable(`no answer within ${timeoutMs} ms`));
      }, timeoutMs);
    });
    try {
      return await Promise.race([this.exchange(schema, method, path, body, token, controller.signal), deadline]);
    } finally {
      clearTimeout(timer);
    }
  }

  private unreachable(cause: string): MostradorError {
    return new MostradorError(
      'SERVER_UNREACHABLE',
      `The server at ${this.options.baseUrl} cannot be reached (${cause}).`,
    );
  }

  private async exchange<S extends TSchema>(
    schema: S,
    method: 'GET' | 'POST',
    path: string,
    body: unknown,
    token: string | null | undefined,
    signal: AbortSignal,
  ): Promise<Static<S>> {
    // fetch decodes a gzipped answer by itself (off this thread); `identity` asks for none.
    const headers: Record<string, string> = { 'accept-encoding': this.acceptEncoding };
    if (body !== undefined) headers['content-type'] = 'application/json';
    if (token) headers.authorization = `Bearer ${token}`;
    let response: Response;
    try {
      response = await fetch(new URL(path, this.options.baseUrl), {
        method,
        headers,
        body: body === undefined ? undefined : JSON.stringify(body),
        signal,
      });
    } catch (error) {
      throw this.unreachable(causeOf(error));
    }
    this.sampleServerTime(response);
    let payload: unknown;
    try {
      payload = await readJson(response);
    } catch (error) {
      // The connection dropped (or the deadline passed) halfway through the answer.
      throw this.unreachable(causeOf(error));
    }
    if (!response.ok) throw errorFromAnswer(response.status, payload);
    const checker = checkerOf(schema);
    if (!checker.Check(payload)) {
      const first = checker.Errors(payload).First();
      throw new MostradorError(
        'INTERNAL',
        `Unexpected answer from ${path}: ${first?.path ?? ''} ${first?.message ?? ''}`,
      );
    }
    return payload;
  }

  private sampleServerTime(response: Response): void {
    const date = response.headers.get('date');
    const serverMs = date ? Date.parse(date) : Number.NaN;
    if (Number.isNaN(serverMs) || !this.options.onServerTime) return;
    this.options.onServerTime({ serverMs, receivedAt: (this.options.wallClock ?? Date.now)() });
  }
}

function causeOf(error: unknown): string {
  const cause = (error as { cause?: { code?: string; message?: string } }).cause;
  return cause?.code ?? cause?.message ?? (error instanceof Error ? error.message : String(error));
}

async function readJson(response: Response): Promise<unknown> {
  const text = await response.text();
  if (text === '') return null;
  try {
    return JSON.parse(text);
  } catch {
    return { error: { code: 'INTERNAL', message: `Non-JSON answer (HTTP ${response.status}).` } };
  }
}

function errorFromAnswer(status: number, payload: unknown): MostradorError {
  const error = (payload as { error?: { code?: unknown; message?: unknown } } | null)?.error;
  const code: ErrorCode = isErrorCode(error?.code) ? error.code : status === 401 ? 'UNAUTHORIZED' : 'INTERNAL';
  const message = typeof error?.message === 'string' ? error.message : `HTTP ${status}`;
  return new MostradorError(code, message);
}
