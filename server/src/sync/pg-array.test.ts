import fc from 'fast-check';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adminDatabaseUrl } from '../../../test/support/pg.js';
import { arrayLiteral } from './pg-array.js';

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
});
