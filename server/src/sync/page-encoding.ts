import { promisify } from 'node:util';
import { gzip as gzipCallback } from 'node:zlib';
import { negotiate } from '@fastify/accept-negotiator';
import type { FastifyReply, FastifyRequest } from 'fastify';

const gzip = promisify(gzipCallback);

/**
 * Pages smaller than this go as they are: gzip's framing and the CPU on both sides would cost
 * more than the bytes saved (a live notice's page, a station in sync).
 */
export const GZIP_MIN_BYTES = 16 * 1024;

/**
 * The fastest level: a page's JSON shrinks about 4.5× at every level (its ids are random), and
 * level 1 takes a third less CPU than the default (a 5,000-row page: ~1.4 MB → ~320 kB).
 */
const GZIP_LEVEL = 1;

/** A page's compressed form, made at most once however many stations ask for the same page. */
export interface EncodedPage {
  gzip?: Promise<Buffer>;
}

/**
 * A page of rows (pull, snapshot, integrity bucket) as its station asked for it: gzip-encoded
 * when the station accepts gzip and the page is worth it, as is otherwise. A shop's internet
 * is often a few megabits: a million-row bootstrap is ~330 MB of JSON, ~75 MB gzipped. The
 * compression runs on libuv's thread pool, not on the thread that answers the other requests.
 * `shared` keeps the compressed bytes with a page that several stations receive alike.
 */
export function sendPage(
  request: FastifyRequest,
  reply: FastifyReply,
  body: Buffer,
  shared: EncodedPage = {},
): Buffer | Promise<Buffer> {
  reply.type('application/json; charset=utf-8');
  if (body.length < GZIP_MIN_BYTES) return body;
  reply.header('vary', 'accept-encoding');
  const accepted = request.headers['accept-encoding'];
  if (!accepted || negotiate(accepted, ['gzip', 'identity']) !== 'gzip') return body;
  reply.header('content-encoding', 'gzip');
  shared.gzip ??= gzip(body, { level: GZIP_LEVEL });
  return shared.gzip;
}
