import {
  type AnyRow,
  CHECKED_REFERENCES,
  canWrite,
  checkRow,
  columnsOf,
  type ErrorCode,
  isTableName,
  passwordHashProblem,
  type Role,
  type TableName,
  tableSpec,
  VOID_FIELDS,
  versionMillis,
  versionNode,
} from '@mostrador/common';

/**
 * The rules a pushed row must pass, as pure decisions: the apply step feeds them the
 * stored row and the acting user and writes what they decide.
 */

export interface Refusal {
  readonly code: ErrorCode;
  readonly message: string;
}

export interface Actor {
  readonly role: Role;
  readonly active: boolean;
}

/** `server` is the server itself (e.g. creating the first admin): no acting user to check. */
export type Acting = Actor | 'server' | undefined;

export type Decision =
  | { readonly kind: 'write'; readonly row: AnyRow; readonly lost: AnyRow | null }
  | { readonly kind: 'unchanged' }
  | { readonly kind: 'superseded'; readonly winner: AnyRow; readonly lost: AnyRow | null }
  | { readonly kind: 'rejected'; readonly refusal: Refusal };

const refuse = (code: ErrorCode, message: string): Decision => ({ kind: 'rejected', refusal: { code, message } });

/** Checks that need no database: the table, the row's schema, and its clock. */
export function precheck(
  table: string,
  row: unknown,
  nowMs: number,
  clockAheadMs: number,
): { table: TableName; row: AnyRow } | Refusal {
  if (!isTableName(table)) return { code: 'UNKNOWN_TABLE', message: `"${table}" is not a synced table.` };
  const invalid = checkRow(table, row);
  if (invalid) return { code: 'VALIDATION', message: `${table}: ${invalid}` };
  const valid = row as AnyRow;
  // Issue 12: only the project's one hash format and cost syncs (a planted costly hash would stall logins).
  const badHash = table === 'users' && valid.passwordHash !== undefined && passwordHashProblem(valid.passwordHash);
  if (badHash) return { code: 'VALIDATION', message: `users: ${badHash}` };
  if (isAfter(valid.version, nowMs + clockAheadMs)) {
    return {
      code: 'CLOCK_AHEAD',
      message: `Version ${valid.version} is more than ${Math.round(clockAheadMs / 1000)} s ahead of the server's clock (${new Date(nowMs).toISOString()}); check the station's clock.`,
    };
  }
  return { table, row: valid };
}

const columnLists = new Map<TableName, readonly string[]>();

/** The last limit and its ISO form (as a version bound): a push checks thousands of rows against one. */
let lastLimit = { ms: Number.NaN, iso: '' };

/**
 * Whether a (valid) version is stamped after `ms`. Its first 24 characters are an ISO time
 * of a real calendar date, so comparing them as text with the limit's ISO form orders them
 * exactly as their milliseconds do, without parsing a date per row.
 */
function isAfter(version: string, ms: number): boolean {
  if (lastLimit.ms !== ms) {
    const limit = new Date(ms);
    if (Number.isNaN(limit.getTime()) || limit.getUTCFullYear() > 9999) return versionMillis(version) > ms;
    // Past any version of that same millisecond: a version goes on with `-` and hex digits.
    lastLimit = { ms, iso: `${limit.toISOString()}-\uffff` };
  }
  return version > lastLimit.iso;
}

/** The pushed row laid over the stored one: fields the push does not carry keep their value. */
export function mergeRow(table: TableName, pushed: AnyRow, stored: AnyRow | undefined): AnyRow {
  let columns = columnLists.get(table);
  if (!columns) {
    columns = columnsOf(table);
    columnLists.set(table, columns);
  }
  const merged: Record<string, unknown> = {};
  for (const column of columns) {
    const value = pushed[column];
    merged[column] = value !== undefined ? value : (stored?.[column] ?? null);
  }
  return merged as AnyRow;
}

function checkActor(table: TableName, acting: Acting, updatedBy: unknown): Refusal | null {
  if (acting === 'server') return null;
  if (!acting?.active) {
    return { code: 'FORBIDDEN', message: `The acting user ${String(updatedBy)} does not exist or is not active.` };
  }
  if (!canWrite(acting.role, table)) {
    return { code: 'FORBIDDEN', message: `A ${acting.role} may not write ${table}.` };
  }
  return null;
}

