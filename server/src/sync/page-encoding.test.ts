import { request } from 'node:http';
import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RowMaker } from '../../../test/support/rows.js';
import { adminSigner, enrollStation, startTestServer, type TestServer } from '../../../test/support/server.js';
import { pushAs } from '../../../test/support/sync-client.js';
import { GZIP_MIN_BYTES } from './page-encoding.js';

/** One GET as it comes off the wire: status, headers and the body's bytes, undecoded. */
function rawGet(url: string, token: string, acceptEncoding?: string) {
  return new Promise<{ status: number; headers: Record<string, unknown>; body: Buffer }>((resolve, reject) => {
    const headers: Record<string, string> = { authorization: `Bearer ${token}` };
    if (acceptEncoding !== undefined) headers['accept-encoding'] = acceptEncoding;
    request(url, { headers }, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () =>
        resolve({ status: response.statusCode ?? 0, headers: response.headers, body: Buffer.concat(chunks) }),
      );
      response.on('error', reject);
    })
      .on('error', reject)
      .end();
  });
}

describe('pages gzipped for a station that accepts it', () => {
  let server: TestServer;
  let token: string;
  let otherToken: string;
  /** The id prefix (an integrity bucket) most of the customers share. */
  let bucket = '';

  beforeAll(async () => {
    server = await startTestServer();
    const enrolled = await enrollStation(server.url, 'Caja 1');
    token = enrolled.stationToken;
    otherToken = (await enrollStation(server.url, 'Caja 2', enrolled.adminToken)).stationToken;
    const admin = await adminSigner(server);
    const maker = new RowMaker(admin.userId);
    const customers = Array.from({ length: 1200 }, (_, i) =>
      maker.row('customers', { name: `Cliente número ${i}`, email: `cliente${i}@example.com`, phone: `555-${i}` }),
    );
    const counts = new Map<string, number>();
    for (const { id } of customers) counts.set(id[0] as string, (counts.get(id[0] as string) ?? 0) + 1);
    bucket = [...counts].sort((a, b) => b[1] - a[1])[0]?.[0] ?? '';
    await pushAs(
      { url: server.url, token, stationId: enrolled.stationId },
      admin,
      customers.map((row) => ({ table: 'customers', row })),
    );
  });
  afterAll(() => server?.close());

  for (const [route, pathOf] of [
    ['a pull', () => '/sync/pull?cursor=0&limit=1000&format=columns'],
    ['a snapshot page', () => '/sync/snapshot?table=customers&limit=1000'],
    ['an integrity bucket', () => `/sync/rows?table=customers&bucket=${bucket}`],
  ] as const) {
    it(`sends ${route} gzipped, the same JSON in a fraction of the bytes`, async () => {
      const path = pathOf();
      const plain = await rawGet(`${server.url}${path}`, token, 'identity');
      const zipped = await rawGet(`${server.url}${path}`, token, 'gzip, deflate');
      expect(plain.status).toBe(200);
      expect(zipped.status).toBe(200);
      expect(plain.headers['content-encoding']).toBeUndefined();
      expect(zipped.headers).toMatchObject({ 'content-encoding': 'gzip', vary: 'accept-encoding' });
      expect(JSON.parse(gunzipSync(zipped.body).toString('utf8'))).toEqual(JSON.parse(plain.body.toString('utf8')));
      expect(plain.body.length).toBeGreaterThan(GZIP_MIN_BYTES);
      expect(zipped.body.length).toBeLessThan(plain.body.length / 3);
    });
  }

  it('sends it as it is to a station that does not say it accepts gzip, or refuses it', async () => {
    for (const accept of [undefined, 'identity', 'br', 'gzip;q=0, identity']) {
      const answer = await rawGet(`${server.url}/sync/pull?cursor=0&limit=1000&format=columns`, token, accept);
      expect(answer.headers['content-encoding']).toBeUndefined();
      expect(JSON.parse(answer.body.toString('utf8'))).toMatchObject({ count: expect.any(Number) });
    }
  });

  it('sends a small page as it is: compressing it would cost more than it saves', async () => {
    const answer = await rawGet(`${server.url}/sync/pull?cursor=0&limit=1&format=columns`, token, 'gzip');
    expect(answer.body.length).toBeLessThan(GZIP_MIN_BYTES);
    expect(answer.headers['content-encoding']).toBeUndefined();
    expect(JSON.parse(answer.body.toString('utf8'))).toMatchObject({ count: 1 });
  });

  it('gives stations asking the same page at once the same gzipped bytes', async () => {
    const path = '/sync/pull?cursor=1&limit=1000&format=columns';
    const [first, second] = await Promise.all([
      rawGet(`${server.url}${path}`, token, 'gzip'),
      rawGet(`${server.url}${path}`, otherToken, 'gzip'),
    ]);
    expect(first.headers['content-encoding']).toBe('gzip');
    expect(second.headers['content-encoding']).toBe('gzip');
    expect(gunzipSync(second.body).equals(gunzipSync(first.body))).toBe(true);
  });
});
