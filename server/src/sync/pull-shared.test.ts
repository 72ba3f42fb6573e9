import type { ColumnarPullResponse } from '@mostrador/common';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { commitCustomers } from '../../../test/support/live.js';
import { RowMaker } from '../../../test/support/rows.js';
import { adminSigner, enrollStation, startTestServer, type TestServer } from '../../../test/support/server.js';
import {
  pageChanges,
  pullAll,
  pullPage,
  pushAs,
  type Signer,
  type StationAuth,
} from '../../../test/support/sync-client.js';

/** The admin's password hash as a page delivers it to that station. */
function adminHash(page: ColumnarPullResponse): unknown {
  const users = page.tables.users;
  if (!users) return undefined;
  const row = users.rows.find((r) => r[users.columns.indexOf('username')] === 'admin');
  return row?.[users.columns.indexOf('passwordHash')];
}

async function until(done: () => boolean, ms = 5_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!done()) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

describe('pulls sharing one read', () => {
  let server: TestServer;
  let office: StationAuth;
  let counter: StationAuth;
  let admin: Signer;

  beforeAll(async () => {
    // Reads stay reusable for a minute: whatever must not be reused here never is because
    // of time, only because a new head came in between.
    server = await startTestServer({ pullReuseMs: 60_000 });
    admin = await adminSigner(server);
    const a = await enrollStation(server.url, 'Oficina');
    const c = await enrollStation(server.url, 'Mostrador', a.adminToken, 'cashier');
    office = { url: server.url, token: a.stationToken, stationId: a.stationId };
    counter = { url: server.url, token: c.stationToken, stationId: c.stationId };
  });
  afterAll(() => server?.close());

  it("answers many concurrent identical pulls from few reads, each with its own station's verifiers", async () => {
    const before = server.app.sharedPulls.reads;
    const pulls = Array.from({ length: 40 }, (_, i) =>
      pullPage(server.url, (i % 2 ? counter : office).token, 0, 1000, 'columns'),
    );
    const pages = (await Promise.all(pulls)) as ColumnarPullResponse[];
    const officeHashes = new Set(pages.filter((_, i) => i % 2 === 0).map(adminHash));
    const counterHashes = new Set(pages.filter((_, i) => i % 2 === 1).map(adminHash));
    expect([...officeHashes]).toHaveLength(1);
    expect([...officeHashes][0]).toMatch(/^scrypt\$/);
    expect([...counterHashes]).toEqual(['']);
    // One read per ceiling, give or take a new head (an enrolment's answer) in between.
    expect(server.app.sharedPulls.reads - before).toBeLessThanOrEqual(4);
  });

  it('includes a push in a pull asked once the push is answered, though the same pull was just read', async () => {
    const { cursor } = await pullAll(server.url, office.token);
    const empty = await pullPage(server.url, office.token, cursor, 100, 'columns');
    expect(pageChanges(empty)).toEqual([]);
    const row = new RowMaker(admin.userId).row('customers', { name: 'Recién llegada' });
    await pushAs(office, admin, [{ table: 'customers', row }]);
    const after = await pullPage(server.url, office.token, cursor, 100, 'columns');
    expect(pageChanges(after).map((c) => c.row.id)).toEqual([row.id]);
  });

  it('includes a commit made elsewhere in a pull asked once its notice came', async () => {
    const { cursor } = await pullAll(server.url, office.token);
    expect(pageChanges(await pullPage(server.url, office.token, cursor, 100, 'columns'))).toEqual([]);
    // Another API instance's commit: this one learns of it only by its NOTIFY.
    const { head, ids } = await commitCustomers(server.databaseUrl, 2);
    await until(() => server.app.live.hub.announced >= head);
    const after = await pullPage(server.url, office.token, cursor, 100, 'columns');
    expect(
      pageChanges(after)
        .map((c) => c.row.id)
        .sort(),
    ).toEqual([...ids].sort());
    expect(after.cursor).toBe(head);
  });

  it('answers an unnotified commit made elsewhere only once the shared read is over (reuse bounded by pullReuseMs)', async () => {
    const { cursor } = await pullAll(server.url, office.token);
    expect(pageChanges(await pullPage(server.url, office.token, cursor, 100, 'columns'))).toEqual([]);
    await commitCustomers(server.databaseUrl, 1, { notify: false });
    // Still the read from before: older than the commit, never out of order.
    const reused = await pullPage(server.url, office.token, cursor, 100, 'columns');
    expect(pageChanges(reused)).toEqual([]);
    expect(reused.cursor).toBe(cursor);
  });
});
