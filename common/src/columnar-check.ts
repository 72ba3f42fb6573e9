/**
 * The pull path's row check, for columnar pages (a bootstrap: a million rows). `checkRow`
 * builds an object per row and runs the compiled TypeBox schema and regexes over it; here a
 * checker compiled once per table and column list looks at the row's array of values in
 * place, with character loops instead of patterns. It only ever says "valid" for a row that
 * `checkRow` accepts; anything it doubts goes to `checkRow`, whose reason (or acceptance)
 * is the answer, so a bad row is refused with exactly the same words as before.
 */
import { isCalendarTimestamp, isLowerUuid, isVersion } from './hlc.js';
import { columnsOf, type FieldSpec, fieldsOf, type TableName } from './registry.js';
import { checkRow } from './schemas.js';

const INT32_MAX = 2_147_483_647;
// biome-ignore lint/suspicious/noControlCharactersInRegex: NUL is exactly the character PostgreSQL refuses
const RARE_CHARACTERS = /[\u0000\uD800-\uDFFF]/;

/** True only when the value certainly passes `checkRow` for this field. */
type ValueCheck = (value: unknown) => boolean;

function presentValueCheck(name: string, spec: FieldSpec): ValueCheck {
  if (name === 'version') return isVersion;
  switch (spec.type) {
    case 'uuid':
      return (value) => typeof value === 'string' && isLowerUuid(value);
    case 'timestamp':
      return (value) => typeof value === 'string' && isCalendarTimestamp(value);
    case 'boolean':
      return (value) => typeof value === 'boolean';
    case 'integer': {
      const minimum = spec.minimum ?? -INT32_MAX;
      return (value) => Number.isInteger(value) && (value as number) >= minimum && (value as number) <= INT32_MAX;
    }
    case 'string': {
      if (spec.enum) {
        const allowed = new Set<unknown>(spec.enum);
        return (value) => allowed.has(value);
      }
      const maxLength = spec.maxLength ?? 1000;
      // A NUL or any surrogate (even a valid pair: an emoji) is left to checkRow's precise checks.
      return (value) => typeof value === 'string' && value.length <= maxLength && !RARE_CHARACTERS.test(value);
    }
  }
}

function valueCheck(name: string, spec: FieldSpec): ValueCheck {
  const present = presentValueCheck(name, spec);
  if (spec.required) return present;
  return (value) => value === null || value === undefined || present(value);
}

/** Checks one row given as values in the order of the page's `columns`: a reason, or null when valid. */
export type ColumnarRowCheck = (values: readonly unknown[]) => string | null;

const compiled = new Map<string, ColumnarRowCheck>();

/** The checker for rows of `table` sent with these columns (compiled once per table and column list). */
export function columnarRowChecker(table: TableName, sent: readonly string[]): ColumnarRowCheck {
  const key = `${table}\u0000${sent.join('\u0000')}`;
  let checker = compiled.get(key);
  if (!checker) {
    checker = compileChecker(table, sent);
    compiled.set(key, checker);
  }
  return checker;
}

function compileChecker(table: TableName, sent: readonly string[]): ColumnarRowCheck {
  const fields = fieldsOf(table);
  const columns = columnsOf(table);
  const positions = columns.map((column) => sent.indexOf(column));
  const checks = columns.map((column) => valueCheck(column, fields[column] as FieldSpec));
  const count = columns.length;
  const asObject = (values: readonly unknown[]) => {
    const row: Record<string, unknown> = {};
    for (let i = 0; i < count; i += 1) {
      const at = positions[i] as number;
      row[columns[i] as string] = at < 0 ? null : (values[at] ?? null);
    }
    return row;
  };
  return (values) => {
    for (let i = 0; i < count; i += 1) {
      const at = positions[i] as number;
      if (!(checks[i] as ValueCheck)(at < 0 ? null : values[at])) return checkRow(table, asObject(values));
    }
    return null;
  };
}
