import { cpSync, readdirSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { type AnyRow, groupSigningBytes, newId, verifyGroup } from '@mostrador/common';
import { afterEach, describe, expect, it } from 'vitest';
import { offlineStation } from '../../../../test/support/station.js';
import { Station } from '../station.js';
import { LocalWriter } from './writer.js';

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
  it('stamps a row and queues each transaction as one group signed by its user', async () => {
    const s = await station();
    const created = s.put('products', product);
    expect(created).toMatchObject({ ...product, updatedBy: s.user?.id, deletedAt: null, barcode: null });
    const edited = s.put('products', { id: created.id, price: 175 });
    expect(edited.version > created.version).toBe(true);
    expect(edited.createdAt).toBe(created.createdAt);
    const groups = s.store.outbox.nextPage(0, 100);
    expect(groups.map((g) => g.changes.map((c) => [c.row.id, c.row.price, c.baseVersion]))).toEqual([
      [[created.id, 150, null]],
      [[created.id, 175, created.version]],
    ]);
    const user = s.get('users', s.user?.id as string) as AnyRow;
    for (const group of groups) {
      expect(group).toMatchObject({ userId: user.id, state: 'pending', version: group.changes[0]?.row.version });
      expect(verifyGroup(user.publicKey as string, groupSigningBytes(group, s.id), group.signature)).toBe(true);
      expect(verifyGroup(user.publicKey as string, groupSigningBytes(group, newId()), group.signature)).toBe(false);
    }
    expect(s.sync.pending).toBe(2);
  });

  it('makes a sale with its items and movements ONE group, and a refused transaction none', async () => {
    const s = await station();
    const a = s.put('products', product);
    const b = s.put('products', { ...product, sku: 'W-2' });
    s.shop.recordPurchase(a.id, 5);
    const before = s.store.outbox.nextPage(0, 100).length;
    const { sale, items } = s.shop.recordSale({
      items: [
        { productId: a.id, quantity: 1 },
        { productId: b.id, quantity: 2 },
      ],
      paymentMethod: 'cash',
    });
    const groups = s.store.outbox.nextPage(0, 100);
    expect(groups).toHaveLength(before + 1);
    const saleGroup = groups.at(-1);
    expect(saleGroup?.changes.map((c) => c.table).sort()).toEqual(
      ['sale_items', 'sale_items', 'sale_payments', 'sales', 'stock_movements', 'stock_movements'].sort(),
    );
    expect(saleGroup?.version).toBe(sale.version);
    expect(saleGroup?.changes.map((c) => c.row.id)).toEqual(expect.arrayContaining(items.map((i) => i.id)));
    // An item that fails rolls back the sale and writes no group.
    expect(() =>
      s.shop.recordSale({
        items: [
          { productId: a.id, quantity: 1 },
          { productId: newId(), quantity: 1 },
        ],
        paymentMethod: 'cash',
      }),
    ).toThrow(expect.objectContaining({ code: 'NOT_FOUND' }));
    expect(s.store.outbox.nextPage(0, 100)).toHaveLength(before + 1);
    expect(s.dump().tables.sales).toHaveLength(1);
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

  it('refuses a new movement, line or payment naming no product or sale known here, and keeps deleted ones valid', async () => {
    const s = await station();
    const before = s.sync.pending;
    const movement = { productId: newId(), quantity: 5, kind: 'purchase', stationId: s.id };
    expect(() => s.put('stock_movements', movement)).toThrow(
      expect.objectContaining({ code: 'VALIDATION', message: expect.stringContaining('names no products row') }),
    );
    expect(() => s.put('sale_payments', { saleId: newId(), method: 'cash', amount: 100 })).toThrow(
      expect.objectContaining({ code: 'VALIDATION', message: expect.stringContaining('names no sales row') }),
    );
    expect(s.sync.pending).toBe(before);
    // A product deleted since still exists as far as its ledger is concerned.
    const item = s.put('products', product);
    s.delete('products', item.id);
    expect(s.put('stock_movements', { ...movement, productId: item.id }).productId).toBe(item.id);
  });

  it('keeps the clock ahead of every version it issued across a reopen with a clock a day behind', async () => {
    const s = await station();
    const first = s.put('customers', { name: 'Before' });
    const dataDir = dirname(s.store.db.name);
    s.close();
    const reopened = Station.open({ dataDir, wallClock: () => Date.now() - 86_400_000 });
    opened.push(reopened);
    await reopened.login('admin', 'admin-pass');
    const later = reopened.put('customers', { id: first.id, name: 'After' });
    expect(later.version > first.version).toBe(true);
  });

  it('refuses every write from a reopened copy of the folder until a password opens a key', async () => {
    const s = await station([
      { username: 'admin', role: 'admin' },
      { username: 'cash', role: 'cashier' },
    ]);
    const dataDir = dirname(s.store.db.name);
    const copy = join(dirname(dataDir), 'copy');
    s.close();
    cpSync(dataDir, copy, { recursive: true });
    const stolen = Station.open({ dataDir: copy });
    opened.push(stolen);
    const admin = stolen.dump().tables.users.find((u) => u.username === 'admin') as AnyRow;
    // Knowing who the admin is gives nothing: no key, no write, nothing queued.
    expect(() => stolen.actAs(admin.id)).toThrow(expect.objectContaining({ code: 'NOT_LOGGED_IN' }));
    const writer = new LocalWriter(stolen.store);
    expect(() =>
      writer.put(
        'users',
        { username: 'mallory', displayName: 'M', role: 'admin', passwordHash: 'x', active: true },
        {
          id: admin.id,
          role: 'admin',
        },
      ),
    ).toThrow(expect.objectContaining({ code: 'NOT_LOGGED_IN' }));
    await expect(stolen.login('admin', 'guess')).rejects.toMatchObject({ code: 'INVALID_CREDENTIALS' });
    expect(
      stolen
        .dump()
        .tables.users.map((u) => u.username)
        .sort(),
    ).toEqual(['admin', 'cash']);
    expect(stolen.sync.pending).toBe(0);
    // A user from before signed writes (no key) is told what to do.
    stolen.store.db.prepare("UPDATE users SET sealedKey = NULL WHERE username = 'admin'").run();
    expect(() => writer.put('customers', { name: 'X' }, { id: admin.id, role: 'admin' })).toThrow(
      /no signing key yet: an admin must set this user's password/,
    );
    // The cashier's own password opens the cashier's key only.
    await stolen.login('cash', 'cash-pass');
    expect(stolen.put('customers', { name: 'Dora' }).updatedBy).not.toBe(admin.id);
    expect(() => stolen.actAs(admin.id)).toThrow(expect.objectContaining({ code: 'NOT_LOGGED_IN' }));
  });

  it('keeps the station folder and its database files private to their owner', async () => {
    const s = await station();
    s.put('customers', { name: 'Private' });
    const dataDir = dirname(s.store.db.name);
    expect(statSync(dataDir).mode & 0o777).toBe(0o700);
    for (const file of readdirSync(dataDir)) expect(statSync(join(dataDir, file)).mode & 0o777).toBe(0o600);
    expect(readdirSync(dataDir)).toEqual(expect.arrayContaining(['station.db', 'station.db-wal']));
  });
});