function mayVoid(table: TableName, acting: Acting): boolean {
  return acting === 'server' || (acting !== undefined && (tableSpec(table).voidRoles ?? []).includes(acting.role));
}

/** Rows of insert-only and voidable tables are frozen once stored; a sale may only be voided. */
function checkChange(table: TableName, stored: AnyRow, next: AnyRow, acting: Acting): Refusal | null {
  const mode = tableSpec(table).mode;
  if (mode === 'mutable') return null;
  if (mode === 'insertOnly') return { code: 'IMMUTABLE', message: `${table} rows cannot change once written.` };
  const frozen = columnsOf(table).filter((c) => !(VOID_FIELDS as readonly string[]).includes(c));
  // Voided → voided is two stations voiding the same sale offline: last writer wins on
  // the void's own fields (the loser goes to the conflict log), nothing else may differ.
  const isVoid =
    (stored.status === 'completed' || stored.status === 'voided') &&
    next.status === 'voided' &&
    frozen.every((c) => stored[c] === next[c]);
  if (!isVoid)
    return { code: 'IMMUTABLE', message: `A stored ${table} row can only be voided (status completed → voided).` };
  if (!mayVoid(table, acting))
    return { code: 'FORBIDDEN', message: `Only ${tableSpec(table).voidRoles?.join(' or ')} may void.` };
  return null;
}

/** The first reference of a new row that names no existing row, as a refusal. */
export function checkReferences(
  table: TableName,
  row: AnyRow,
  exists: (table: TableName, id: string) => boolean,
): Refusal | null {
  for (const [field, target] of CHECKED_REFERENCES[table] ?? []) {
    const id = row[field];
    if (typeof id !== 'string' || exists(target, id)) continue;
    return {
      code: 'MISSING_REFERENCE',
      message: `${table} ${row.id}: its ${field} ${id} names no ${target} row, neither in this push nor on the server (push the ${target} row first).`,
    };
  }
  return null;
}

/** Whether replacing `stored` by `next` drops a concurrent edit (not an ancestor the same node replaced). */
function isConcurrent(stored: AnyRow, next: AnyRow, baseVersion: string | null | undefined): boolean {
  return stored.version !== baseVersion && versionNode(stored.version) !== versionNode(next.version);
}

/** Decide what a valid pushed row does against the current row (stored, or written earlier in this batch). */
export function decide(
  table: TableName,
  pushed: AnyRow,
  baseVersion: string | null | undefined,
  current: AnyRow | undefined,
  acting: Acting,
): Decision {
  const actorRefusal = checkActor(table, acting, pushed.updatedBy);
  if (actorRefusal) return { kind: 'rejected', refusal: actorRefusal };
  const next = mergeRow(table, pushed, current);
  if (!current) {
    if (tableSpec(table).mode === 'voidable' && next.status === 'voided' && !mayVoid(table, acting)) {
      return refuse('FORBIDDEN', `Only ${tableSpec(table).voidRoles?.join(' or ')} may void.`);
    }
    return { kind: 'write', row: next, lost: null };
  }
  if (next.version === current.version) return { kind: 'unchanged' };
  if (tableSpec(table).mode === 'insertOnly' && baseVersion == null) {
    // Two stations created the same insert-only row (ids derived from the same source,
    // e.g. the return movements of a sale voided on both): the stored one stands and the
    // station adopts it, instead of keeping a refused row it can never fix.
    const concurrent = versionNode(current.version) !== versionNode(next.version);
    return { kind: 'superseded', winner: current, lost: concurrent ? next : null };
  }
  if (next.version < current.version) {
    const concurrent = versionNode(current.version) !== versionNode(next.version);
    return { kind: 'superseded', winner: current, lost: concurrent ? next : null };
  }
  const ruleRefusal = checkChange(table, current, next, acting);
  if (ruleRefusal) return { kind: 'rejected', refusal: ruleRefusal };
  return { kind: 'write', row: next, lost: isConcurrent(current, next, baseVersion) ? current : null };
}
