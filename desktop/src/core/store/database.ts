import { chmodSync, closeSync, existsSync, mkdirSync, openSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { MostradorError } from '@mostrador/common';
import Database from 'better-sqlite3';
import { abandonStaging } from './bootstrap-staging.js';
import { databasePath } from './database-file.js';
import { restoreIndexes } from './deferred-indexes.js';

export { DATABASE_FILE, databasePath } from './database-file.js';

export type Db = Database.Database;

/** `PRAGMA application_id` of a station database ('MSTN'); set by the first local migration. */
export const APPLICATION_ID = 0x4d53544e;

const LOCAL_MIGRATIONS_DIR = fileURLToPath(new URL('../../../../migrations/local/', import.meta.url));

/**
 * Open (and with `create`, make) the station database of a data folder and bring it to the
 * latest local schema. A file that is not SQLite, or a SQLite file that is not a station's,
 * is refused with DATA_CORRUPT instead of being migrated over.
 */
export function openDatabase(dataDir: string, options: { create: boolean }): Db {
  const path = databasePath(dataDir);
  if (!existsSync(path)) {
    if (!options.create) throw new MostradorError('NOT_ENROLLED');
    // The folder holds the station token and everyone's sealed keys: its owner's eyes only.
    mkdirSync(dataDir, { recursive: true, mode: 0o700 });
    // Created 0600 before SQLite opens it; SQLite gives the -wal and -shm files the same mode.
    closeSync(openSync(path, 'a', 0o600));
  } else if (statSync(path).isDirectory()) {
    throw new MostradorError('DATA_CORRUPT', `${path} is a folder, not a station database.`);
  }
  ownerOnly(dataDir, path);
  pinTimeZone();
  let db: Db | undefined;
  try {
    db = new Database(path);
    db.pragma('journal_mode = WAL');
    // FULL: a write the user saw succeed (and its outbox entry) survives a power cut.
    db.pragma('synchronous = FULL');
    db.pragma('busy_timeout = 5000');
    assertOurs(db, path);
    restoreIndexes(db);
    migrate(db);
    abandonStaging(db);
    return db;
  } catch (error) {
    db?.close();
    if (error instanceof MostradorError) throw error;
    const code = (error as { code?: unknown }).code;
    if (code === 'SQLITE_NOTADB' || code === 'SQLITE_CORRUPT') {
      throw new MostradorError('DATA_CORRUPT', `${path} is not a readable station database (${code}).`);
    }
    throw error;
  }
}

/**
 * SQLite's 'localtime' (the report rollups' days and hours) asks the C library, which with TZ
 * unset stats /etc/localtime again on every call: rebuilding the rollups after a bootstrap of
 * 200,000 sales spent 1.4 s of system time there. Naming the zone this process already uses
 * (Intl reads it once, at start) lets the library keep it. Windows' C library reads TZ in
 * another syntax, and is left alone.
 */
function pinTimeZone(): void {
  if (process.env.TZ || process.platform === 'win32') return;
  const zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
  if (zone && zone !== 'Etc/Unknown') process.env.TZ = zone;
}

/** Tighten a station folder made before its files were private (or by a lax umask). */
function ownerOnly(dataDir: string, path: string): void {
  if (process.platform === 'win32') return;
  for (const file of [path, `${path}-wal`, `${path}-shm`]) {
    if (existsSync(file) && (statSync(file).mode & 0o077) !== 0) chmodSync(file, 0o600);
  }
  if ((statSync(dataDir).mode & 0o077) !== 0) chmodSync(dataDir, 0o700);
}

function assertOurs(db: Db, path: string): void {
  const applicationId = db.pragma('application_id', { simple: true });
  const tables = db.prepare("SELECT count(*) AS n FROM sqlite_master WHERE type = 'table'").get() as { n: number };
  const fresh = applicationId === 0 && tables.n === 0;
  if (!fresh && applicationId !== APPLICATION_ID) {
    throw new MostradorError(
      'DATA_CORRUPT',
      `${path} is a SQLite database that does not belong to a Mostrador station.`,
    );
  }
}

/** Local migrations: `NNN_name.sql` files applied in order, each in one transaction, tracked by `user_version`. */
export function localMigrations(): { version: number; sql: string }[] {
  return readdirSync(LOCAL_MIGRATIONS_DIR)
    .filter((file) => /^\d+_.*\.sql$/.test(file))
    .sort()
    .map((file) => ({
      version: Number.parseInt(file, 10),
      sql: readFileSync(join(LOCAL_MIGRATIONS_DIR, file), 'utf8'),
    }));
}

function migrate(db: Db): void {
  const current = () => db.pragma('user_version', { simple: true }) as number;
  const migrations = localMigrations();
  const latest = migrations.at(-1)?.version ?? 0;
  if (current() > latest) {
    throw new MostradorError(
      'DATA_CORRUPT',
      `The station database is newer (schema ${current()}) than this app (${latest}).`,
    );
  }
  for (const { version, sql } of migrations) {
    if (version <= current()) continue;
    // Another process may be opening the same folder (the app and a `station` command after
    // an upgrade): the version is read again under the write lock, so only one applies it.
    db.transaction(() => {
      if (current() >= version) return;
      db.exec(sql);
      db.pragma(`user_version = ${version}`);
    }).immediate();
  }
}
