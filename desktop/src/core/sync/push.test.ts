import type { AnyRow, GroupOutcome, PushResponse } from '@mostrador/common';
import { afterEach, describe, expect, it } from 'vitest';
import { offlineStation } from '../../../../test/support/station.js';
import type { Station } from '../station.js';
import type { OutboxGroup } from '../store/outbox.js';
import { applyPulledPage } from './pull.js';
import { applyPushAnswer } from './push.js';

// The server's answers are built here so each outcome meets a real station database in the
// exact state that makes it interesting (an edit landing while the push was in flight).

const opened: Station[] = [];
afterEach(() => {
  for (const s of opened.splice(0)) s.close();
});
async function station(): Promise<Station> {
  const s = await offlineStation();
  opened.push(s);
  return s;
}

const sendable = (s: Station) => s.store.outbox.nextPage(0, 1_000);

function answer(groups: GroupOutcome[], superseded: PushResponse['superseded'] = []): PushResponse {
  return { cursor: 7, applied: [], superseded, rejected: [], groups };
}

/** A row as the server would send it in a pull page (columnar). */
function pulledPage(table: string, row: AnyRow, cursor: number) {
  const columns = Object.keys(row);
  return {
    tables: { [table]: { columns, rows: [columns.map((c) => row[c])] } },
    count: 1,
    cursor,
    head: cursor,
    hasMore: false,
  };
}

describe('settling write groups from a push answer', () => {
  it('clears an applied group, keeping an edit made during the push queued on the pushed version', async () => {
    const s = await station();
    const busy = s.put('customers', { name: 'Busy' });
    const sent = sendable(s);
    s.put('customers', { id: busy.id, name: 'Busy, edited while pushing' });
    const settled = applyPushAnswer(s.store, sent, answer(sent.map((g) => ({ id: g.id, status: 'applied' }))));
    expect(settled).toEqual({ acknowledged: 1, rejected: 0, changed: new Set() });
    const left = sendable(s);
    expect(left).toHaveLength(1);
    expect(left[0]?.changes[0]).toMatchObject({
      baseVersion: busy.version,
      row: { name: 'Busy, edited while pushing' },
    });
  });

  it('adopts the winner of a superseded row and advances the clock past it', async () => {
    const s = await station();
    const mine = s.put('customers', { name: 'Mine' });
    const winner = { ...mine, name: 'Theirs', version: '2099-01-01T00:00:00.000Z-0000-00000000000000ff' };
    const sent = sendable(s);
    applyPushAnswer(
      s.store,
      sent,
      answer([{ id: sent[0]?.id as string, status: 'applied' }], [{ table: 'customers', id: mine.id, row: winner }]),
    );
    expect(s.get('customers', mine.id)).toEqual(winner);
    expect(sendable(s)).toEqual([]);
    expect(s.put('customers', { name: 'Next' }).version > winner.version).toBe(true);
  });

  it('keeps a held group whole and flagged, sends it again for news, and keeps working meanwhile', async () => {
    const s = await station();
    const product = s.put('products', { sku: 'H', name: 'Held', price: 100, active: true });
    s.shop.recordPurchase(product.id, 10);
    const { sale } = s.shop.recordSale({ items: [{ productId: product.id, quantity: 2 }], paymentMethod: 'cash' });
    const sent = sendable(s);
    const saleGroup = sent.at(-1) as OutboxGroup;
    const outcomes: GroupOutcome[] = sent.map((g) =>
      g === saleGroup
        ? { id: g.id, status: 'held', code: 'FORBIDDEN', message: 'The user was inactive when this was written.' }
        : { id: g.id, status: 'applied' },
    );
    expect(applyPushAnswer(s.store, sent, answer(outcomes))).toEqual({
      acknowledged: 2,
      rejected: 4,
      changed: new Set(),
    });
    expect(s.get('sales', sale.id)).toEqual(sale);
    expect(s.shop.stockOf(product.id)).toBe(8);
    expect(s.flagged()).toHaveLength(4);
    expect(s.flagged()[0]).toMatchObject({ groupId: saleGroup.id, state: 'held', code: 'FORBIDDEN' });
    expect(s.sync.pending).toBe(0);
    expect(s.sync.status().flagged).toBe(4);
    // Held groups go out again (the server says what became of them), after the new ones' turn in order.
    s.shop.recordSale({ items: [{ productId: product.id, quantity: 1 }], paymentMethod: 'card' });
    expect(sendable(s).map((g) => g.state)).toEqual(['held', 'pending']);
    expect(s.shop.stockOf(product.id)).toBe(7);
  });

  it('undoes a group an admin rejected, whole, back to the rows the server holds', async () => {
    const s = await station();
    const product = s.put('products', { sku: 'R', name: 'Rejected', price: 100, active: true });
    s.shop.recordPurchase(product.id, 10);
    const first = sendable(s);
    applyPushAnswer(s.store, first, answer(first.map((g) => ({ id: g.id, status: 'applied' }))));
    const serverProduct = s.get('products', product.id) as AnyRow;
    // An edit and a sale (sale, item, movement, payment), both refused for good after review.
    s.put('products', { id: product.id, price: 1 });
    s.shop.recordSale({ items: [{ productId: product.id, quantity: 3 }], paymentMethod: 'cash' });
    expect(s.shop.stockOf(product.id)).toBe(7);
    const sent = sendable(s);
    const outcomes: GroupOutcome[] = sent.map((g) => ({
      id: g.id,
      status: 'rejected',
      code: 'FORBIDDEN',
      message: 'Rejected by an admin: not a real sale.',
      rows: g.changes.map((c) => ({
        table: c.table,
        id: c.row.id,
        row: c.table === 'products' ? serverProduct : null,
      })),
    }));
    // Every table the undo touched is named, so the open screens re-read them.
    expect(applyPushAnswer(s.store, sent, answer(outcomes))).toEqual({
      acknowledged: 0,
      rejected: 5,
      changed: new Set(['products', 'sales', 'sale_items', 'stock_movements', 'sale_payments']),
    });
    expect(s.get('products', product.id)).toEqual(serverProduct);
    expect(s.dump().tables.sales).toEqual([]);
    expect(s.dump().tables.sale_items).toEqual([]);
    expect(s.shop.stockOf(product.id)).toBe(10);
    // Told, not lost: the rejection stays listed, and is never sent again.
    expect(s.flagged().map((f) => f.state)).toEqual(Array(5).fill('rejected'));
    expect(sendable(s)).toEqual([]);
    // A person who has seen it may dismiss a rejected group; a pending one cannot be dismissed.
    const pending = s.put('customers', { name: 'Pending' });
    const pendingGroup = sendable(s)[0]?.id as string;
    expect(s.dismissRejected(pendingGroup)).toBe(false);
    for (const group of sent) expect(s.dismissRejected(group.id)).toBe(true);
    expect(s.flagged()).toEqual([]);
    expect(sendable(s).map((g) => g.changes[0]?.row.id)).toEqual([pending.id]);
  });

  it('keeps a group refused as unverified (no rows) flagged, and sends it no more', async () => {
    const s = await station();
    const row = s.put('customers', { name: 'Unverified' });
    const sent = sendable(s);
    applyPushAnswer(
      s.store,
      sent,
      answer([{ id: sent[0]?.id as string, status: 'rejected', code: 'FORBIDDEN', message: 'Bad signature.' }]),
    );
    expect(s.get('customers', row.id)?.name).toBe('Unverified');
    expect(s.flagged()).toEqual([
      expect.objectContaining({ id: row.id, state: 'rejected', code: 'FORBIDDEN', message: 'Bad signature.' }),
    ]);
    expect(sendable(s)).toEqual([]);
  });

  it('ignores answers about groups it did not send', async () => {
    const s = await station();
    s.put('customers', { name: 'Kept' });
    const stranger = { id: '01900000-0000-7000-8000-000000000000', status: 'applied' as const };
    applyPushAnswer(s.store, [], answer([stranger, { id: sendable(s)[0]?.id as string, status: 'applied' }]));
    expect(sendable(s)).toHaveLength(1);
  });

  it('pages whole groups: never splits one, even one larger than a page', async () => {
    const s = await station();
    const product = s.put('products', { sku: 'P', name: 'Paged', price: 10, active: true });
    s.shop.recordPurchase(product.id, 100);
    const items = [1, 2, 3].map(() => ({ productId: product.id, quantity: 1 }));
    s.shop.recordSale({ items, paymentMethod: 'cash' });
    const sizes = (after: number, max: number) => s.store.outbox.nextPage(after, max).map((g) => g.changes.length);
    expect(sizes(0, 2)).toEqual([1, 1]);
    expect(sizes(0, 3)).toEqual([1, 1]);
    const second = s.store.outbox.nextPage(0, 2)[1]?.seq as number;
    expect(sizes(second, 2)).toEqual([8]);
  });
});

