import { execFileSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { newId, PROTOCOL_VERSION, type WriteGroup } from '@mostrador/common';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { createTestDatabase } from '../../../test/support/pg.js';
import { RowMaker, signedGroup } from '../../../test/support/rows.js';
import { adminSigner, enrollStation, startTestServer, type TestServer } from '../../../test/support/server.js';
import { pullAll, pushBody } from '../../../test/support/sync-client.js';
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

  it('refuses a push from another history whole, and only that push of those sharing its commit', async () => {
    const admin = await adminSigner(server);
    const maker = new RowMaker(admin.userId);
    const enrolled = await enrollStation(server.url, 'epoch-push');
    const station = { url: server.url, token: enrolled.stationToken, stationId: enrolled.stationId };
    const epoch = await pullEpoch(server.url, token);
    const other = await enrollStation(server.url, 'epoch-push-2');
    const product = (stationId = station.stationId) =>
      signedGroup(admin.key, admin.userId, stationId, [{ table: 'products', row: maker.row('products') }]);
    const push = (groups: unknown[], pushedEpoch?: string, by = station.token) =>
      pushBody(server.url, by, { batchId: newId(), groups, protocol: PROTOCOL_VERSION, epoch: pushedEpoch });
    const stored = async (group: WriteGroup) => {
      const { body } = await pushBody(server.url, station.token, { batchId: newId(), groups: [group] });
      return body.groups?.[0]?.status === 'applied' && body.applied.length === 1;
    };

    const stale = product();
    const refused = await push([stale], `${epoch}0`);
    expect(refused.status).toBe(409);
    expect(refused.body.error).toMatchObject({
      code: 'HISTORY_CHANGED',
      message: expect.stringMatching(/restored or replaced/),
    });
    // Shared with pushes of the right history (or none, from an older station), it fails alone.
    const groups = [product(), stale, product(other.stationId)];
    const answers = await Promise.all([
      push([groups[0]], epoch),
      push([groups[1]], 'another.1'),
      push([groups[2]], undefined, other.stationToken),
    ]);
    expect(answers.map((a) => a.status)).toEqual([200, 409, 200]);
    const pulled = await pullAll(server.url, station.token);
    const products = pulled.tables.get('products');
    expect(products?.has(String(groups[0]?.changes[0]?.row.id))).toBe(true);
    expect(products?.has(String(stale.changes[0]?.row.id))).toBe(false);
    expect(products?.has(String(groups[2]?.changes[0]?.row.id))).toBe(true);
    // Sent again with the server's epoch, it applies.
    expect((await push([stale], epoch)).status).toBe(200);
    expect(await stored(stale)).toBe(true);
  });
});
