import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { tempDataDir } from '../../../../test/support/station.js';
import { DATABASE_FILE, openDatabase } from './database.js';
import { LocalStore } from './store.js';

describe('the station database in its data folder', () => {
  it('creates the schema once and reopens it without migrating again', () => {
    const dir = tempDataDir('db');
    const store = LocalStore.open(dir, { create: true });
    store.meta.set('cursor', 42);
    const node = store.meta.get('nodeId');
    store.close();
    const again = LocalStore.open(dir);
    expect(again.meta.getNumber('cursor')).toBe(42);
    expect(again.meta.get('nodeId')).toBe(node);
    expect(again.db.pragma('journal_mode', { simple: true })).toBe('wal');
    again.close();
  });

  it('refuses a folder without a station as NOT_ENROLLED, creating nothing', () => {
    const dir = tempDataDir('none');
    expect(() => openDatabase(dir, { create: false })).toThrow(expect.objectContaining({ code: 'NOT_ENROLLED' }));
  });

  it('refuses a text file named like the database as DATA_CORRUPT and leaves it untouched', () => {
    const dir = tempDataDir('text');
    mkdirSync(dir, { recursive: true });
    const path = join(dir, DATABASE_FILE);
    writeFileSync(path, 'this is a shopping list, not a database\n'.repeat(100));
    expect(() => openDatabase(dir, { create: true })).toThrow(expect.objectContaining({ code: 'DATA_CORRUPT' }));
    expect(readFileSync(path, 'utf8')).toMatch(/^this is a shopping list/);
  });

  it('refuses a SQLite file that belongs to something else as DATA_CORRUPT without migrating it', () => {
    const dir = tempDataDir('foreign');
    mkdirSync(dir, { recursive: true });
    const foreign = new Database(join(dir, DATABASE_FILE));
    foreign.exec('CREATE TABLE recipes (name TEXT)');
    foreign.close();
    expect(() => openDatabase(dir, { create: true })).toThrow(/does not belong to a Mostrador station/);
    const check = new Database(join(dir, DATABASE_FILE));
    expect(check.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").all()).toEqual([{ name: 'recipes' }]);
    check.close();
  });
});
