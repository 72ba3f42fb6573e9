/**
 * `offlineStation` for the tests of one file, each station closed after the test that
 * opened it. Call it at the top of a test file: `const station = offlineStationsPerTest();`.
 */
import { afterEach } from 'vitest';
import type { Station } from '../../desktop/src/core/index.js';
import { offlineStation } from './station.js';

export function offlineStationsPerTest(): (...args: Parameters<typeof offlineStation>) => Promise<Station> {
  const opened: Station[] = [];
  afterEach(() => {
    for (const station of opened.splice(0)) station.close();
  });
  return async (...args) => {
    const station = await offlineStation(...args);
    opened.push(station);
    return station;
  };
}
