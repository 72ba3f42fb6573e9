/** Frames from the server on /sync/ws, checked against the wire schemas before use. */
import { ServerMessage } from '@mostrador/common';
import { TypeCompiler } from '@sinclair/typebox/compiler';

const serverMessage = TypeCompiler.Compile(ServerMessage);

/** The message, or null for anything else (unknown types are extensions this station ignores). */
export function parseServerMessage(data: unknown): ServerMessage | null {
  let message: unknown;
  try {
    message = JSON.parse(String(data));
  } catch {
    return null;
  }
  return serverMessage.Check(message) ? message : null;
}

export function liveUrl(serverUrl: string): URL {
  const url = new URL('/sync/ws', serverUrl);
  url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
  return url;
}
