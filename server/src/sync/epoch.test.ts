import { execFileSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { createTestDatabase } from '../../../test/support/pg.js';
import { enrollStation, startTestServer, type TestServer } from '../../../test/support/server.js';
import { EPOCH_SQL } from './epoch.js';

async function pullEpoch(url: string, token: string): Promise<string | undefined> {
  const response = await fetch(`${url}/sync/pull?cursor=0&limit=1&format=columns`, {
    headers: { authorization: `Bearer ${token}` },
  });
  return ((await response.json()) as { epoch?: string }).epoch;
}

function helloEpoch(url: string, token: string): Promise<string | undefined> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(`${url.replace('http', 'ws')}/sync/ws`, {
      headers: { authorization: `Bearer ${token}` },
    });
    socket.once('message', (data) => {
      socket.close();
      resolve((JSON.parse(String(data)) as { epoch?: string }).epoch);
    });
    socket.once('error', reject);
  });
}

/** The server's identity: the same in every answer, new for a database restored from a dump. */
describe('server epoch', () => {
  let server: TestServer;
  let token: string;

  beforeAll(async () => {
    server = await startTestServer();
    token = (await enrollStation(server.url, 'epoch')).stationToken;
  });

  afterAll(async () => {
    await server?.close();
  });

  it('is sent, the same, in pull answers and the live hello', async () => {
    const epoch = await pullEpoch(server.url, token);
    expect(epoch).toMatch(/^[0-9a-f-]{36}\.\d+$/);
    expect(await pullEpoch(server.url, token)).toBe(epoch);
    expect(await helloEpoch(server.url, token)).toBe(epoch);
  });

  it('differs in a database restored from a pg_dump of this one', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'mostrador-epoch-')), 'dump');
    execFileSync('pg_dump', ['-Fc', '-f', file, server.databaseUrl]);
    const restored = await createTestDatabase({ migrate: false });
    try {
      execFileSync('pg_restore', ['--no-owner', '-d', restored.url, file]);
      const epochOf = async (url: string) => {
        const client = new pg.Client({ connectionString: url });
        await client.connect();
        try {
          return (await client.query(`SELECT ${EPOCH_SQL} AS epoch FROM sync_state`)).rows[0].epoch as string;
        } finally {
          await client.end();
        }
      };
      expect(await epochOf(restored.url)).not.toBe(await epochOf(server.databaseUrl));
    } finally {
      await restored.drop();
    }
  });
});
