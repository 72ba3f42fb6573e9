import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { columnarRowChecker } from './columnar-check.js';
import { columnsOf, fieldsOf, TABLE_NAMES, type TableName } from './registry.js';
import { checkRow } from './schemas.js';

/** Values near every edge checkRow draws: right and wrong types, shapes, dates, lengths and characters. */
const value = fc.oneof(
  fc.constantFrom(
    null,
    undefined,
    true,
    false,
    0,
    -1,
    1,
    1.5,
    2_147_483_647,
    2_147_483_648,
    -2_147_483_647,
    -2_147_483_648,
    '',
    'Ana',
    'Ñandú 🧉',
    'a\u0000b',
    'x\ud83e',
    '\udc00',
    'cash',
    'completed',
    'voided',
    'sale',
    'admin',
    'x'.repeat(41),
    'x'.repeat(201),
    '0192f1a0-0000-7000-8000-000000000001',
    '0192F1A0-0000-7000-8000-000000000001',
    '0192f1a0-0000-7000-8000-00000000000g',
    '0192f1a0x0000-7000-8000-000000000001',
    '2026-11-28T10:00:00.000Z',
    '2026-13-01T00:00:00.000Z',
    '2026-02-30T00:00:00.000Z',
    '2024-02-29T23:59:59.999Z',
    '2026-11-28T24:00:00.000Z',
    '2026-11-28 10:00:00.000Z',
    '2026-11-28T10:00:00.000Z-0001-9f3c2a1b4d5e6f70',
    '2026-13-28T10:00:00.000Z-0001-9f3c2a1b4d5e6f70',
    '2026-11-28T10:00:00.000Z-0001-9F3C2A1B4D5E6F70',
    '2026-11-28T10:00:00.000Z-001-9f3c2a1b4d5e6f700',
  ),
  fc.string(),
  fc.integer(),
);

function validRow(table: TableName): Record<string, unknown> {
  const row: Record<string, unknown> = {};
  for (const [name, spec] of Object.entries(fieldsOf(table))) {
    if (name === 'version') row[name] = '2026-11-28T10:00:00.000Z-0001-9f3c2a1b4d5e6f70';
    else if (!spec.required) row[name] = null;
    else if (spec.type === 'uuid') row[name] = '0192f1a0-0000-7000-8000-000000000001';
    else if (spec.type === 'timestamp') row[name] = '2026-11-28T10:00:00.000Z';
    else if (spec.type === 'boolean') row[name] = true;
    else if (spec.type === 'integer') row[name] = spec.minimum ?? 0;
    else row[name] = spec.enum ? spec.enum[0] : 'x';
  }
  return row;
}

describe('the columnar row check answers exactly as checkRow', () => {
  it.each(TABLE_NAMES)('%s: same verdict and reason for rows with any field broken', (table) => {
    const columns = columnsOf(table);
    const check = columnarRowChecker(table, columns);
    expect(check(columns.map((c) => validRow(table)[c]))).toBeNull();
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.nat(columns.length - 1), value), { maxLength: 3 }), (edits) => {
        const row = validRow(table);
        for (const [at, v] of edits) row[columns[at] as string] = v;
        const values = columns.map((c) => row[c]);
        const asObject = Object.fromEntries(columns.map((c) => [c, row[c] ?? null]));
        expect(check(values)).toBe(checkRow(table, asObject));
      }),
      { numRuns: 400 },
    );
  });

  it('reads columns in the order the page sent them, and treats missing ones as null', () => {
    const columns = [...columnsOf('customers')].reverse().filter((c) => c !== 'email');
    const row = validRow('customers');
    expect(columnarRowChecker('customers', columns)(columns.map((c) => row[c]))).toBeNull();
    const withoutName = columns.filter((c) => c !== 'name');
    expect(columnarRowChecker('customers', withoutName)(withoutName.map((c) => row[c]))).toMatch(/\/name/);
  });
});
