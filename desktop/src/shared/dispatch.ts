/**
 * Runs one channel call for either transport (Electron IPC or the browser bridge): the
 * channel must exist, the caller must be logged in unless the channel is public, and the
 * request must match its schema, all before any handler sees it. Failures come back as
 * catalogue codes with their HTTP status, so both transports report them the same way.
 */

import { ERRORS, isErrorCode, MostradorError, type SessionUser } from '@mostrador/common';
import { TypeCompiler } from '@sinclair/typebox/compiler';
import {
  CHANNEL_NAMES,
  CHANNELS,
  type ChannelFailure,
  type ChannelName,
  type ChannelRequest,
  type ChannelResponse,
  isChannelName,
} from './channels.js';

/** Who is calling: one window in Electron, one browser session behind the bridge. */
export interface Session {
  user: SessionUser | null;
}

export type ChannelHandlers = {
  [C in ChannelName]: (request: ChannelRequest<C>, session: Session) => Promise<ChannelResponse<C>>;
};

export type DispatchResult = { ok: true; value: unknown } | { ok: false; status: number; error: ChannelFailure };

const checkers = new Map(CHANNEL_NAMES.map((name) => [name, TypeCompiler.Compile(CHANNELS[name].request)]));

function failure(code: keyof typeof ERRORS, message: string = ERRORS[code].message): DispatchResult {
  return { ok: false, status: ERRORS[code].status, error: { code, message } };
}

function requestProblem(channel: ChannelName, request: unknown): string | null {
  const checker = checkers.get(channel);
  if (!checker || checker.Check(request)) return null;
  const first = checker.Errors(request).First();
  return first ? `${first.path || '/'}: ${first.message}` : 'invalid request';
}

export function toFailure(error: unknown): DispatchResult {
  if (error instanceof MostradorError) return failure(error.code, error.message);
  if (error instanceof Error && 'code' in error && isErrorCode(error.code)) return failure(error.code, error.message);
  return failure('INTERNAL', error instanceof Error ? error.message : String(error));
}

export async function dispatch(
  handlers: ChannelHandlers,
  channel: unknown,
  request: unknown,
  session: Session,
): Promise<DispatchResult> {
  if (!isChannelName(channel)) return failure('NOT_FOUND', `No channel named ${String(channel)}.`);
  if (!CHANNELS[channel].public && !session.user) return failure('NOT_LOGGED_IN');
  const problem = requestProblem(channel, request ?? {});
  if (problem) return failure('VALIDATION', `${channel}: ${problem}`);
  try {
    const handler = handlers[channel] as (request: unknown, session: Session) => Promise<unknown>;
    return { ok: true, value: await handler(request ?? {}, session) };
  } catch (error) {
    return toFailure(error);
  }
}
