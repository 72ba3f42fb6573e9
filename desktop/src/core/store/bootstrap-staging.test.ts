import { describe, expect, it } from 'vitest';
import { tempDataDir } from '../../../../test/support/station.js';
import { LocalStore } from './store.js';

describe('a bootstrap staged by an earlier version', () => {
  it('starts over from cursor 0 when the station died before the merge', () => {
    const dir = tempDataDir('staging-crash');
    const store = LocalStore.open(dir, { create: true });
    // What that version left: rows only in staging, a cursor counting them as pulled.
    store.db.exec('CREATE TABLE "bootstrap_customers" AS SELECT * FROM customers WHERE 0');
    store.db.prepare("INSERT INTO meta (key, value) VALUES ('bootstrapStaging', '1')").run();
    store.meta.set('cursor', 40);
    store.meta.set('head', 90);
    store.close();

    const reopened = LocalStore.open(dir);
    expect(reopened.meta.getNumber('cursor')).toBe(0);
    expect(reopened.meta.get('head')).toBeNull();
    const staging = reopened.db.prepare("SELECT name FROM sqlite_master WHERE name LIKE 'bootstrap_%'").all();
    expect(staging).toEqual([]);
    reopened.close();
  });
});
