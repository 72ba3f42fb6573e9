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
}

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
  constructor(private readonly options: ClientOptions) {}

  get baseUrl(): string {
    return this.options.baseUrl;
  }

  async request<S extends TSchema>(
    schema: S,
    method: 'GET' | 'POST',
    path: string,
    body?: unknown,
    token: string | null | undefined = this.options.token,
  ): Promise<Static<S>> {
    const headers: Record<string, string> = {};
    if (body !== undefined) headers['content-type'] = 'application/json';
    if (token) headers.authorization = `Bearer ${token}`;
    let response: Response;
    try {
      response = await fetch(new URL(path, this.options.baseUrl), {
        method,
        headers,
        body: body === undefined ? undefined : JSON.stringify(body),
      });
    } catch (error) {
      throw new MostradorError(
        'SERVER_UNREACHABLE',
        `The server at ${this.options.baseUrl} cannot be reached (${causeOf(error)}).`,
      );
    }
    this.sampleServerTime(response);
    const payload = await readJson(response);
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
