/**
 * Hybrid Logical Clock.
 *
 * A version is `<ISO-8601 UTC with ms>-<counter, 4 hex>-<node, 16 hex>`, so plain
 * string comparison orders versions: the time part is fixed width (years 0000–9999),
 * then the counter, then the node id breaks ties between stations.
 *
 * Why a hybrid clock and not the wall clock: a station whose wall clock is behind
 * must still order an edit it makes *after* seeing someone else's version after that
 * version. So the clock never goes backwards (even if the wall clock does), ticks on
 * every local write, and advances past every version it receives.
 *
 * The physical time source is passed in (never a module-level clock), so tests can
 * skew it, and `offsetMs` corrects a station's clock by its offset to the server.
 */

export const NODE_ID_PATTERN = /^[0-9a-f]{16}$/;
export const VERSION_PATTERN = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z-[0-9a-f]{4}-[0-9a-f]{16}$/;

const MAX_COUNTER = 0xffff;

export interface ParsedVersion {
  readonly millis: number;
  readonly counter: number;
  readonly node: string;
}

const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
/** `YYYY-MM-DDTHH:MM:SS.mmmZ`: 'd' marks an ASCII digit, any other character stands for itself. */
const TIMESTAMP_SHAPE = 'dddd-dd-ddTdd:dd:dd.dddZ';

/** Two or four ASCII digits at `at` as a number (the shape was checked before). */
function digits(text: string, at: number, count: 2 | 4): number {
  let value = 0;
  for (let i = at; i < at + count; i += 1) value = value * 10 + (text.charCodeAt(i) - 48);
  return value;
}

/** Whether `text` holds TIMESTAMP_SHAPE at `at` (a character loop: cheaper than a regex on the pull path). */
function hasTimestampShape(text: string, at: number): boolean {
  for (let i = 0; i < TIMESTAMP_SHAPE.length; i += 1) {
    const code = text.charCodeAt(at + i);
    const shape = TIMESTAMP_SHAPE.charCodeAt(i);
    if (shape === 100 /* d */ ? !(code >= 48 && code <= 57) : code !== shape) return false;
  }
  return true;
}

/** Whether `count` characters of `text` from `at` are lowercase hex digits. */
function isLowerHex(text: string, at: number, count: number): boolean {
  for (let i = at; i < at + count; i += 1) {
    const code = text.charCodeAt(i);
    if (!((code >= 48 && code <= 57) || (code >= 97 && code <= 102))) return false;
  }
  return true;
}

/** The timestamp at `at` names a real instant (its shape was checked before). */
function isCalendarInstant(text: string, at: number): boolean {
  const year = digits(text, at, 4);
  const month = digits(text, at + 5, 2);
  const day = digits(text, at + 8, 2);
  if (month < 1 || month > 12 || day < 1) return false;
  if (digits(text, at + 11, 2) > 23 || digits(text, at + 14, 2) > 59 || digits(text, at + 17, 2) > 59) return false;
  const leap = year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
  return day <= (month === 2 && leap ? 29 : (DAYS_IN_MONTH[month - 1] ?? 0));
}

/**
 * Whether `text` is an ISO-8601 UTC timestamp with milliseconds naming a real instant:
 * the pattern alone lets through `2026-13-01` (Date.parse says NaN) and `2026-02-30`
 * (Date.parse rolls it over to March 2). Checked by character and arithmetic, not through
 * a regex or Date, because every pulled row's timestamps and version go through here (a
 * bootstrap: millions of them).
 */
export function isCalendarTimestamp(text: string): boolean {
  return text.length === 24 && hasTimestampShape(text, 0) && isCalendarInstant(text, 0);
}

export function parseVersion(version: string): ParsedVersion {
  if (!isVersion(version)) throw new Error(`invalid HLC version: ${version}`);
  const millis = Date.parse(version.slice(0, 24));
  return { millis, counter: Number.parseInt(version.slice(25, 29), 16), node: version.slice(30) };
}

/** The HLC grammar AND a real calendar date: a version every station can order and receive. */
export function isVersion(value: unknown): value is string {
  // VERSION_PATTERN, spelled out character by character.
  if (typeof value !== 'string' || value.length !== 46 || !hasTimestampShape(value, 0)) return false;
  if (value.charCodeAt(24) !== 45 || value.charCodeAt(29) !== 45) return false;
  return isLowerHex(value, 25, 4) && isLowerHex(value, 30, 16) && isCalendarInstant(value, 0);
}

