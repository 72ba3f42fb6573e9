/**
 * Rows as screens list them: live ones only, filtered by a search over their text fields,
 * most recently changed first (what someone just entered is on top, however long the
 * list), and never a password hash or key.
 */
import { type AnyRow, fieldsOf, MostradorError, type TableName } from '@mostrador/common';
import type Database from 'better-sqlite3';
import type { Station } from '../core/index.js';
import { fromSqlRow } from '../core/store/rows.js';
import type { ChangedRow } from '../shared/channels.js';

const HIDDEN_FIELDS = new Set(['passwordHash', 'sealedKey', 'publicKey']);

export function withoutSecrets(row: AnyRow): AnyRow {
  return Object.fromEntries(Object.entries(row).filter(([name]) => !HIDDEN_FIELDS.has(name))) as AnyRow;
}

function textFields(table: TableName): string[] {
  return Object.entries(fieldsOf(table))
    .filter(([name, spec]) => spec.type === 'string' && !HIDDEN_FIELDS.has(name) && name !== 'version')
    .map(([name]) => name);
}

const byTable = new WeakMap<
  Database.Database,
  Map<string, Database.Statement<[Record<string, unknown>], Record<string, unknown>>>
>();

/** Lower case without accents, in any script: "CAFÉ" and "cafe" both find "Café molido". */
export function fold(text: string): string {
  return text.normalize('NFD').replace(/\p{M}/gu, '').toLocaleLowerCase();
}

/** SQLite's lower() and LIKE fold ASCII only, so searches call `fold` inside SQLite. */
function statementFor(db: Database.Database, table: TableName, searching: boolean) {
  let statements = byTable.get(db);
  if (!statements) {
    db.function('mostrador_fold', { deterministic: true }, (value: unknown) =>
      typeof value === 'string' ? fold(value) : null,
    );
    statements = new Map();
    byTable.set(db, statements);
  }
  const key = `${table}|${searching}`;
  let statement = statements.get(key);
  if (!statement) {
    const match = textFields(table)
      .map((field) => `instr(mostrador_fold("${field}"), @q) > 0`)
      .join(' OR ');
    statement = db.prepare(
      `SELECT * FROM "${table}" WHERE deletedAt IS NULL ${searching ? `AND (${match})` : ''}
       ORDER BY updatedAt DESC, id DESC LIMIT @limit`,
    );
    statements.set(key, statement);
  }
  return statement;
}

/**
 * The newest `limit` live rows matching `search`, read by SQLite with the limit applied
 * there (an index on updatedAt serves the unfiltered list), so a screen over 50,000 rows
 * reads 500 of them, not all.
 */
export function listRows(station: Station, table: TableName, search = '', limit = 500): AnyRow[] {
  const wanted = fold(search.trim());
  const statement = statementFor(station.store.db, table, wanted !== '');
  const params = wanted === '' ? { limit } : { q: wanted, limit };
  return statement.all(params).map((row) => withoutSecrets(fromSqlRow(table, row)));
}

const pageStatements = new WeakMap<Database.Database, Map<string, Database.Statement>>();

/**
 * A page's statements, prepared once per text: a list re-read on every change pulled from
 * elsewhere does not parse its SQL again each time. The texts are few (a table, a sort
 * field and direction, searching or not), so the cache stays small.
 */
function prepared(db: Database.Database, sql: string): Database.Statement {
  let statements = pageStatements.get(db);
  if (!statements) {
    statements = new Map();
    pageStatements.set(db, statements);
  }
  let statement = statements.get(sql);
  if (!statement) {
    statement = db.prepare(sql);
    statements.set(sql, statement);
  }
  return statement;
}

export interface RowPageRequest {
  search?: string;
  /** A field of the table; the most recently changed first when absent. */
  sort?: string;
  descending?: boolean;
  offset?: number;
  limit?: number;
}

/**
 * One page of a list, sorted and filtered in SQLite (issue 13): a list of 50,000 products
 * costs one indexed or sorted query per page, never the whole table over the channel.
 */
export function pageRows(
  station: Station,
  table: TableName,
  request: RowPageRequest,
): { rows: AnyRow[]; total: number } {
  const fields = fieldsOf(table);
  const sort = request.sort ?? 'updatedAt';
  if (!Object.hasOwn(fields, sort) || HIDDEN_FIELDS.has(sort)) {
    throw new MostradorError('VALIDATION', `${table} cannot be sorted by ${sort}.`);
  }
  const descending = request.sort === undefined ? true : Boolean(request.descending);
  const limit = Math.min(Math.max(request.limit ?? 50, 1), 500);
  const offset = Math.max(request.offset ?? 0, 0);
  const wanted = (request.search ?? '').trim().toLocaleLowerCase();
  const searchable = textFields(table);
  const where = ['deletedAt IS NULL'];
  const params: unknown[] = [];
  if (wanted) {
    where.push(`(${searchable.map((field) => `instr(lower("${field}"), ?) > 0`).join(' OR ')})`);
    for (const _ of searchable) params.push(wanted);
  }
  const text = fields[sort]?.type === 'string';
  const order = `${text ? `"${sort}" COLLATE NOCASE` : `"${sort}"`} ${descending ? 'DESC' : 'ASC'}, id`;
  const db = station.store.db;
  const total = (
    prepared(db, `SELECT count(*) AS n FROM "${table}" WHERE ${where.join(' AND ')}`).get(...params) as { n: number }
  ).n;
  const rows = prepared(
    db,
    `SELECT * FROM "${table}" WHERE ${where.join(' AND ')} ORDER BY ${order} LIMIT ? OFFSET ?`,
  ).all(...params, limit, offset) as Record<string, unknown>[];
  return { rows: rows.map((row) => withoutSecrets(fromSqlRow(table, row))), total };
}

/**
 * Most changed rows a `data:changed` event carries: a live notice's few rows, read back by
 * id. A bigger pull only names its tables and the screens re-read.
 */
export const CHANGED_ROWS_SENT = 50;

/**
 * The rows a pull just stored, as lists show them, to travel with `data:changed`; null when
 * there are too many, or a users row is among them (any logged-in user hears the event, and
 * only an admin may list users): the screens re-read then.
 */
export function changedRows(station: Station, tables: TableName[], ids: string[]): ChangedRow[] | null {
  if (ids.length === 0 || ids.length > CHANGED_ROWS_SENT || tables.includes('users')) return null;
  const rows: ChangedRow[] = [];
  for (const id of ids) {
    const found = tables
      .map((table) => ({ table, row: station.store.rows.get(table, id) }))
      .find((candidate) => candidate.row !== null);
    if (!found?.row) return null;
    rows.push({ table: found.table, row: withoutSecrets(found.row) });
  }
  return rows;
}