describe('pulling over refused local rows', () => {
  it('lets a newer server version replace a held local edit and keeps the local one as a conflict', async () => {
    const s = await station();
    const product = s.put('products', { sku: 'C', name: 'Cola', price: 100, active: true });
    const first = sendable(s);
    applyPushAnswer(s.store, first, answer(first.map((g) => ({ id: g.id, status: 'applied' }))));
    const local = s.put('products', { id: product.id, price: 50 });
    const sent = sendable(s);
    applyPushAnswer(
      s.store,
      sent,
      answer([{ id: sent[0]?.id as string, status: 'held', code: 'FORBIDDEN', message: 'Review.' }]),
    );
    const admins = { ...product, price: 120, version: '2099-01-01T00:00:00.000Z-0000-00000000000000aa' };
    applyPulledPage(s.store, pulledPage('products', admins, 1));
    expect(s.get('products', product.id)?.price).toBe(120);
    expect(s.conflicts()).toEqual([
      expect.objectContaining({ table: 'products', id: product.id, localRow: local, remoteVersion: admins.version }),
    ]);
    expect(s.conflicts()[0]?.groupId).toBe(sent[0]?.id);
  });

  it('never lets a pull replace a row of a pending group', async () => {
    const s = await station();
    const product = s.put('products', { sku: 'P', name: 'Pending', price: 100, active: true });
    const newer = { ...product, price: 120, version: '2099-01-01T00:00:00.000Z-0000-00000000000000aa' };
    applyPulledPage(s.store, pulledPage('products', newer, 1));
    expect(s.get('products', product.id)?.price).toBe(100);
    expect(s.conflicts()).toEqual([]);
  });
});