/** Whether `value` matches UUID_PATTERN (lowercase 8-4-4-4-12 hex), by character. */
export function isLowerUuid(value: string): boolean {
  if (value.length !== 36) return false;
  for (const dash of [8, 13, 18, 23]) if (value.charCodeAt(dash) !== 45) return false;
  return (
    isLowerHex(value, 0, 8) &&
    isLowerHex(value, 9, 4) &&
    isLowerHex(value, 14, 4) &&
    isLowerHex(value, 19, 4) &&
    isLowerHex(value, 24, 12)
  );
}

export function formatVersion({ millis, counter, node }: ParsedVersion): string {
  return `${new Date(millis).toISOString()}-${counter.toString(16).padStart(4, '0')}-${node}`;
}

/** The physical time part of a version, in ms since the epoch. */
export function versionMillis(version: string): number {
  return Date.parse(version.slice(0, 24));
}

/** The node (station) that stamped a version. */
export function versionNode(version: string): string {
  return version.slice(30);
}

export type WallClock = () => number;

function later(a: { millis: number; counter: number }, b: { millis: number; counter: number }): boolean {
  return a.millis > b.millis || (a.millis === b.millis && a.counter > b.counter);
}

export class HybridLogicalClock {
  private millis = 0;
  private counter = 0;
  private offsetMs = 0;
  private seen = { millis: 0, counter: 0 };

  constructor(
    readonly node: string,
    private readonly wallClock: WallClock = Date.now,
  ) {
    if (!NODE_ID_PATTERN.test(node)) throw new Error(`HLC node id must be 16 hex digits, got ${node}`);
  }

  /** Correct the physical time by the offset to a reference clock (the server's). */
  setOffset(offsetMs: number): void {
    this.offsetMs = offsetMs;
  }

  get offset(): number {
    return this.offsetMs;
  }

  /** The uncorrected wall clock (what an offset to the server is measured against). */
  wallNow(): number {
    return this.wallClock();
  }

  /** The corrected physical time. */
  physicalNow(): number {
    return this.wallClock() + this.offsetMs;
  }

  /** A new version for a local write, greater than every version issued or received so far. */
  tick(): string {
    const now = this.physicalNow();
    if (now > this.millis) {
      this.millis = now;
      this.counter = 0;
    } else if (this.counter < MAX_COUNTER) {
      this.counter += 1;
    } else {
      // The counter is exhausted within one millisecond: borrow the next millisecond.
      this.millis += 1;
      this.counter = 0;
    }
    return formatVersion({ millis: this.millis, counter: this.counter, node: this.node });
  }

  /** Advance past a version seen from elsewhere, so the next tick orders after it. */
  receive(version: string): void {
    const remote = parseVersion(version);
    if (later(remote, this.seen)) this.seen = { millis: remote.millis, counter: remote.counter };
    this.resume(version);
  }

  /** Advance past one of this clock's own versions (its last tick, kept across restarts). */
  resume(version: string): void {
    const last = parseVersion(version);
    if (later(last, { millis: this.millis, counter: this.counter })) {
      this.millis = last.millis;
      this.counter = last.counter;
    }
  }

  /** The highest version received from elsewhere (a rewind never goes below it). */
  peekSeen(): string {
    return formatVersion({ ...this.seen, node: this.node });
  }

  /**
   * Come back to the corrected physical time after running ahead of it (a clock that jumped
   * forward): the next tick is stamped from real time again. Only the station's own pending
   * versions may lie beyond it, and those are re-stamped (see the push's re-stamping).
   * Returns whether the clock was ahead by more than `marginMs`.
   */
  rewind(marginMs: number): boolean {
    const now = this.physicalNow();
    if (this.millis <= now + marginMs) return false;
    // Never below a version received from elsewhere: an edit must order after what it edits.
    const floor = later(this.seen, { millis: now, counter: 0 }) ? this.seen : { millis: now, counter: 0 };
    if (!later({ millis: this.millis, counter: this.counter }, floor)) return false;
    this.millis = floor.millis;
    this.counter = floor.counter;
    return true;
  }

  /** The last version issued or received (without ticking), e.g. to persist the clock. */
  peek(): string {
    return formatVersion({ millis: this.millis, counter: this.counter, node: this.node });
  }
}
