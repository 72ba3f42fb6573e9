/**
 * The station's own refusals (issue 12), through the channel map as the renderer calls it
 * over the bridge: stock purchases and corrections need an admin or manager, the last
 * active admin cannot lock everyone out, and new passwords follow the policy.
 */
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { offlineStation } from '../../../test/support/station.js';
import { startUiBridge, type UiBridge } from '../bridge/server.js';
import type { Station } from '../core/index.js';

let folder: string;
let station: Station;
let bridge: UiBridge;

async function call(channel: string, body: unknown, cookie = '') {
  const response = await fetch(`${bridge.url}api/${channel}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(cookie ? { cookie } : {}) },
    body: JSON.stringify(body),
  });
  const json = (await response.json()) as Record<string, unknown> & { error?: { code: string; message: string } };
  return { status: response.status, json, cookie: (response.headers.get('set-cookie') ?? '').split(';')[0] ?? '' };
}

async function loginAs(username: string, password = `${username}-pass`): Promise<string> {
  const answer = await call('session:login', { username, password });
  expect(answer.status).toBe(200);
  return answer.cookie;
}

beforeAll(async () => {
  folder = mkdtempSync(join(tmpdir(), 'mostrador-station-hardening-'));
  const rendererDir = join(folder, 'renderer');
  mkdirSync(rendererDir);
  writeFileSync(join(rendererDir, 'index.html'), '<!doctype html><title>Mostrador</title>');
  station = await offlineStation([
    { username: 'admin', role: 'admin' },
    { username: 'cajera', role: 'cashier' },
  ]);
  station.store.meta.set('bootstrapped', 1);
  bridge = await startUiBridge({ station, port: 0, rendererDir });
});
afterAll(async () => {
  await bridge?.close();
  station?.close();
  await rm(folder, { recursive: true, force: true });
});

describe('station refusals', () => {
  it('lets only an admin or a manager record purchases and adjust stock', async () => {
    const admin = await loginAs('admin');
    const product = await call(
      'rows:save',
      { table: 'products', row: { sku: 'YERBA', name: 'Yerba', price: 3000, active: true } },
      admin,
    );
    const productId = (product.json.row as { id: string }).id;
    const cashier = await loginAs('cajera');
    for (const kind of ['purchase', 'adjustment']) {
      const refused = await call('stock:adjust', { productId, quantity: 5, kind, reason: 'x' }, cashier);
      expect(refused.status).toBe(403);
      expect(refused.json.error?.code).toBe('FORBIDDEN');
    }
    expect(station.shop.stockOf(productId)).toBe(0);
    const bought = await call('stock:adjust', { productId, quantity: 5, kind: 'purchase' }, admin);
    expect(bought.status).toBe(200);
    expect(station.shop.stockOf(productId)).toBe(5);
  });

  it('refuses to deactivate, demote or delete the last active admin, with a clear message', async () => {
    const admin = await loginAs('admin');
    const me = station.dump().tables.users.find((u) => u.username === 'admin') as { id: string };
    for (const row of [
      { id: me.id, active: false },
      { id: me.id, role: 'cashier' },
    ]) {
      const refused = await call('rows:save', { table: 'users', row }, admin);
      expect(refused.status).toBe(409);
      expect(refused.json.error).toEqual({ code: 'CONFLICT', message: expect.stringMatching(/^LAST_ADMIN: /) });
    }
    const removed = await call('rows:remove', { table: 'users', id: me.id }, admin);
    expect(removed.status).toBe(409);
    const stored = station.dump().tables.users.find((u) => u.id === me.id);
    expect(stored).toMatchObject({ role: 'admin', active: true, deletedAt: null });

    // With another active admin, the first may step down.
    const other = await call(
      'rows:save',
      {
        table: 'users',
        row: { username: 'jefa', displayName: 'Jefa', role: 'admin', active: true, password: 'vela-roja-77' },
      },
      admin,
    );
    expect(other.status).toBe(200);
    expect((await call('rows:save', { table: 'users', row: { id: me.id, role: 'manager' } }, admin)).status).toBe(200);
  });

  it('refuses weak new passwords with the rule that failed', async () => {
    // `admin` stepped down above; `jefa` is the admin now.
    const admin = await loginAs('jefa', 'vela-roja-77');
    for (const [password, problem] of [
      ['corta', 'too_short'],
      ['password123', 'too_common'],
      ['nuevo-usuario', 'same_as_username'],
    ]) {
      const refused = await call(
        'rows:save',
        {
          table: 'users',
          row: { username: 'nuevo-usuario', displayName: 'N', role: 'cashier', active: true, password },
        },
        admin,
      );
      expect(refused.status, password).toBe(400);
      expect(refused.json.error?.message).toMatch(new RegExp(`^WEAK_PASSWORD/${problem}: `));
    }
    expect(station.dump().tables.users.some((u) => u.username === 'nuevo-usuario')).toBe(false);
  });
});
