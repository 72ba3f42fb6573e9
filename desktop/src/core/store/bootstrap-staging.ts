import { TABLE_NAMES } from '@mostrador/common';
import type { Db } from './database.js';

/**
 * Before the bootstrap read the server's snapshot in id order (core/sync/snapshot.ts), it
 * appended pulled pages to staging tables (`bootstrap_<table>`) and merged them into their
 * tables at the end. A station that died mid-bootstrap under that version holds rows only
 * there, under a cursor that counts them as pulled: its bootstrap starts over from cursor 0
 * (rows already in their tables stay, and pulled rows replace them under the version
 * guard), so none is lost.
 */
const KEY = 'bootstrapStaging';

export function abandonStaging(db: Db): void {
  const hasMeta = db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'meta'").get();
  if (!hasMeta || !db.prepare<[string]>('SELECT 1 FROM meta WHERE key = ?').get(KEY)) return;
  db.transaction(() => {
    for (const table of TABLE_NAMES) db.exec(`DROP TABLE IF EXISTS "bootstrap_${table}"`);
    db.prepare("DELETE FROM meta WHERE key IN (?, 'cursor', 'head')").run(KEY);
  })();
}
