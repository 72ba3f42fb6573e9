import { afterEach, describe, expect, it } from 'vitest';
import { offlineStation } from '../../../../test/support/station.js';
import type { Station } from '../station.js';
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
const outbox = (s: Station) =>
  s.store.db.prepare('SELECT * FROM outbox ORDER BY rowId').all() as Record<string, unknown>[];

describe('settling the outbox from a push answer', () => {
  it('clears an applied row, but keeps an edit made during the push queued on the pushed version', async () => {
    const s = await station();
    const quiet = s.put('customers', { name: 'Quiet' });
    const busy = s.put('customers', { name: 'Busy' });
    const sent = [quiet, busy].map((r) => ({ table: 'customers' as const, id: r.id, version: r.version }));
    s.put('customers', { id: busy.id, name: 'Busy, edited while pushing' });
    const answer = { cursor: 7, applied: sent.map(({ table, id }) => ({ table, id })), superseded: [], rejected: [] };
    expect(applyPushAnswer(s.store, sent, answer)).toEqual({ acknowledged: 2, rejected: 0 });
    expect(outbox(s)).toEqual([expect.objectContaining({ rowId: busy.id, baseVersion: busy.version, flagCode: null })]);
  });

  it('adopts the winner of a superseded row and advances the clock past it', async () => {
    const s = await station();
    const mine = s.put('customers', { name: 'Mine' });
    const winner = { ...mine, name: 'Theirs', version: '2099-01-01T00:00:00.000Z-0000-00000000000000ff' };
    const answer = {
      cursor: 9,
      applied: [],
      superseded: [{ table: 'customers', id: mine.id, row: winner }],
      rejected: [],
    };
    applyPushAnswer(s.store, [{ table: 'customers', id: mine.id, version: mine.version }], answer);
    expect(s.get('customers', mine.id)).toEqual(winner);
    expect(outbox(s)).toEqual([]);
    expect(s.put('customers', { name: 'Next' }).version > winner.version).toBe(true);
  });

  it('flags a rejected row with the reason, keeps it, skips it on the next push, and unflags it on edit', async () => {
    const s = await station();
    const refused = s.put('products', { sku: 'X', name: 'Refused', price: 1, active: true });
    const late = s.put('customers', { name: 'Clock ahead' });
    const answer = {
      cursor: 3,
      applied: [],
      superseded: [],
      rejected: [
        { table: 'products', id: refused.id, code: 'UNIQUE_VIOLATION' as const, message: 'sku X is taken' },
        { table: 'customers', id: late.id, code: 'CLOCK_AHEAD' as const, message: 'too far ahead' },
      ],
    };
    const sent = [
      { table: 'products' as const, id: refused.id, version: refused.version },
      { table: 'customers' as const, id: late.id, version: late.version },
    ];
    expect(applyPushAnswer(s.store, sent, answer)).toEqual({ acknowledged: 0, rejected: 2 });
    expect(s.get('products', refused.id)?.name).toBe('Refused');
    expect(s.flagged()).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          table: 'products',
          id: refused.id,
          code: 'UNIQUE_VIOLATION',
          message: 'sku X is taken',
        }),
        expect.objectContaining({ table: 'customers', id: late.id, code: 'CLOCK_AHEAD' }),
      ]),
    );
    // A unique clash waits for a person; a clock that was ahead is simply retried.
    expect(s.store.outbox.nextPage('products', '', 10)).toEqual([]);
    expect(s.store.outbox.nextPage('customers', '', 10).map((e) => e.rowId)).toEqual([late.id]);
    s.put('products', { id: refused.id, sku: 'Y' });
    expect(s.flagged().map((f) => f.id)).toEqual([late.id]);
    expect(s.store.outbox.nextPage('products', '', 10).map((e) => e.rowId)).toEqual([refused.id]);
  });

  it('ignores answers about rows it did not send', async () => {
    const s = await station();
    const row = s.put('customers', { name: 'Kept' });
    const stranger = { table: 'customers', id: '01900000-0000-7000-8000-000000000000' };
    applyPushAnswer(s.store, [], {
      cursor: 1,
      applied: [stranger, { table: 'customers', id: row.id }],
      superseded: [],
      rejected: [],
    });
    expect(outbox(s)).toHaveLength(1);
  });
});
