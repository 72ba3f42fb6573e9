import fc from 'fast-check';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adminDatabaseUrl } from '../../../test/support/pg.js';
import { arrayLiteral, binaryArray } from './pg-array.js';

/** Real PostgreSQL reads each literal back: what it parses is exactly the array that was meant. */
describe('array literals for the push parameters', () => {
  let db: pg.Client;
  beforeAll(async () => {
    db = new pg.Client({ connectionString: adminDatabaseUrl() });
    await db.connect();
  });
  afterAll(async () => {
    await db.end();
  });

  const awkward = fc.constantFrom(
    '',
    'NULL',
    'null',
    ' a ',
    '{',
    '}',
    ',',
    '"',
    '\\',
    'a"b\\c',
    '\\"',
    'ñ',
    '😀',
    '{"x"}',
  );
  const text = fc
    .oneof(fc.string(), fc.string({ unit: 'binary' }), awkward)
    // biome-ignore lint/suspicious/noControlCharactersInRegex: NUL is what PostgreSQL's text refuses (rows never carry it)
    .filter((s) => !/[\u0000\uD800-\uDFFF]/.test(s));

  it('round-trips text, integers and booleans, nulls among them (property)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.option(text, { nil: null }), { maxLength: 12 }),
        fc.array(fc.option(fc.integer({ min: -2_147_483_648, max: 2_147_483_647 }), { nil: null }), { maxLength: 12 }),
        fc.array(fc.option(fc.boolean(), { nil: null }), { maxLength: 5 }),
        async (texts, integers, booleans) => {
          const { rows } = await db.query('SELECT $1::text[] AS t, $2::integer[] AS i, $3::boolean[] AS b', [
            arrayLiteral(texts),
            arrayLiteral(integers),
            arrayLiteral(booleans),
          ]);
          expect(rows[0]).toEqual({ t: texts, i: integers, b: booleans });
        },
      ),
      { numRuns: 300 },
    );
  });

  it('takes undefined for null, and leaves arrays of anything else to node-postgres', async () => {
    expect(arrayLiteral(['a', undefined, 1])).toBe('{"a",NULL,1}');
    const dates = [new Date(0)];
    expect(arrayLiteral(dates)).toBe(dates);
  });

  it('sends arrays in binary that read back as the values, for every element type (property)', async () => {
    const uuid = fc.uuid().map((id) => id.toLowerCase());
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.option(text, { nil: null }), { maxLength: 12 }),
        fc.array(fc.option(fc.integer({ min: -2_147_483_648, max: 2_147_483_647 }), { nil: null }), { maxLength: 12 }),
        fc.array(fc.option(fc.boolean(), { nil: null }), { maxLength: 5 }),
        fc.array(fc.option(uuid, { nil: null }), { maxLength: 8 }),
        fc.array(fc.option(fc.maxSafeNat(), { nil: null }), { maxLength: 5 }),
        async (texts, integers, booleans, uuids, seqs) => {
          const { rows } = await db.query(
            'SELECT $1::text[] AS t, $2::integer[] AS i, $3::boolean[] AS b, $4::uuid[] AS u, $5::bigint[]::text[] AS s',
            [
              binaryArray('text', texts),
              binaryArray('integer', integers),
              binaryArray('boolean', booleans),
              binaryArray('uuid', uuids),
              binaryArray('bigint', seqs),
            ],
          );
          expect(rows[0]).toEqual({
            t: texts,
            i: integers,
            b: booleans,
            u: uuids,
            s: seqs.map((n) => (n === null ? null : String(n))),
          });
        },
      ),
      { numRuns: 300 },
    );
  });

  it('sends a value not of the type as a text literal, so the database refuses it as before', async () => {
    expect(binaryArray('uuid', ['not-a-uuid'])).toBe('{"not-a-uuid"}');
    expect(binaryArray('integer', [1.5, null])).toBe('{1.5,NULL}');
    expect(binaryArray('integer', [2 ** 31])).toBe(`{${2 ** 31}}`);
    expect(binaryArray('text', [])).toBe('{}');
    await expect(db.query('SELECT $1::uuid[]', [binaryArray('uuid', ['not-a-uuid'])])).rejects.toThrow(/uuid/);
    // Upper-case digits are a UUID to PostgreSQL too.
    const { rows } = await db.query('SELECT $1::uuid[] AS u', [
      binaryArray('uuid', ['0189ABCD-0000-7000-8000-00000000000F']),
    ]);
    expect(rows[0].u).toEqual(['0189abcd-0000-7000-8000-00000000000f']);
  });
});
