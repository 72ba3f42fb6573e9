/**
 * PostgreSQL array literals for the push's array parameters (one array per column, see
 * table-sql.ts), each built with one join.
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
