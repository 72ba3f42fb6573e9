import {
  type AnyRow,
  BASE_FIELDS,
  CHECKED_REFERENCES,
  canWrite,
  checkRow,
  columnsOf,
  MostradorError,
  newId,
  type Role,
  type TableName,
  tableSpec,
  uniqueFieldsOf,
  VOID_FIELDS,
  WITHHELD_PASSWORD_HASH,
} from '@mostrador/common';
import type Database from 'better-sqlite3';
import type { LocalStore } from './store.js';

/** Who makes a write: every row records it in `updatedBy`, and the role decides what is allowed. */
export interface Actor {
  readonly id: string;
  readonly role: Role;
}

/** Fields the writer stamps itself; a caller cannot set them. */
const STAMPED = new Set(['createdAt', 'updatedAt', 'version', 'updatedBy']);

/**
 * Every local write: check that its user is logged in here (holds a signing key), the role
 * and the table's mode, stamp the row (HLC version, updatedAt, updatedBy), validate it,
 * upsert it and add it to the transaction's write group, which is signed and queued in the
 * outbox when the transaction commits, all in ONE transaction. A refused write throws a
 * MostradorError and leaves the database unchanged.
 */
export class LocalWriter {
  private readonly uniqueChecks = new Map<string, Database.Statement<[unknown, unknown]>>();

  constructor(private readonly store: LocalStore) {}

  /** Create or edit a row; fields not given keep their stored value. Returns the stored row. */
  put(table: TableName, input: Record<string, unknown>, actor: Actor): AnyRow {
    return this.store.transaction(() => this.putInTransaction(table, input, actor));
  }

  /** Soft delete: an edit that sets deletedAt, synced like any other. */
  delete(table: TableName, id: string, actor: Actor): AnyRow {
    return this.store.transaction(() => {
      if (!this.store.rows.get(table, id)) throw new MostradorError('NOT_FOUND', `No ${table} row with id ${id}.`);
      return this.putInTransaction(table, { id, deletedAt: this.store.nowIso() }, actor);
    });
  }

  /** For callers composing several writes in their own transaction (a sale and its items). */
  putInTransaction(table: TableName, input: Record<string, unknown>, actor: Actor): AnyRow {
    if (!this.store.keyring.has(actor.id)) throw notLoggedIn(this.store, actor);
    rejectUnknownFields(table, input);
    const id = typeof input.id === 'string' ? input.id : newId();
    const existing = this.store.rows.get(table, id);
    assertAllowed(table, existing, input, actor);
    const now = this.store.nowIso();
    const row: Record<string, unknown> = {
      ...Object.fromEntries(columnsOf(table).map((column) => [column, null])),
      ...existing,
      ...Object.fromEntries(Object.entries(input).filter(([key]) => !STAMPED.has(key))),
      id,
      createdAt: existing?.createdAt ?? now,
      updatedAt: now,
      updatedBy: actor.id,
      version: this.store.clock.tick(),
    };
    const problem = checkRow(table, withoutNulls(row));
    if (problem) throw new MostradorError('VALIDATION', `${table}: ${problem}`);
    if (!existing) this.assertReferencesExist(table, row);
    if (table === 'users' && row.passwordHash === WITHHELD_PASSWORD_HASH) {
      // Issue 12: this station was never sent the user's password verifiers; writing the row
      // would push the blank back. Setting a new password writes a real one.
      throw new MostradorError(
        'FORBIDDEN',
        `This station does not hold ${String(row.username)}'s password (a ${String(row.role)} does not log in here): edit this user at a back-office station, or set a new password.`,
      );
    }
    this.assertUnique(table, row);
    this.store.rows.put(table, row);
    this.store.noteWrite(table, id, existing?.version ?? null, row.version as string, actor.id);
    this.store.saveClock();
    return this.store.rows.get(table, id) as AnyRow;
  }

