import { spawn } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { tempDataDir } from '../../../../test/support/station.js';
import { DATABASE_FILE, localMigrations } from './database.js';

/** The built store module (`npm test` builds first), as the `station` command loads it. */
const BUILT_DATABASE = fileURLToPath(new URL('../../../dist/core/store/database.js', import.meta.url));

/** A child process that opens the station folder: "opening" just before, then "opened" or its error. */
function openInChild(dataDir: string) {
  const script = `
    const { openDatabase } = await import(${JSON.stringify(BUILT_DATABASE)});
    console.log('opening');
    try {
      openDatabase(${JSON.stringify(dataDir)}, { create: false }).close();
      console.log('opened');
    } catch (error) {
      console.log('failed: ' + error.message);
    }`;
  const child = spawn(process.execPath, ['--input-type=module', '-e', script], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const lines: string[] = [];
  let opening: () => void = () => {};
  const started = new Promise<void>((resolve) => {
    opening = resolve;
  });
  createInterface({ input: child.stdout }).on('line', (line) => {
    lines.push(line);
    if (line === 'opening') opening();
  });
  const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
  return { started, exited, lines };
}

describe('two processes opening one station folder', () => {
  it('migrates it once: the one that waited finds it done', async () => {
    // A station database left at schema 1 by an older app, as after an upgrade.
    const dataDir = tempDataDir('concurrent-open');
    mkdirSync(dataDir, { recursive: true });
    const path = join(dataDir, DATABASE_FILE);
    const migrations = localMigrations();
    const other = new Database(path);
    try {
      other.pragma('journal_mode = WAL');
      other.exec(migrations[0]?.sql ?? '');
      other.pragma('user_version = 1');

      // This connection is "the other process": it holds the write lock while the child
      // starts opening, reads schema 1, and waits for the lock to migrate.
      other.exec('BEGIN IMMEDIATE');
      const child = openInChild(dataDir);
      // (A child that fails before opening exits instead: the assertions below say how.)
      await Promise.race([child.started, child.exited]);
      await new Promise((resolve) => setTimeout(resolve, 300));
      for (const { version, sql } of migrations.slice(1)) {
        other.exec(sql);
        other.pragma(`user_version = ${version}`);
      }
      other.exec('COMMIT');

      expect(await child.exited).toBe(0);
      expect(child.lines).toEqual(['opening', 'opened']);
      expect(other.pragma('user_version', { simple: true })).toBe(migrations.at(-1)?.version);
    } finally {
      other.close();
    }
  });
});
