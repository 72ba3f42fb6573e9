import { type AnyRow, unsealUserKey } from '@mostrador/common';
import { describe, expect, it } from 'vitest';
import { offlineStationsPerTest } from '../../../../test/support/offline-stations.js';

const station = offlineStationsPerTest();

const STAFF = [
  { username: 'admin', role: 'admin' as const },
  { username: 'mgr', role: 'manager' as const },
  { username: 'cash', role: 'cashier' as const },
];

describe('shop operations', () => {
  it('records a sale with its items and stock movements, numbered per station', async () => {
    const s = await station();
    const mate = s.shop.save('products', { sku: 'MATE', name: 'Mate', price: 2500, active: true });
    const yerba = s.shop.save('products', { sku: 'YERBA', name: 'Yerba', price: 4000, active: true });
    s.shop.recordPurchase(mate.id, 10, 'first delivery');
    const first = s.shop.recordSale({
      items: [
        { productId: mate.id, quantity: 2 },
        { productId: yerba.id, quantity: 1, discount: 500 },
      ],
      paymentMethod: 'card',
    });
    const second = s.shop.recordSale({ items: [{ productId: mate.id, quantity: 1 }], paymentMethod: 'cash' });
    expect(first.sale).toMatchObject({ number: 'TEST01-000001', total: 8500, status: 'completed', userId: s.user?.id });
    expect(second.sale.number).toBe('TEST01-000002');
    expect(first.items.map((i) => i.lineTotal)).toEqual([5000, 3500]);
    expect(s.shop.stockOf(mate.id)).toBe(7);
    expect(s.shop.stockOf(yerba.id)).toBe(-1);
    const movements = s.dump().tables.stock_movements.filter((m) => m.refId === first.sale.id);
    expect(movements.map((m) => [m.kind, m.quantity]).sort()).toEqual([
      ['sale', -1],
      ['sale', -2],
    ]);
  });

  it('refuses a sale with a bad line and writes nothing of it', async () => {
    const s = await station();
    const mate = s.shop.save('products', { sku: 'MATE', name: 'Mate', price: 2500, active: true });
    const before = s.sync.pending;
    expect(() =>
      s.shop.recordSale({
        items: [
          { productId: mate.id, quantity: 1 },
          { productId: mate.id, quantity: 0 },
        ],
        paymentMethod: 'cash',
      }),
    ).toThrow(expect.objectContaining({ code: 'VALIDATION' }));
    expect(() => s.shop.recordSale({ items: [], paymentMethod: 'cash' })).toThrow(/at least one item/);
    expect(() =>
      s.shop.recordSale({ items: [{ productId: mate.id, quantity: 1 }], paymentMethod: 'barter' as 'cash' }),
    ).toThrow(expect.objectContaining({ code: 'VALIDATION' }));
    const tables = s.dump().tables;
    expect([tables.sales, tables.sale_items, tables.stock_movements]).toEqual([[], [], []]);
    expect(s.sync.pending).toBe(before);
    // The failed attempts used no sale number.
    expect(s.shop.recordSale({ items: [{ productId: mate.id, quantity: 1 }], paymentMethod: 'cash' }).sale.number).toBe(
      'TEST01-000001',
    );
  });

  it('voids a sale for a manager, returning the goods once, and refuses a cashier', async () => {
    const s = await station(STAFF);
    const mate = s.shop.save('products', { sku: 'MATE', name: 'Mate', price: 2500, active: true });
    s.shop.recordPurchase(mate.id, 5);
    await s.login('cash', 'cash-pass');
    const { sale } = s.shop.recordSale({ items: [{ productId: mate.id, quantity: 2 }], paymentMethod: 'cash' });
    expect(() => s.shop.voidSale(sale.id, 'customer changed mind')).toThrow(
      expect.objectContaining({ code: 'FORBIDDEN' }),
    );
    expect(s.shop.stockOf(mate.id)).toBe(3);
    await s.login('mgr', 'mgr-pass');
    expect(() => s.shop.voidSale(sale.id, '  ')).toThrow(/needs a reason/);
    const voided = s.shop.voidSale(sale.id, 'customer changed mind');
    expect(voided).toMatchObject({ status: 'voided', voidReason: 'customer changed mind', total: sale.total });
    expect(s.shop.stockOf(mate.id)).toBe(5);
    expect(() => s.shop.voidSale(sale.id, 'again')).toThrow(expect.objectContaining({ code: 'IMMUTABLE' }));
    expect(s.shop.stockOf(mate.id)).toBe(5);
  });

  it('adjusts stock with a reason and refuses movements for unknown products', async () => {
    const s = await station();
    const mate = s.shop.save('products', { sku: 'MATE', name: 'Mate', price: 2500, active: true });
    s.shop.adjustStock(mate.id, -2, 'broken');
    expect(s.shop.stockOf(mate.id)).toBe(-2);
    expect(() => s.shop.adjustStock(mate.id, 1, '')).toThrow(/needs a reason/);
    expect(() => s.shop.recordPurchase(mate.id, -1)).toThrow(/positive/);
    expect(() => s.shop.recordPurchase('00000000-0000-7000-8000-000000000000', 1)).toThrow(
      expect.objectContaining({ code: 'NOT_FOUND' }),
    );
  });

  it('finds products by barcode, SKU, name prefix or a word inside the name', async () => {
    const s = await station();
    s.shop.save('products', {
      sku: 'CC-500',
      barcode: '7790895000997',
      name: 'Coca-Cola 500ml',
      price: 900,
      active: true,
    });
    s.shop.save('products', { sku: 'SP-500', name: 'Sprite 500ml', price: 850, active: true });
    const gone = s.shop.save('products', { sku: 'OLD-1', name: 'Cola vieja', price: 1, active: true });
    s.shop.remove('products', gone.id);
    const names = (q: string) => s.shop.searchProducts(q).map((p) => p.name);
    expect(names('7790895000997')).toEqual(['Coca-Cola 500ml']);
    expect(names('sp-500')).toEqual(['Sprite 500ml']);
    expect(names('coca')).toEqual(['Coca-Cola 500ml']);
    expect(names('500ml').sort()).toEqual(['Coca-Cola 500ml', 'Sprite 500ml']);
    expect(names('cola')).toEqual(['Coca-Cola 500ml']);
    expect(names('100%')).toEqual([]);
    expect(names('   ')).toEqual([]);
    expect(s.shop.searchProducts('500ml')[0]?.active).toBe(true);
  });

  it('logs in offline against the local users and refuses a wrong password or an inactive user', async () => {
    const s = await station(STAFF);
    await expect(s.login('admin', 'nope')).rejects.toMatchObject({ code: 'INVALID_CREDENTIALS' });
    await expect(s.login('ghost', 'ghost-pass')).rejects.toMatchObject({ code: 'INVALID_CREDENTIALS' });
    await s.login('admin', 'admin-pass');
    const mgr = s.dump().tables.users.find((u) => u.username === 'mgr');
    const created = await s.shop.saveUser({
      username: 'new',
      displayName: 'New one',
      role: 'cashier',
      active: true,
      password: 'long-enough',
    });
    expect(created.passwordHash).toMatch(/^scrypt\$/);
    await s.shop.saveUser({ id: mgr?.id, active: false });
    await expect(s.login('mgr', 'mgr-pass')).rejects.toMatchObject({ code: 'INVALID_CREDENTIALS' });
    await expect(
      s.shop.saveUser({ username: 'short', displayName: 'S', role: 'cashier', active: true, password: 'x' }),
    ).rejects.toThrow(/8 characters/);
    expect((await s.login('new', 'long-enough')).role).toBe('cashier');
    await expect(s.shop.saveUser({ id: created.id, role: 'admin' })).rejects.toMatchObject({ code: 'FORBIDDEN' });
  });

  it('gives a user a signing key with a password: a new key pair, or the same key resealed for one logged in', async () => {
    const s = await station(STAFF);
    const admin = s.user?.id as string;
    const created = await s.shop.saveUser({
      username: 'clara',
      displayName: 'Clara',
      role: 'cashier',
      active: true,
      password: 'clara-pass-1',
    });
    expect(created).toMatchObject({ publicKey: expect.any(String), sealedKey: expect.stringMatching(/^sk1\$/) });
    await s.login('clara', 'clara-pass-1');
    expect(s.put('customers', { name: 'By Clara' }).updatedBy).toBe(created.id);
    // The admin changes their own password: same public key, sealed anew; only the new password opens it.
    await s.login('admin', 'admin-pass');
    const before = s.get('users', admin) as AnyRow;
    const after = await s.shop.saveUser({ id: admin, password: 'new-admin-pass' });
    expect(after.publicKey).toBe(before.publicKey);
    expect(after.sealedKey).not.toBe(before.sealedKey);
    await expect(
      unsealUserKey(after.sealedKey as string, after.publicKey as string, 'admin-pass'),
    ).rejects.toMatchObject({ code: 'INVALID_CREDENTIALS' });
    await unsealUserKey(after.sealedKey as string, after.publicKey as string, 'new-admin-pass');
    // Keys come from a password only, never from the caller.
    await expect(s.shop.saveUser({ id: created.id, sealedKey: 'sk1$forged' } as never)).rejects.toMatchObject({
      code: 'VALIDATION',
    });
  });
});
