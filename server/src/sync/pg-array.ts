/**
 * The push's array parameters (one array per column, see table-sql.ts): in PostgreSQL's
 * binary format where the values are of the array's type (`binaryArray`, below), else as
 * text literals, each built with one join (`arrayLiteral`).
 *
 * node-postgres builds the same literal by appending to a string element by element and
 * escaping each element with two `replace`s; for a push of 7,000 rows that made about
 * 25 MB of short-lived strings, a third of all the push allocated, and the garbage
 * collector's time with it. An array holding anything but scalars goes to node-postgres as
 * it is (it knows dates, buffers and nested arrays).
 */
export function arrayLiteral(values: readonly unknown[]): string | readonly unknown[] {
  const count = values.length;
  if (count === 0) return '{}';
  const elements = new Array<string>(count);
  if (values.every((value) => typeof value === 'string')) {
    // The common case (ids, versions, times): every element quoted, by the separator alone.
    for (let i = 0; i < count; i++) elements[i] = escapeElement(values[i] as string);
    elements[0] = `{"${elements[0]}`;
    elements[count - 1] = `${elements[count - 1]}"}`;
    return elements.join('","');
  }
  for (let i = 0; i < count; i++) {
    const value = values[i];
    if (value === null || value === undefined) elements[i] = 'NULL';
    else if (typeof value === 'string') elements[i] = `"${escapeElement(value)}"`;
    else if (typeof value === 'number' || typeof value === 'boolean') elements[i] = String(value);
    else return values;
  }
  // Braces on the end elements, so the join is the one flat string sent (no copy to flatten it).
  elements[0] = `{${elements[0]}`;
  elements[count - 1] = `${elements[count - 1]}}`;
  return elements.join(',');
}

/** Inside a quoted element only the backslash and the double quote are special. */
function escapeElement(text: string): string {
  if (!text.includes('\\') && !text.includes('"')) return text;
  return text.replaceAll('\\', '\\\\').replaceAll('"', '\\"');
}

/** The element types the push sends as arrays (table-sql.ts), by their PostgreSQL names. */
export type ElementType = 'uuid' | 'text' | 'integer' | 'bigint' | 'boolean';

const ELEMENT_OIDS: Record<ElementType, number> = { boolean: 16, bigint: 20, integer: 23, text: 25, uuid: 2950 };
const INT32_MIN = -(2 ** 31);
const INT32_MAX = 2 ** 31 - 1;

/** Where a UUID's 16 byte pairs are in its canonical text (dashes at 8, 13, 18 and 23). */
const UUID_PAIRS = [0, 2, 4, 6, 9, 11, 14, 16, 19, 21, 24, 26, 28, 30, 32, 34];

/** The value of each hex digit by character code (-1: not one). */
const HEX = new Int8Array(128).fill(-1);
for (let i = 0; i < 16; i++) {
  HEX['0123456789abcdef'.charCodeAt(i)] = i;
  HEX['0123456789ABCDEF'.charCodeAt(i)] = i;
}

/**
 * Writes a UUID's 16 bytes at `offset` (the canonical form, either case: what PostgreSQL's
 * uuid input takes, bar its rarer spellings, which go as text); false when it is not one.
 * By character code: a regex test alone costs more than the whole copy.
 */
function writeUuid(buffer: Buffer, offset: number, text: string): boolean {
  if (text.length !== 36) return false;
  const dash = 45;
  if (text.charCodeAt(8) !== dash || text.charCodeAt(13) !== dash || text.charCodeAt(18) !== dash) return false;
  if (text.charCodeAt(23) !== dash) return false;
  for (let i = 0; i < 16; i++) {
    const at = UUID_PAIRS[i] as number;
    const high = text.charCodeAt(at);
    const low = text.charCodeAt(at + 1);
    if (high > 127 || low > 127) return false;
    const value = ((HEX[high] as number) << 4) | (HEX[low] as number);
    if (value < 0) return false;
    buffer[offset + i] = value;
  }
  return true;
}

/** Big-endian, byte by byte: cheaper than `writeInt32BE`'s checks, thousands of times per array. */
function writeInt32(buffer: Buffer, offset: number, value: number): void {
  buffer[offset] = value >>> 24;
  buffer[offset + 1] = value >>> 16;
  buffer[offset + 2] = value >>> 8;
  buffer[offset + 3] = value;
}

/** The largest encoding of one element, or -1 when the value is not of the type. */
function elementSize(type: ElementType, value: unknown): number {
  if (value === null || value === undefined) return 0;
  switch (type) {
    case 'uuid':
      return typeof value === 'string' ? 16 : -1;
    case 'text':
      return typeof value === 'string' ? value.length * 3 : -1;
    case 'integer':
      return Number.isInteger(value) && (value as number) >= INT32_MIN && (value as number) <= INT32_MAX ? 4 : -1;
    case 'bigint':
      return Number.isSafeInteger(value) && (value as number) >= 0 ? 8 : -1;
    case 'boolean':
      return typeof value === 'boolean' ? 1 : -1;
  }
}

/** Writes one (non-null) element at `offset`; its length in bytes, or -1 when it is not of the type. */
function writeElement(buffer: Buffer, offset: number, type: ElementType, value: unknown): number {
  switch (type) {
    case 'uuid':
      return writeUuid(buffer, offset, value as string) ? 16 : -1;
    case 'text':
      return buffer.write(value as string, offset);
    case 'integer':
      writeInt32(buffer, offset, value as number);
      return 4;
    case 'bigint':
      writeInt32(buffer, offset, Math.floor((value as number) / 2 ** 32));
      writeInt32(buffer, offset + 4, (value as number) >>> 0);
      return 8;
    case 'boolean':
      buffer[offset] = value ? 1 : 0;
      return 1;
  }
}

/**
 * A one-dimensional array in PostgreSQL's binary format (what `array_recv` reads), for a
 * parameter cast to `type[]`: node-postgres sends a Buffer as a binary parameter. The
 * database then copies each element instead of parsing the literal's text: for a push's
 * arrays of thousands of ids and values, about half the CPU PostgreSQL spent on its INSERTs.
 * A value that is not of the type (which the database refuses) goes as a text literal
 * (`arrayLiteral`), so the database's answer stays the same.
 */
export function binaryArray(type: ElementType, values: readonly unknown[]): Buffer | string | readonly unknown[] {
  const count = values.length;
  if (count === 0) return '{}';
  let size = 20 + 4 * count;
  let nulls = 0;
  for (const value of values) {
    const bytes = elementSize(type, value);
    if (bytes < 0) return arrayLiteral(values);
    if (value === null || value === undefined) nulls = 1;
    size += bytes;
  }
  const buffer = Buffer.allocUnsafe(size);
  writeInt32(buffer, 0, 1); // dimensions
  writeInt32(buffer, 4, nulls);
  writeInt32(buffer, 8, ELEMENT_OIDS[type]);
  writeInt32(buffer, 12, count);
  writeInt32(buffer, 16, 1); // lower bound
  let offset = 20;
  for (const value of values) {
    if (value === null || value === undefined) {
      writeInt32(buffer, offset, -1);
      offset += 4;
      continue;
    }
    const length = writeElement(buffer, offset + 4, type, value);
    if (length < 0) return arrayLiteral(values);
    writeInt32(buffer, offset, length);
    offset += 4 + length;
  }
  return buffer.subarray(0, offset);
}
