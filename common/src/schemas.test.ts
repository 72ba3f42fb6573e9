import { describe, expect, it } from 'vitest';
import { HybridLogicalClock } from './hlc.js';
import { checkRow } from './schemas.js';

const clock = new HybridLogicalClock('00000000000000aa', () => Date.parse('2026-11-28T10:00:00.000Z'));

function customer(fields: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    id: '0192f1a0-0000-7000-8000-000000000001',
    createdAt: '2026-11-28T10:00:00.000Z',
    updatedAt: '2026-11-28T10:00:00.000Z',
    deletedAt: null,
    version: clock.tick(),
    updatedBy: '0192f1a0-0000-7000-8000-0000000000ff',
    name: 'Ana',
    taxId: null,
    phone: null,
    email: null,
    ...fields,
  };
}

/** checkRow holds a row to what PostgreSQL and SQLite will store unchanged. */
describe('checkRow is as strict as the databases', () => {
  it('accepts a plain valid row, accents and emoji included', () => {
    expect(checkRow('customers', customer({ name: 'Ñandú 🧉 Peña' }))).toBeNull();
  });

  it('refuses a NUL character in any text field', () => {
    expect(checkRow('customers', customer({ name: 'Ana\u0000' }))).toMatch(/\/name: .*NUL/);
    expect(checkRow('customers', customer({ email: '\u0000@x' }))).toMatch(/\/email: .*NUL/);
  });

  it('refuses a lone surrogate (text with no UTF-8 form)', () => {
    expect(checkRow('customers', customer({ name: 'Ana \ud83e' }))).toMatch(/\/name: .*Unicode/);
    expect(checkRow('customers', customer({ phone: '\udc00' }))).toMatch(/\/phone: .*Unicode/);
  });

  it('refuses an impossible version or timestamp', () => {
    expect(checkRow('customers', customer({ version: '2026-13-01T00:00:00.000Z-0000-00000000000000aa' }))).toMatch(
      /\/version/,
    );
    expect(checkRow('customers', customer({ updatedAt: '2026-02-30T00:00:00.000Z' }))).toMatch(/\/updatedAt/);
    expect(checkRow('customers', customer({ deletedAt: '2026-04-31T00:00:00.000Z' }))).toMatch(/\/deletedAt/);
  });

  it('refuses text longer than the registry allows and integers outside 32 bits', () => {
    expect(checkRow('customers', customer({ name: 'x'.repeat(201) }))).toMatch(/\/name/);
    const product = {
      ...customer(),
      sku: 'S-1',
      barcode: null,
      name: 'Yerba',
      category: null,
      price: 2_147_483_648,
      cost: null,
      providerId: null,
      active: true,
    };
    expect(checkRow('products', product)).toMatch(/\/price/);
    expect(checkRow('products', { ...product, price: 1.5 })).toMatch(/\/price/);
    expect(checkRow('products', { ...product, price: 2_147_483_647 })).toBeNull();
  });
});
