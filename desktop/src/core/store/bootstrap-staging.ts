import { columnsOf, TABLE_NAMES, type TableName } from '@mostrador/common';
import type Database from 'better-sqlite3';
import type { Db } from './database.js';

/**
 * Bootstrap staging. Synced tables are keyed by random-looking UUIDs, so a bootstrap that
 * upserts pulled rows straight into them touches a random leaf of each table's B-tree per
 * row: once a table outgrows SQLite's page cache, every page of 10,000 rows dirties
 * thousands of pages and the cost per page grows with the table (140 ms for the first
 * pages of a million-row bootstrap, 650–900 ms past 500,000 rows).
 *
 * While the station is empty, pulled pages are appended instead to one staging table per
 * synced table (rowid tables, no key: every insert is an append), each page and its cursor
 * in one transaction as always. When the bootstrap ends, each table is filled from its
 * staging table in id order — appends to the real B-tree — keeping the newest version of a
 * row that arrived twice. If the process dies in between, the next open finishes the merge
 * before anything else, so a crashed bootstrap leaves no row only in staging.
 */
const KEY = 'bootstrapStaging';

const stagingName = (table: TableName) => `bootstrap_${table}`;

export function isStaging(db: Db): boolean {
  const hasMeta = db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'meta'").get();
  return Boolean(hasMeta && db.prepare<[string]>('SELECT 1 FROM meta WHERE key = ?').get(KEY));
}

/** Start staging (one transaction): empty staging tables shaped like the synced ones. */
export function beginStaging(db: Db): void {
  db.transaction(() => {
    if (isStaging(db)) return;
    for (const table of TABLE_NAMES) {
      const quoted = columnsOf(table)
        .map((c) => `"${c}"`)
        .join(', ');
      db.exec(`DROP TABLE IF EXISTS "${stagingName(table)}"`);
      db.exec(`CREATE TABLE "${stagingName(table)}" AS SELECT ${quoted} FROM "${table}" WHERE 0`);
    }
    db.prepare('INSERT INTO meta (key, value) VALUES (?, ?)').run(KEY, '1');
  })();
}

/** Append statements per table, values bound in `columnsOf(table)` order. */
export function stagingInserts(db: Db): Map<TableName, Database.Statement<unknown[]>> {
  return new Map(
    TABLE_NAMES.map((table) => {
      const columns = columnsOf(table);
      const sql = `INSERT INTO "${stagingName(table)}" (${columns.map((c) => `"${c}"`).join(', ')})
        VALUES (${columns.map(() => '?').join(', ')})`;
      return [table, db.prepare(sql)];
    }),
  );
}

/**
 * Move every staged row into its table in id order (newest version first, so a row pulled
 * twice keeps its latest), drop the staging tables and end staging, in one transaction.
 * `guard` is the repository's condition for a pulled row to replace a stored one.
 */
export function finishStaging(db: Db, guard: (table: TableName) => string): void {
  if (!isStaging(db)) return;
  db.transaction(() => {
    for (const table of TABLE_NAMES) {
      const columns = columnsOf(table).map((c) => `"${c}"`);
      const updates = columns.filter((c) => c !== '"id"').map((c) => `${c} = excluded.${c}`);
      // `WHERE true` keeps SQLite from reading ON CONFLICT as part of the SELECT's join.
      db.exec(
        `INSERT INTO "${table}" (${columns.join(', ')})
         SELECT ${columns.join(', ')} FROM "${stagingName(table)}" WHERE true ORDER BY id, version DESC
         ON CONFLICT (id) DO UPDATE SET ${updates.join(', ')} WHERE ${guard(table)}`,
      );
      db.exec(`DROP TABLE "${stagingName(table)}"`);
    }
    db.prepare('DELETE FROM meta WHERE key = ?').run(KEY);
  })();
}

/**
 * Run one staged page's transaction without waiting for the disk: with `synchronous =
 * NORMAL` a WAL commit is not fsynced (a checkpoint still is). A power cut may then lose the
 * last pages and their cursor together — never corrupt the file, which stays at the end of
 * a whole earlier page — and the resumed bootstrap pulls them again. Only the page's own
 * commit runs so: no await separates the pragmas from it, so no local write (a sale) can
 * commit in between, and the next FULL commit makes these frames durable with its own.
 */
export function withoutFsync<T>(db: Db, work: () => T): T {
  db.pragma('synchronous = NORMAL');
  try {
    return work();
  } finally {
    db.pragma('synchronous = FULL');
  }
}
