import { mkdirSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { LocalStore } from './store.js';

export interface StationBackup {
  /** Absolute path of the copy. */
  file: string;
  bytes: number;
  at: string;
}

/** Where a station keeps its own copies: `backups/` inside its data folder. */
export function backupFolder(store: LocalStore): string {
  return join(dirname(store.db.name), 'backups');
}

/**
 * A consistent copy of the station's database while it keeps running: SQLite's online
 * backup copies page by page and restarts a step when a write lands in between, so the copy
 * is one committed state (WAL included) and the counter never stops selling.
 */
export async function backupStation(store: LocalStore, file?: string): Promise<StationBackup> {
  const at = store.nowIso();
  const target = file ?? join(backupFolder(store), `station-${at.replace(/[:.]/g, '-')}.db`);
  mkdirSync(dirname(target), { recursive: true });
  await store.db.backup(target);
  return { file: target, bytes: statSync(target).size, at };
}
