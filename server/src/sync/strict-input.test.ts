import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RowMaker } from '../../../test/support/rows.js';
import { adminSigner, enrollStation, login, startTestServer, type TestServer } from '../../../test/support/server.js';
import { pullAll, pushAs, type Signer, type StationAuth } from '../../../test/support/sync-client.js';

/**
 * Rows PostgreSQL would refuse or mangle are refused one by one at the door, with a reason;
 * the rest of the push applies and the answer is never a 5xx because of what a row holds.
 */
describe('strict input on push', () => {
  let server: TestServer;
  let token: string;
  let maker: RowMaker;
  let auth: StationAuth;
  let signer: Signer;
  /** Each change as its own group signed by the admin: a refused one stands alone. */
  const push = (_url: string, _token: string, changes: Parameters<typeof pushAs>[2]) => pushAs(auth, signer, changes);

  beforeAll(async () => {
    server = await startTestServer();
    const enrolled = await enrollStation(server.url, 'strict');
    token = enrolled.stationToken;
    auth = { url: server.url, token, stationId: enrolled.stationId };
    signer = await adminSigner(server);
    const admin = await login(server.url, 'admin', server.adminPassword);
    maker = new RowMaker(admin.user.id);
  });

  afterAll(async () => {
    await server?.close();
  });

  it('refuses a NUL-bearing row alone and applies the rest of the push', async () => {
    const bad = maker.row('customers', { name: 'Ana\u0000Peña' });
    const good = maker.row('customers', { name: 'Beto' });
    const sale = maker.row('sales');
    const answer = await push(server.url, token, [
      { table: 'customers', row: bad },
      { table: 'customers', row: good },
      { table: 'sales', row: sale },
    ]);
    expect(answer.status).toBe(200);
    expect(answer.body.rejected).toEqual([
      { table: 'customers', id: bad.id, code: 'VALIDATION', message: expect.stringMatching(/NUL/) },
    ]);
    expect(answer.body.applied).toEqual(
      expect.arrayContaining([
        { table: 'customers', id: good.id },
        { table: 'sales', id: sale.id },
      ]),
    );
  });

  it('refuses a lone surrogate instead of storing a replacement character', async () => {
    const bad = maker.row('providers', { name: 'Prov \ud800' });
    const answer = await push(server.url, token, [{ table: 'providers', row: bad }]);
    expect(answer.status).toBe(200);
    expect(answer.body.rejected[0]).toMatchObject({ id: bad.id, code: 'VALIDATION' });
  });

  it('refuses a version with an impossible date, so no station is ever handed one', async () => {
    const row = maker.row('customers', { version: `2026-13-01T00:00:00.000Z-0000-${'a'.repeat(16)}` });
    const answer = await push(server.url, token, [{ table: 'customers', row }]);
    expect(answer.status).toBe(200);
    expect(answer.body.rejected).toEqual([
      { table: 'customers', id: row.id, code: 'VALIDATION', message: expect.stringMatching(/version/) },
    ]);
    const state = await pullAll(server.url, token);
    expect(state.tables.get('customers')?.has(row.id) ?? false).toBe(false);
    const db = new pg.Client({ connectionString: server.databaseUrl });
    await db.connect();
    try {
      const { rows } = await db.query('SELECT count(*)::int AS n FROM customers WHERE id = $1', [row.id]);
      expect(rows[0].n).toBe(0);
    } finally {
      await db.end();
    }
  });

  it('never answers 5xx because of what a push carries', async () => {
    const row = maker.row('customers');
    const bodies = [
      { batchId: 'nul\u0000batch', changes: [{ table: 'customers', row }] },
      { batchId: 'b', changes: [{ table: 'cust\u0000omers', row: maker.row('customers') }] },
      { batchId: 'b', changes: [{ table: 'customers', row: { ...maker.row('customers'), extra: 'x\u0000y' } }] },
      { batchId: 'b', changes: [{ table: 'customers', row: maker.row('customers'), baseVersion: '\u0000' }] },
      { batchId: 'b', changes: [{ table: 'products', row: maker.row('products', { price: -2_147_483_649 }) }] },
      { batchId: 'b', changes: [{ table: 'customers', row: maker.row('customers', { id: 'not-a-uuid\u0000' }) }] },
    ];
    for (const body of bodies) {
      const response = await fetch(`${server.url}/sync/push`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
        body: JSON.stringify(body),
      });
      expect(response.status, JSON.stringify(body).slice(0, 120)).toBeLessThan(500);
    }
  });
});
