import { type AnyRow, columnsOf, TABLE_NAMES, type TableName } from '@mostrador/common';
import type Database from 'better-sqlite3';
import type { Db } from './database.js';
import { fromSqlRow, toSqlValues } from './rows.js';

type Statement = Database.Statement<unknown[], Record<string, unknown>>;

interface TableStatements {
  get: Statement;
  /** Write a row whatever is stored (local writes, adopted winners). */
  put: Statement;
  /** Write a pulled row only if it is newer than the stored one and no pending group holds it. */
  applyRemote: Statement;
  remove: Statement;
  all: Statement;
}

/**
 * The generic repository: one set of prepared statements per table of the registry, so a
 * new table needs no new code here. Columns are bound positionally in `columnsOf` order.
 */
export class Repository {
  private readonly statements: Map<TableName, TableStatements>;

  constructor(readonly db: Db) {
    this.statements = new Map(TABLE_NAMES.map((table) => [table, prepareTable(db, table)]));
  }

  private of(table: TableName): TableStatements {
    return this.statements.get(table) as TableStatements;
  }

  get(table: TableName, id: string): AnyRow | null {
    const stored = this.of(table).get.get(id);
    return stored ? fromSqlRow(table, stored) : null;
  }

  put(table: TableName, row: Record<string, unknown>): void {
    this.of(table).put.run(...toSqlValues(table, row));
  }

  /** Values already in `columnsOf(table)` order and SQL form; true when the row was written. */
  applyRemoteValues(table: TableName, values: unknown[]): boolean {
    return this.of(table).applyRemote.run(values).changes > 0;
  }

  /** Forget a row entirely (a group the server rejected, for a row the server never had). */
  remove(table: TableName, id: string): void {
    this.of(table).remove.run(id);
  }

  /** Every row of a table sorted by id, deleted ones included. */
  all(table: TableName): AnyRow[] {
    return this.of(table)
      .all.all()
      .map((stored) => fromSqlRow(table, stored));
  }

  /** Every row of a table, one at a time (memory stays flat however many rows there are). */
  *each(table: TableName): IterableIterator<AnyRow> {
    for (const stored of this.of(table).all.iterate()) yield fromSqlRow(table, stored);
  }
}

/**
 * When a pulled row (`excluded`) may replace the stored one: it is newer, and no PENDING (or
 * not yet signed) local group holds it. A held or rejected local version never blocks a
 * newer one from the server (the pull keeps it in `conflicts`).
 */
export function remoteGuard(table: TableName): string {
  return `excluded.version > "${table}".version
    AND NOT EXISTS (SELECT 1 FROM outbox_rows r JOIN outbox_groups g ON g.seq = r.groupSeq
      WHERE r.tableName = '${table}' AND r.rowId = excluded.id AND g.state IN ('pending', 'unsigned'))`;
}

function prepareTable(db: Db, table: TableName): TableStatements {
  const columns = columnsOf(table);
  const quoted = columns.map((c) => `"${c}"`).join(', ');
  const params = columns.map(() => '?').join(', ');
  const updates = columns
    .filter((c) => c !== 'id')
    .map((c) => `"${c}" = excluded."${c}"`)
    .join(', ');
  const upsert = `INSERT INTO "${table}" (${quoted}) VALUES (${params}) ON CONFLICT (id) DO UPDATE SET ${updates}`;
  return {
    get: db.prepare(`SELECT ${quoted} FROM "${table}" WHERE id = ?`),
    put: db.prepare(upsert),
    applyRemote: db.prepare(`${upsert} WHERE ${remoteGuard(table)}`),
    remove: db.prepare(`DELETE FROM "${table}" WHERE id = ?`),
    all: db.prepare(`SELECT ${quoted} FROM "${table}" ORDER BY id`),
  };
}
