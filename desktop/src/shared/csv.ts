/**
 * CSV as spreadsheets write it (RFC 4180): fields separated by commas (or semicolons, as a
 * Spanish Excel saves them), quoted when they hold the separator, a quote or a line break,
 * quotes doubled inside. Pure functions: the renderer exports with them, the station imports.
 */

export function formatCsv(header: readonly string[], rows: readonly (readonly unknown[])[], separator = ','): string {
  const cell = (value: unknown) => {
    const text = value === null || value === undefined ? '' : String(value);
    return /[",;\r\n]/.test(text) || text !== text.trim() ? `"${text.replace(/"/g, '""')}"` : text;
  };
  return [header, ...rows]
    .map((row) => row.map(cell).join(separator))
    .join('\r\n')
    .concat('\r\n');
}

/** The separator a file uses: whichever of `,` `;` or tab the header line has most of (outside quotes). */
export function detectSeparator(text: string): string {
  const firstLine = text.split(/\r?\n/, 1)[0] ?? '';
  const unquoted = firstLine.replace(/"[^"]*"/g, '');
  const counts = [',', ';', '\t'].map((sep) => [sep, unquoted.split(sep).length - 1] as const);
  counts.sort((a, b) => b[1] - a[1]);
  return counts[0] && counts[0][1] > 0 ? counts[0][0] : ',';
}

/** Rows of cells, each with the 1-based line it starts on; a missing closing quote is an error. */
export function parseCsv(text: string, separator = detectSeparator(text)): { line: number; cells: string[] }[] {
  const source = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  const rows: { line: number; cells: string[] }[] = [];
  let cells: string[] = [];
  let cell = '';
  let quoted = false;
  let line = 1;
  let rowLine = 1;
  let i = 0;
  const endRow = () => {
    cells.push(cell);
    if (cells.length > 1 || cells[0] !== '') rows.push({ line: rowLine, cells });
    cells = [];
    cell = '';
  };
  while (i < source.length) {
    const char = source[i] as string;
    if (quoted) {
      if (char === '"' && source[i + 1] === '"') {
        cell += '"';
        i += 2;
        continue;
      }
      if (char === '"') quoted = false;
      else {
        if (char === '\n') line += 1;
        cell += char;
      }
      i += 1;
      continue;
    }
    if (char === '"' && cell === '') quoted = true;
    else if (char === separator) {
      cells.push(cell);
      cell = '';
    } else if (char === '\n' || char === '\r') {
      if (char === '\r' && source[i + 1] === '\n') i += 1;
      endRow();
      line += 1;
      rowLine = line;
    } else cell += char;
    i += 1;
  }
  if (quoted) throw new Error(`A quoted field opened on line ${rowLine} is never closed.`);
  if (cell !== '' || cells.length > 0) endRow();
  return rows;
}
