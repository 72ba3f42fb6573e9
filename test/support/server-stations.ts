/**
 * A test server for the tests of one file or describe block, started before them and closed
 * after them, with the in-process stations they open on it (closed first). Call it where
 * `beforeAll` may be called; `server` is there once the tests run.
 */
import { afterAll, beforeAll } from 'vitest';
import type { Station, StationOptions } from '../../desktop/src/core/index.js';
import { startTestServer, type TestServer } from './server.js';
import { openTestStation } from './station.js';

export interface ServerWithStations {
  readonly server: TestServer;
  /** A station enrolled, bootstrapped and logged in as admin (openTestStation), closed after the tests. */
  openStation(name: string, options?: Partial<StationOptions>): Promise<Station>;
}

export function serverWithStations(): ServerWithStations {
  let server: TestServer | undefined;
  const stations: Station[] = [];
  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(async () => {
    for (const station of stations) station.close();
    await server?.close();
  });
  return {
    get server() {
      if (!server) throw new Error('the test server starts in beforeAll');
      return server;
    },
    async openStation(name, options) {
      const station = await openTestStation(this.server, name, options);
      stations.push(station);
      return station;
    },
  };
}
