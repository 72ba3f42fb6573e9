import type { KeyObject } from 'node:crypto';
import type { AnyRow, ColumnarPullResponse } from '@mostrador/common';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { commitCustomers, Listener, type LiveApp, startLiveApp } from '../../../test/support/live.js';
import { RowMaker, userWithKey } from '../../../test/support/rows.js';
import { adminSigner, enrollStation, startTestServer, type TestServer } from '../../../test/support/server.js';
import { pushAs, type StationAuth } from '../../../test/support/sync-client.js';

/**
 * Notices sent by the instance that committed a push, straight from the rows it wrote
 * (sync/commit-page.ts): each must be exactly what a pull from its `from` returns to the
 * station it goes to, and must only go where that holds.
 */

type Message = Listener['messages'][number];
const noticeOf = (listener: Listener, cursor: number) =>
  listener.messages.find((m) => m.type === 'changes' && m.cursor === cursor);

/** The columnar pull a station makes from `cursor`. */
async function pullFrom(url: string, token: string, cursor: number): Promise<ColumnarPullResponse> {
  const response = await fetch(`${url}/sync/pull?cursor=${cursor}&limit=501&format=columns`, {
    headers: { authorization: `Bearer ${token}` },
  });
  expect(response.status).toBe(200);
  return (await response.json()) as ColumnarPullResponse;
}

/** The notice's page is what the station would have pulled from the notice's `from`, up to its cursor. */
async function expectPulledPage(url: string, token: string, notice: Message): Promise<void> {
  const pulled = await pullFrom(url, token, notice.from as number);
  expect(pulled.cursor).toBe(notice.cursor);
  expect(notice.page).toEqual({ tables: pulled.tables, count: pulled.count });
}

describe('notices sent from the commit that made them', () => {
  let server: TestServer;
  let other: LiveApp;
  let writer: StationAuth;
  let signer: { userId: string; key: KeyObject };
  let admin: RowMaker;
  const push = async (changes: { table: string; row: AnyRow }[]) => {
    const { status, body } = await pushAs(writer, signer, changes, 'one');
    expect(status).toBe(200);
    expect(body.rejected).toEqual([]);
    return body.cursor;
  };
  /** A station of `ceiling` listening on `url`, once greeted. */
  async function listening(base: string, ceiling?: 'cashier') {
    const station = await enrollStation(server.url, `Caja ${Math.random()}`, undefined, ceiling);
    const listener = await Listener.open(`${base.replace('http', 'ws')}/sync/ws`, station.stationToken);
    await listener.until((l) => l.lastOf('hello'));
    return { token: station.stationToken, listener };
  }

  beforeAll(async () => {
    // No budget to miss on a busy machine: whether a NOTIFY's page goes out must not depend on timing.
    server = await startTestServer({ live: { pageBudgetMs: 60_000 } });
    other = await startLiveApp(server.databaseUrl, { pageBudgetMs: 60_000 });
    const enrolled = await enrollStation(server.url, 'Escritura');
    writer = { url: server.url, token: enrolled.stationToken, stationId: enrolled.stationId };
    signer = await adminSigner(server);
    admin = new RowMaker(signer.userId);
  });
  afterAll(async () => {
    await other?.close();
    await server?.close();
  });

  it('carries the rows of a push, as this instance and every other one announce them', async () => {
    const here = await listening(server.url);
    const there = await listening(other.base);
    const first = await push([{ table: 'products', row: admin.row('products') }]);
    await Promise.all([
      here.listener.until((l) => noticeOf(l, first)),
      there.listener.until((l) => noticeOf(l, first)),
    ]);
    const before = server.app.live.announcer.fromCommits;
    let previous = first;
    for (let n = 0; n < 3; n++) {
      const product = admin.row('products');
      const head = await push([
        { table: 'products', row: product },
        { table: 'stock_movements', row: admin.row('stock_movements', { productId: product.id }) },
      ]);
      const notices = await Promise.all([here, there].map(({ listener }) => listener.until((l) => noticeOf(l, head))));
      for (const notice of notices) expect(notice).toMatchObject({ from: previous, page: { count: 2 } });
      // The same page whichever path it took (the rows written here, or read back after the NOTIFY there).
      expect(notices[0]).toEqual(notices[1]);
      await expectPulledPage(server.url, here.token, notices[0] as Message);
      previous = head;
    }
    // Here each page came from the commit's own rows, whether its answer or its NOTIFY came first.
    expect(server.app.live.announcer.fromCommits).toBe(before + 3);
    here.listener.close();
    there.listener.close();
  });

  it('gives a station left behind by a commit it was not told of the whole page from its cursor', async () => {
    const { token, listener } = await listening(server.url);
    const told = await push([{ table: 'products', row: admin.row('products') }]);
    await listener.until((l) => noticeOf(l, told));
    // Committed elsewhere, its NOTIFY lost: the stations are still at `told`.
    const unseen = await commitCustomers(server.databaseUrl, 2, { notify: false });
    const product = admin.row('products');
    const head = await push([{ table: 'products', row: product }]);
    const notice = (await listener.until((l) => noticeOf(l, head))) as Message;
    // Not just the pushed row from the head before the push: everything after `told`.
    expect(notice).toMatchObject({ from: told, page: { count: 3 } });
    await expectPulledPage(server.url, token, notice);
    expect(JSON.stringify(notice.page)).toContain(unseen.ids[0]);
    listener.close();
  });

  it('never hands a station of a lower ceiling the verifiers of users who do not log in there', async () => {
    const cashier = await listening(server.url, 'cashier');
    const full = await listening(server.url);
    const before = await push([{ table: 'products', row: admin.row('products') }]);
    await cashier.listener.until((l) => noticeOf(l, before));
    const { row: manager } = await userWithKey(admin, { role: 'manager' });
    const head = await push([
      { table: 'users', row: manager },
      { table: 'products', row: admin.row('products') },
    ]);
    for (const station of [cashier, full]) {
      const notice = (await station.listener.until((l) => noticeOf(l, head))) as Message;
      expect(JSON.stringify(notice)).not.toContain(String(manager.passwordHash));
      // Plain (its stations pull what their ceiling lets them see), or exactly their pull.
      if (notice.page !== undefined) await expectPulledPage(server.url, station.token, notice);
    }
    // The next commit's notice carries its page again, from that head.
    const after = await push([{ table: 'products', row: admin.row('products') }]);
    const next = (await cashier.listener.until((l) => noticeOf(l, after))) as Message;
    expect(next).toMatchObject({ from: head, page: { count: 1 } });
    await expectPulledPage(server.url, cashier.token, next);
    cashier.listener.close();
    full.listener.close();
  });
});