  /** What the server would hold for review (issue 12): a new line, payment or movement naming no known sale or product. */
  private assertReferencesExist(table: TableName, row: Record<string, unknown>): void {
    for (const [field, target] of CHECKED_REFERENCES[table] ?? []) {
      const id = row[field];
      // Deleted rows count: a product deleted after the sale was rung up still existed.
      if (typeof id !== 'string' || this.store.rows.get(target, id)) continue;
      throw new MostradorError('VALIDATION', `${table}: ${field} ${id} names no ${target} row known here.`);
    }
  }

  private assertUnique(table: TableName, row: Record<string, unknown>): void {
    if (row.deletedAt) return;
    for (const field of uniqueFieldsOf(table)) {
      const value = row[field];
      if (value === null || value === undefined) continue;
      if (this.uniqueCheck(table, field).get(value, row.id)) {
        throw new MostradorError('UNIQUE_VIOLATION', `Another ${table} row already has ${field} "${String(value)}".`);
      }
    }
  }

  private uniqueCheck(table: TableName, field: string) {
    const key = `${table}.${field}`;
    let statement = this.uniqueChecks.get(key);
    if (!statement) {
      statement = this.store.db.prepare<[unknown, unknown]>(
        `SELECT 1 FROM "${table}" WHERE "${field}" = ? AND id <> ? AND deletedAt IS NULL LIMIT 1`,
      );
      this.uniqueChecks.set(key, statement);
    }
    return statement;
  }
}

/** Why a user cannot sign here: not logged in, or (a user from before signed writes) no key yet. */
function notLoggedIn(store: LocalStore, actor: Actor): MostradorError {
  const user = store.rows.get('users', actor.id);
  if (user && !user.sealedKey) {
    return new MostradorError(
      'NOT_LOGGED_IN',
      `${String(user.username)} has no signing key yet: an admin must set this user's password before they can write.`,
    );
  }
  return new MostradorError('NOT_LOGGED_IN', "Log in first: a write is signed with its user's key.");
}

function rejectUnknownFields(table: TableName, input: Record<string, unknown>): void {
  const known = new Set(columnsOf(table));
  const unknown = Object.keys(input).filter((key) => !known.has(key));
  if (unknown.length > 0) throw new MostradorError('VALIDATION', `${table} has no field ${unknown.join(', ')}.`);
}

/** The wire schema treats optional fields as absent-or-null; required ones must not be null. */
function withoutNulls(row: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(row).filter(([key, value]) => value !== null || key in BASE_FIELDS));
}

function assertAllowed(table: TableName, existing: AnyRow | null, input: Record<string, unknown>, actor: Actor): void {
  const spec = tableSpec(table);
  if (spec.mode === 'voidable' && existing) {
    assertVoid(table, existing, input, actor);
    return;
  }
  if (!canWrite(actor.role, table)) {
    throw new MostradorError('FORBIDDEN', `A ${actor.role} cannot write ${table}.`);
  }
  if (spec.mode === 'insertOnly' && existing) {
    throw new MostradorError('IMMUTABLE', `${table} rows are written once and never changed.`);
  }
}

/** A written voidable row (a sale) may only change to `voided`, with its reason, by the void roles. */
function assertVoid(table: TableName, existing: AnyRow, input: Record<string, unknown>, actor: Actor): void {
  const changed = Object.keys(input).filter((key) => key !== 'id' && !STAMPED.has(key) && input[key] !== existing[key]);
  const frozen = changed.filter((key) => !(VOID_FIELDS as readonly string[]).includes(key));
  if (frozen.length > 0 || changed.includes('deletedAt')) {
    throw new MostradorError(
      'IMMUTABLE',
      `A written ${table} row can only be voided (tried to change ${changed.join(', ')}).`,
    );
  }
  if (input.status !== 'voided' || existing.status === 'voided') {
    throw new MostradorError('IMMUTABLE', `A written ${table} row can only change by being voided once.`);
  }
  if (!(tableSpec(table).voidRoles ?? []).includes(actor.role)) {
    throw new MostradorError('FORBIDDEN', `A ${actor.role} cannot void ${table}.`);
  }
}
