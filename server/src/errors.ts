import { ERRORS, type ErrorBody, type ErrorCode, MostradorError } from '@mostrador/common';
import type { FastifyError, FastifyInstance } from 'fastify';
import { isDatabaseUnavailable } from './db/unavailable.js';

/**
 * One place turns every failure into the wire's `{error:{code,message}}`: catalogue
 * errors, Fastify's own (validation, bad JSON, body size, rate limit), an unreachable
 * database, and anything unexpected (logged, answered without internals).
 */
const FASTIFY_CODES: Record<string, ErrorCode> = {
  FST_ERR_CTP_INVALID_JSON_BODY: 'MALFORMED_JSON',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'MALFORMED_JSON',
  FST_ERR_CTP_BODY_TOO_LARGE: 'PAYLOAD_TOO_LARGE',
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'VALIDATION',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'VALIDATION',
};

function body(code: ErrorCode, message: string = ERRORS[code].message): ErrorBody {
  return { error: { code, message } };
}

export function toErrorResponse(error: unknown): { status: number; body: ErrorBody } {
  if (error instanceof MostradorError) return { status: error.status, body: error.toBody() };
  const fastifyError = error as Partial<FastifyError>;
  if (fastifyError.validation || fastifyError.code === 'FST_ERR_VALIDATION')
    return { status: 400, body: body('VALIDATION', fastifyError.message) };
  const mapped = fastifyError.code ? FASTIFY_CODES[fastifyError.code] : undefined;
  if (mapped) return { status: ERRORS[mapped].status, body: body(mapped) };
  if (error instanceof SyntaxError && fastifyError.statusCode === 400)
    return { status: 400, body: body('MALFORMED_JSON') };
  if (fastifyError.statusCode === 429) return { status: 429, body: body('RATE_LIMITED') };
  // The database's guard on the last active admin (migration 20261201040000).
  if (fastifyError.code === LAST_ADMIN_SQLSTATE)
    return { status: 409, body: body('CONFLICT', lastAdminMessage(error)) };
  // A value PostgreSQL cannot hold (a number past bigint, text where a number goes): the input's fault.
  if (fastifyError.code === '22003' || fastifyError.code === '22P02')
    return { status: 400, body: body('VALIDATION', 'A value is out of range or of the wrong kind.') };
  if (isDatabaseUnavailable(error)) return { status: 503, body: body('DB_UNAVAILABLE') };
  const status = fastifyError.statusCode;
  if (typeof status === 'number' && status >= 400 && status < 500) {
    return { status, body: body(status === 404 ? 'NOT_FOUND' : 'VALIDATION', fastifyError.message) };
  }
  return { status: 500, body: body('INTERNAL') };
}

export const LAST_ADMIN_SQLSTATE = 'ML001';

/** CONFLICT whose message starts with `LAST_ADMIN:` (a stable prefix, without a new wire code). */
function lastAdminMessage(error: unknown): string {
  const message = (error as Error).message ?? '';
  return message.startsWith('LAST_ADMIN: ') ? message : 'LAST_ADMIN: this is the last active admin.';
}

export function registerErrorHandling(app: FastifyInstance): void {
  app.setErrorHandler((error, request, reply) => {
    const { status, body: response } = toErrorResponse(error);
    if (status >= 500) request.log.error({ err: error, code: response.error.code }, 'request failed');
    // Every 429 says when to come back (rate limits set their own; busy queues default to 1 s).
    if (status === 429 && !reply.hasHeader('retry-after')) reply.header('retry-after', '1');
    // Refused before its body was read (a bad token, a full queue): close the connection
    // rather than read and discard up to 32 MB to keep it alive.
    if (!request.raw.complete && !request.raw.readableEnded) reply.header('connection', 'close');
    return reply.status(status).send(response);
  });
  app.setNotFoundHandler((request, reply) =>
    reply.status(404).send(body('NOT_FOUND', `No route ${request.method} ${request.url.split('?')[0]}.`)),
  );
}
