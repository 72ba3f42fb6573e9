import { columnsOf } from '@mostrador/common';
import { describe, expect, it } from 'vitest';
import { tempDataDir } from '../../../../test/support/station.js';
import { applyPulledPage, type PullPage } from '../sync/pull.js';
import { beginStaging, finishStaging, isStaging } from './bootstrap-staging.js';
import { remoteGuard } from './repository.js';
import { LocalStore } from './store.js';

const USER = '00000000-0000-4000-8000-000000000001';

function customer(id: string, name: string, version: string): Record<string, unknown> {
  return {
    id,
    createdAt: '2026-11-01T10:00:00.000Z',
    updatedAt: '2026-11-01T10:00:00.000Z',
    deletedAt: null,
    version,
    updatedBy: USER,
    name,
    taxId: null,
    phone: null,
    email: null,
  };
}

function pageOf(rows: Record<string, unknown>[], cursor: number): PullPage {
  const columns = columnsOf('customers');
  return {
    tables: { customers: { columns, rows: rows.map((row) => columns.map((c) => row[c])) } },
    count: rows.length,
    cursor,
    head: 10,
    hasMore: true,
  };
}

const v = (n: number) => `2026-11-01T10:00:0${n}.000Z-0000-00000000000000a1`;
const A = '0190a000-0000-7000-8000-00000000000a';
const B = '0190a000-0000-7000-8000-00000000000b';

describe('bootstrap staging', () => {
  it('keeps the newest version of a row pulled twice and shows nothing until the merge', () => {
    const store = LocalStore.open(tempDataDir('staging'), { create: true });
    beginStaging(store.db);
    applyPulledPage(store, pageOf([customer(B, 'Beatriz', v(1)), customer(A, 'Ana', v(2))], 2), true);
    applyPulledPage(store, pageOf([customer(A, 'Ana María', v(3))], 3), true);
    expect(store.rows.all('customers')).toEqual([]);
    expect(store.meta.getNumber('cursor')).toBe(3);

    finishStaging(store.db, remoteGuard);
    store.rows.endStaging();
    expect(isStaging(store.db)).toBe(false);
    expect(store.rows.all('customers').map((row) => [row.name, row.version])).toEqual([
      ['Ana María', v(3)],
      ['Beatriz', v(1)],
    ]);
    store.close();
  });

  it('finishes the merge when a station that died mid-bootstrap is opened again', () => {
    const dir = tempDataDir('staging-crash');
    const store = LocalStore.open(dir, { create: true });
    beginStaging(store.db);
    applyPulledPage(store, pageOf([customer(A, 'Ana', v(2))], 1), true);
    store.close(); // the process dies here: rows only in staging

    const reopened = LocalStore.open(dir);
    expect(isStaging(reopened.db)).toBe(false);
    expect(reopened.rows.get('customers', A)?.name).toBe('Ana');
    expect(reopened.meta.getNumber('cursor')).toBe(1);
    const staging = reopened.db.prepare("SELECT name FROM sqlite_master WHERE name LIKE 'bootstrap_%'").all();
    expect(staging).toEqual([]);
    reopened.close();
  });
});
