import { TABLE_NAMES } from '@mostrador/common';
import type { Db } from './database.js';

/**
 * A bootstrap writes every row of an empty database. Keeping the secondary indexes (SKU,
 * barcode, name, …) up to date row by row costs about 40% of that; building them once at
 * the end is a sort and much cheaper. So a bootstrap drops them, remembering their
 * definitions in `meta` in the same transaction, and rebuilds them when it ends. If the
 * process dies in between, the next open rebuilds them before anything else.
 */
const KEY = 'deferredIndexes';

export function deferIndexes(db: Db): void {
  db.transaction(() => {
    if (pendingIndexes(db)) return;
    const placeholders = TABLE_NAMES.map(() => '?').join(', ');
    const indexes = db
      .prepare<string[], { name: string; sql: string }>(
        `SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL AND tbl_name IN (${placeholders})`,
      )
      .all(...TABLE_NAMES);
    if (indexes.length === 0) return;
    db.prepare('INSERT INTO meta (key, value) VALUES (?, ?)').run(KEY, JSON.stringify(indexes.map((i) => i.sql)));
    for (const { name } of indexes) db.exec(`DROP INDEX "${name}"`);
  })();
}

export function restoreIndexes(db: Db): void {
  const pending = pendingIndexes(db);
  if (!pending) return;
  db.transaction(() => {
    for (const sql of pending) db.exec(sql.replace(/^CREATE INDEX /i, 'CREATE INDEX IF NOT EXISTS '));
    db.prepare('DELETE FROM meta WHERE key = ?').run(KEY);
  })();
}

function pendingIndexes(db: Db): string[] | null {
  const hasMeta = db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'meta'").get();
  if (!hasMeta) return null;
  const row = db.prepare<[string], { value: string }>('SELECT value FROM meta WHERE key = ?').get(KEY);
  return row ? (JSON.parse(row.value) as string[]) : null;
}
