/**
 * Rows as screens list them: live ones only, filtered by a search over their text fields,
 * most recently changed first (what someone just entered is on top, however long the
 * list), and never a password hash or key.
 */
import { type AnyRow, fieldsOf, type TableName } from '@mostrador/common';
import type Database from 'better-sqlite3';
import type { Station } from '../core/index.js';
import { fromSqlRow } from '../core/store/rows.js';

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
