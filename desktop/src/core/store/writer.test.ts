import { dirname } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { offlineStation } from '../../../../test/support/station.js';
import { Station } from '../station.js';

const opened: Station[] = [];
async function station(...args: Parameters<typeof offlineStation>): Promise<Station> {
  const s = await offlineStation(...args);
  opened.push(s);
  return s;
}
afterEach(() => {
  for (const s of opened.splice(0)) s.close();
});

const product = { sku: 'W-1', name: 'Alfajor', price: 150, active: true };

describe('local writes', () => {
  it('stamps a row, queues it once, and keeps the first base version across edits', async () => {
    const s = await station();
    const created = s.put('products', product);
    expect(created).toMatchObject({ ...product, updatedBy: s.user?.id, deletedAt: null, barcode: null });
    const outboxOf = () => s.store.db.prepare('SELECT * FROM outbox').all();
    expect(outboxOf()).toEqual([expect.objectContaining({ rowId: created.id, baseVersion: null })]);
    const edited = s.put('products', { id: created.id, price: 175 });
    expect(edited.version > created.version).toBe(true);
    expect(edited.createdAt).toBe(created.createdAt);
    expect(outboxOf()).toEqual([expect.objectContaining({ rowId: created.id, baseVersion: null })]);
    expect(s.sync.pending).toBe(1);
  });

  it('refuses an invalid row with VALIDATION and writes nothing', async () => {
    const s = await station();
    expect(() => s.put('products', { ...product, price: -5 })).toThrow(expect.objectContaining({ code: 'VALIDATION' }));
    expect(() => s.put('products', { sku: 'NO-NAME', price: 1, active: true })).toThrow(
      expect.objectContaining({ code: 'VALIDATION' }),
    );
    expect(() => s.put('products', { ...product, colour: 'red' })).toThrow(/no field colour/);
    expect(() => s.put('nonsense', {})).toThrow(expect.objectContaining({ code: 'UNKNOWN_TABLE' }));
    expect(s.dump().tables.products).toEqual([]);
    expect(s.sync.pending).toBe(0);
  });

  it('refuses a second live row with the same unique value, but frees it once deleted', async () => {
    const s = await station();
    const first = s.put('products', product);
    expect(() => s.put('products', { ...product, name: 'Copy' })).toThrow(
      expect.objectContaining({ code: 'UNIQUE_VIOLATION' }),
    );
    s.delete('products', first.id);
    expect(s.put('products', { ...product, name: 'Replacement' }).name).toBe('Replacement');
  });

  it('refuses writes without a session and writes beyond the role', async () => {
    const s = await station([
      { username: 'cashier', role: 'cashier' },
      { username: 'boss', role: 'admin' },
    ]);
    expect(() => s.put('products', product)).toThrow(expect.objectContaining({ code: 'FORBIDDEN' }));
    expect(() =>
      s.put('users', { username: 'x', displayName: 'X', role: 'admin', passwordHash: 'h', active: true }),
    ).toThrow(expect.objectContaining({ code: 'FORBIDDEN' }));
    expect(s.put('customers', { name: 'Dora' }).name).toBe('Dora');
    s.logout();
    expect(() => s.put('customers', { name: 'Eva' })).toThrow(expect.objectContaining({ code: 'NOT_LOGGED_IN' }));
    expect(s.dump().tables.customers).toHaveLength(1);
  });

  it('never changes an insert-only row and only voids a written sale', async () => {
    const s = await station();
    const item = s.put('products', product);
    const movement = s.shop.recordPurchase(item.id, 3);
    expect(() => s.put('stock_movements', { id: movement.id, quantity: 30 })).toThrow(
      expect.objectContaining({ code: 'IMMUTABLE' }),
    );
    const { sale } = s.shop.recordSale({ items: [{ productId: item.id, quantity: 1 }], paymentMethod: 'cash' });
    expect(() => s.put('sales', { id: sale.id, total: 1 })).toThrow(expect.objectContaining({ code: 'IMMUTABLE' }));
    expect(() => s.delete('sales', sale.id)).toThrow(expect.objectContaining({ code: 'IMMUTABLE' }));
    expect(s.get('sales', sale.id)).toEqual(sale);
  });

  it('keeps the clock ahead of every version it issued across a reopen with a clock a day behind', async () => {
    const s = await station();
    const first = s.put('customers', { name: 'Before' });
    const dataDir = dirname(s.store.db.name);
    s.close();
    const reopened = Station.open({ dataDir, wallClock: () => Date.now() - 86_400_000 });
    opened.push(reopened);
    reopened.actAs(first.updatedBy);
    const later = reopened.put('customers', { id: first.id, name: 'After' });
    expect(later.version > first.version).toBe(true);
  });
});
