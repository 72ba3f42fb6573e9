import { newId, versionMillis } from '@mostrador/common';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { precheck } from './rules.js';

const customer = (version: string) => ({
  id: newId(),
  createdAt: '2026-12-01T08:00:00.000Z',
  updatedAt: '2026-12-01T08:00:00.000Z',
  deletedAt: null,
  version,
  updatedBy: newId(),
  name: 'Ana',
});

describe('the clock check of a pushed row', () => {
  it('refuses exactly the versions stamped after now plus the margin (property)', () => {
    const base = Date.parse('2026-12-01T10:00:00.000Z');
    fc.assert(
      fc.property(
        fc.integer({ min: -3, max: 3 }),
        fc.integer({ min: 0, max: 0xffff }),
        fc.constantFrom(0, 1, 60_000),
        fc.integer({ min: 0, max: 5 }),
        (offset, counter, margin, nowShift) => {
          const now = base + nowShift;
          const version = `${new Date(now + margin + offset).toISOString()}-${counter.toString(16).padStart(4, '0')}-00000000000000aa`;
          const checked = precheck('customers', customer(version), now, margin);
          const ahead = 'code' in checked && checked.code === 'CLOCK_AHEAD';
          expect(ahead).toBe(versionMillis(version) > now + margin);
        },
      ),
      { numRuns: 500 },
    );
  });
});
