import { TABLE_NAMES } from '@mostrador/common';
import { REBUILD_ROLLUPS_SQL } from '../reports/rollups.js';
import type { Db } from './database.js';

/**
 * A bootstrap writes every row of an empty database. Keeping the secondary indexes (SKU,
 * barcode, name, …) up to date row by row costs about 40% of that; building them once at
 * the end is a sort and much cheaper. So a bootstrap drops them, remembering their
 * definitions in `meta` in the same transaction, and rebuilds them when it ends. If the
 * process dies in between, the next open rebuilds them before anything else.
 * The report rollups' triggers (issue 13) are set aside the same way, and the rollups are
 * rebuilt in one pass when they come back.
 */
const KEY = 'deferredIndexes';

export function deferIndexes(db: Db): void {
  db.transaction(() => {
    if (pendingIndexes(db)) return;
    const placeholders = TABLE_NAMES.map(() => '?').join(', ');
    const indexes = db
      .prepare<string[], { name: string; sql: string }>(
        `SELECT type, name, sql FROM sqlite_master
         WHERE type IN ('index', 'trigger') AND sql IS NOT NULL AND tbl_name IN (${placeholders})`,
      )
      .all(...TABLE_NAMES) as { type: string; name: string; sql: string }[];
    if (indexes.length === 0) return;
    db.prepare('INSERT INTO meta (key, value) VALUES (?, ?)').run(KEY, JSON.stringify(indexes.map((i) => i.sql)));
    for (const { type, name } of indexes) db.exec(`DROP ${type === 'trigger' ? 'TRIGGER' : 'INDEX'} "${name}"`);
  })();
}

export function restoreIndexes(db: Db): void {
  const pending = pendingIndexes(db);
  if (!pending) return;
  db.transaction(() => {
    let triggers = false;
    for (const sql of pending) {
      if (/^CREATE TRIGGER /i.test(sql)) {
        triggers = true;
        db.exec(sql.replace(/^CREATE TRIGGER /i, 'CREATE TRIGGER IF NOT EXISTS '));
      } else db.exec(sql.replace(/^CREATE INDEX /i, 'CREATE INDEX IF NOT EXISTS '));
    }
    if (triggers) db.exec(REBUILD_ROLLUPS_SQL);
    db.prepare('DELETE FROM meta WHERE key = ?').run(KEY);
  })();
}

function pendingIndexes(db: Db): string[] | null {
  const hasMeta = db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'meta'").get();
  if (!hasMeta) return null;
  const row = db.prepare<[string], { value: string }>('SELECT value FROM meta WHERE key = ?').get(KEY);
  return row ? (JSON.parse(row.value) as string[]) : null;
}
