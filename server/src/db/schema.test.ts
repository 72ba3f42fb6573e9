import { columnsOf, TABLE_NAMES } from '@mostrador/common';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../../../test/support/pg.js';

/** The central migrations and the table registry must describe the same columns. */
describe('central schema', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase();
  });
  afterAll(() => db.drop());

  it('has every registry column, plus the server sequence and pushing station, for every synced table', async () => {
    const client = new pg.Client({ connectionString: db.url });
    await client.connect();
    try {
      for (const table of TABLE_NAMES) {
        const { rows } = await client.query<{ column_name: string }>(
          'SELECT column_name FROM information_schema.columns WHERE table_name = $1',
          [table],
        );
        expect(rows.map((r) => r.column_name).sort(), table).toEqual([...columnsOf(table), 'seq', 'pushedBy'].sort());
      }
    } finally {
      await client.end();
    }
  });
});
