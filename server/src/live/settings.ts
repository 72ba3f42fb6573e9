/**
 * Live channel timing from the environment (all optional, in milliseconds): a deployment
 * may tune them, and tests shorten them to see a crashed instance's stations go offline
 * without waiting the production 15 s.
 *   LIVE_PING_MS       ping interval; a socket missing one pong is dropped (default 15000)
 *   LIVE_HEARTBEAT_MS  how often this instance heartbeats in api_instances (default 5000)
 *   LIVE_FRESH_MS      a heartbeat older than this means the instance is gone (default 15000)
 * and LIVE_PAGE_ROWS, the most rows a `changes` notice carries as its page (default 500;
 * 0 turns pages off: every station pulls on every notice, as with protocol 1).
 */
import type { LiveOptions } from './plugin.js';
import type { PresenceTiming } from './presence.js';

function positive(env: NodeJS.ProcessEnv, name: string): number | undefined {
  const text = env[name];
  if (text === undefined || text === '') return undefined;
  const value = Number(text);
  if (!Number.isInteger(value) || value <= 0) throw new Error(`${name} must be a positive integer (ms), got "${text}"`);
  return value;
}

function count(env: NodeJS.ProcessEnv, name: string): number | undefined {
  const text = env[name];
  if (text === undefined || text === '') return undefined;
  const value = Number(text);
  if (!Number.isInteger(value) || value < 0) throw new Error(`${name} must be a whole number, got "${text}"`);
  return value;
}

export function liveOptionsFromEnv(env: NodeJS.ProcessEnv): Omit<LiveOptions, 'databaseUrl'> {
  const presence: Partial<PresenceTiming> = {};
  const heartbeatMs = positive(env, 'LIVE_HEARTBEAT_MS');
  const freshMs = positive(env, 'LIVE_FRESH_MS');
  if (heartbeatMs !== undefined) presence.heartbeatMs = heartbeatMs;
  if (freshMs !== undefined) presence.freshMs = freshMs;
  const pingIntervalMs = positive(env, 'LIVE_PING_MS');
  const pageRows = count(env, 'LIVE_PAGE_ROWS');
  return {
    presence,
    ...(pingIntervalMs === undefined ? {} : { pingIntervalMs }),
    ...(pageRows === undefined ? {} : { pageRows }),
  };
}
