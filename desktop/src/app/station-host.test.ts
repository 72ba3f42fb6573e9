import type { StationsResponse } from '@mostrador/common';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loginAdmin, startTestServer, type TestServer } from '../../../test/support/server.js';
import { tempDataDir } from '../../../test/support/station.js';
import { StationHost } from './station-host.js';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(async () => server?.close());

describe('enrolling from the first-run screen', () => {
  it("sets the station's ceiling the person chose, and the server lists it", async () => {
    const host = new StationHost({ dataDir: tempDataDir('host') });
    try {
      await host.start();
      await host.enroll({
        serverUrl: server.url,
        stationName: 'Caja 2',
        username: 'admin',
        password: server.adminPassword,
        ceiling: 'cashier',
      });
      const response = await fetch(`${server.url}/admin/stations`, {
        headers: { authorization: `Bearer ${await loginAdmin(server.url, server.adminPassword)}` },
      });
      const { stations } = (await response.json()) as StationsResponse;
      expect(stations.find((s) => s.name === 'Caja 2')).toMatchObject({ ceiling: 'cashier' });
    } finally {
      host.close();
    }
  });
});
