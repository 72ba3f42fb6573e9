/**
 * The login screen's state read straight from a station's database, for the moment the
 * station core is still loading (issue 11): better-sqlite3 and one query, nothing of the
 * core. Only a ready station is peeked at; anything else waits for the core's own answer.
 */
import Database from 'better-sqlite3';
import { databasePath } from '../core/store/database-file.js';
import type { AppState } from '../shared/channels.js';

type MetaOf = (key: 'bootstrapped' | 'cursor') => string | null;

/** A station enrolled but never fully pulled (the app closed mid-bootstrap) bootstraps again. */
export function finishedBootstrap(meta: MetaOf): boolean {
  return Boolean(meta('bootstrapped')) || Number(meta('cursor') ?? 0) > 0;
}

/** The state a ready station opens in, or undefined (not enrolled, bootstrapping, unreadable). */
export function peekReadyState(dataDir: string, suggestedServerUrl: string | null): AppState | undefined {
  let db: Database.Database | undefined;
  try {
    db = new Database(databasePath(dataDir), { readonly: true, fileMustExist: true });
    const rows = db.prepare<[], { key: string; value: string | null }>('SELECT key, value FROM meta').all();
    const meta = new Map(rows.map(({ key, value }) => [key, value]));
    const id = meta.get('stationId');
    if (!id || !finishedBootstrap((key) => meta.get(key) ?? null)) return undefined;
    return {
      phase: 'ready',
      station: { id, name: meta.get('stationName') ?? '' },
      serverUrl: meta.get('serverUrl') ?? null,
      suggestedServerUrl,
      bootstrap: null,
      lastError: null,
    };
  } catch {
    return undefined;
  } finally {
    db?.close();
  }
}
