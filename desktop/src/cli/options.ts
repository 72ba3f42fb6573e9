import { MostradorError, type WallClock } from '@mostrador/common';
import type { StationOptions } from '../core/index.js';

/**
 * Station settings a process takes from its environment, for tests and benchmarks:
 * - MOSTRADOR_CLOCK_OFFSET_MS: skew the station's wall clock (a station an hour behind).
 * - MOSTRADOR_PULL_LIMIT, MOSTRADOR_BOOTSTRAP_LIMIT, MOSTRADOR_PUSH_PAGE: page sizes.
 * - MOSTRADOR_REQUEST_TIMEOUT_MS: the deadline of each request to the server.
 */
export function stationOptionsFromEnv(dataDir: string, env: NodeJS.ProcessEnv = process.env): StationOptions {
  const skew = integerFromEnv(env, 'MOSTRADOR_CLOCK_OFFSET_MS');
  const wallClock: WallClock | undefined = skew ? () => Date.now() + skew : undefined;
  return {
    dataDir,
    wallClock,
    sync: {
      pullLimit: integerFromEnv(env, 'MOSTRADOR_PULL_LIMIT'),
      bootstrapLimit: integerFromEnv(env, 'MOSTRADOR_BOOTSTRAP_LIMIT'),
      pushPageSize: integerFromEnv(env, 'MOSTRADOR_PUSH_PAGE'),
      requestTimeoutMs: integerFromEnv(env, 'MOSTRADOR_REQUEST_TIMEOUT_MS'),
    },
  };
}

function integerFromEnv(env: NodeJS.ProcessEnv, name: string): number | undefined {
  const text = env[name];
  if (text === undefined || text === '') return undefined;
  const value = Number(text);
  if (!Number.isInteger(value)) throw new MostradorError('BAD_COMMAND', `${name} must be an integer, got "${text}".`);
  return value;
}
