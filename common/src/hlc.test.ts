import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { HybridLogicalClock, isCalendarTimestamp, isVersion, parseVersion } from './hlc.js';

const NODE_A = '00000000000000aa';
const NODE_B = '00000000000000bb';

describe('HybridLogicalClock', () => {
  it('formats versions as PROTOCOL.md says', () => {
    const clock = new HybridLogicalClock(NODE_A, () => Date.parse('2026-11-28T10:15:30.123Z'));
    expect(clock.tick()).toBe('2026-11-28T10:15:30.123Z-0000-00000000000000aa');
    expect(clock.tick()).toBe('2026-11-28T10:15:30.123Z-0001-00000000000000aa');
  });

  it('never goes backwards when the wall clock does', () => {
    let now = Date.parse('2026-11-28T10:00:00.000Z');
    const clock = new HybridLogicalClock(NODE_A, () => now);
    const first = clock.tick();
    now -= 3_600_000;
    const second = clock.tick();
    expect(second > first).toBe(true);
  });

  it('orders a late clock after what it received', () => {
    const ahead = new HybridLogicalClock(NODE_A, () => Date.parse('2026-11-28T11:00:00.000Z'));
    const behind = new HybridLogicalClock(NODE_B, () => Date.parse('2026-11-28T10:00:00.000Z'));
    const remote = ahead.tick();
    behind.receive(remote);
    expect(behind.tick() > remote).toBe(true);
  });

  it('applies the offset to the server clock', () => {
    const clock = new HybridLogicalClock(NODE_A, () => Date.parse('2026-11-28T10:00:00.000Z'));
    clock.setOffset(60_000);
    expect(clock.tick().startsWith('2026-11-28T10:01:00.000Z')).toBe(true);
  });

  it('borrows the next millisecond when the counter is exhausted', () => {
    const clock = new HybridLogicalClock(NODE_A, () => 0);
    let last = clock.tick();
    for (let i = 0; i < 70_000; i++) {
      const next = clock.tick();
      expect(next > last).toBe(true);
      last = next;
    }
    expect(isVersion(last)).toBe(true);
  });

  it('comes back to real time after running ahead, but never below a version it received', () => {
    let wall = Date.parse('2026-12-01T10:10:00.000Z');
    const clock = new HybridLogicalClock(NODE_A, () => wall);
    const future = clock.tick();
    clock.receive('2026-12-01T10:00:05.000Z-0003-00000000000000bb');
    // The wall clock is put right (10 minutes back): the clock is ahead and rewinds.
    wall = Date.parse('2026-12-01T10:00:00.000Z');
    expect(clock.rewind(30_000)).toBe(true);
    const next = clock.tick();
    expect(next).toBe('2026-12-01T10:00:05.000Z-0004-00000000000000aa');
    expect(next < future).toBe(true);
    // Within the margin nothing moves.
    expect(clock.rewind(30_000)).toBe(false);
    expect(clock.tick() > next).toBe(true);
  });

  it('rejects malformed versions and node ids', () => {
    expect(() => parseVersion('2026-11-28T10:00:00Z-0000-00000000000000aa')).toThrow();
    expect(() => new HybridLogicalClock('xyz')).toThrow();
    expect(isVersion('2026-13-45T10:00:00.000Z-0000-00000000000000aa')).toBe(false);
  });

  it('string order equals causal order for any interleaving of ticks and receives', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.record({
            station: fc.integer({ min: 0, max: 2 }),
            skew: fc.integer({ min: -5000, max: 5000 }),
            receive: fc.boolean(),
          }),
          { maxLength: 200 },
        ),
        (steps) => {
          let base = 1_800_000_000_000;
          const clocks = [0, 1, 2].map((i) => new HybridLogicalClock(`000000000000000${i}`, () => base));
          let newest = '';
          for (const step of steps) {
            base += step.skew;
            const clock = clocks[step.station];
            if (!clock) throw new Error(`no clock ${step.station}`);
            if (step.receive && newest) clock.receive(newest);
            const version = clock.tick();
            if (step.receive && newest) expect(version > newest).toBe(true);
            if (version > newest) newest = version;
          }
        },
      ),
    );
  });
});

describe('versions name a real calendar instant', () => {
  const node = '9f3c2a1b4d5e6f70';
  it.each([
    ['2026-13-01T00:00:00.000Z', 'month 13'],
    ['2026-02-30T10:00:00.000Z', 'February 30th'],
    ['2026-11-28T24:00:00.000Z', 'hour 24'],
    ['2026-11-28T10:60:00.000Z', 'minute 60'],
  ])('refuses %s (%s)', (time) => {
    const version = `${time}-0000-${node}`;
    expect(isVersion(version)).toBe(false);
    expect(() => parseVersion(version)).toThrow(/invalid HLC version/);
  });

  it('accepts a leap day and the last millisecond of a year', () => {
    expect(isVersion(`2028-02-29T23:59:59.999Z-ffff-${node}`)).toBe(true);
    expect(isVersion(`2026-12-31T23:59:59.999Z-0000-${node}`)).toBe(true);
  });
});

describe('isCalendarTimestamp', () => {
  const roundTrips = (text: string) => {
    const millis = Date.parse(text);
    return !Number.isNaN(millis) && new Date(millis).toISOString() === text;
  };

  it('accepts every instant Date prints, years 0000 to 9999', () => {
    fc.assert(
      fc.property(fc.integer({ min: -62_167_219_200_000, max: 253_402_300_799_999 }), (millis) =>
        isCalendarTimestamp(new Date(millis).toISOString()),
      ),
    );
  });

  it('agrees with a Date round trip on any digits in the timestamp shape', () => {
    const two = fc.integer({ min: 0, max: 99 }).map((n) => String(n).padStart(2, '0'));
    const text = fc
      .tuple(fc.integer({ min: 0, max: 9999 }), two, two, two, two, two, fc.integer({ min: 0, max: 999 }))
      .map(
        ([y, mo, d, h, mi, s, ms]) =>
          `${String(y).padStart(4, '0')}-${mo}-${d}T${h}:${mi}:${s}.${String(ms).padStart(3, '0')}Z`,
      );
    fc.assert(fc.property(text, (t) => isCalendarTimestamp(t) === roundTrips(t)));
  });
});
