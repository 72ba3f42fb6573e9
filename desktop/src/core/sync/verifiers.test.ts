/**
 * Issue 12, offline login hashes: a station receives the password verifiers (hash and sealed
 * signing key) only of the users allowed to log in there, by its ceiling. Real server
 * (PostgreSQL), real stations (SQLite), real HTTP.
 */
import { type AnyRow, type Role, WITHHELD_PASSWORD_HASH } from '@mostrador/common';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loginAdmin, startTestServer, type TestServer } from '../../../../test/support/server.js';
import { openTestStation, stationToken, tempDataDir } from '../../../../test/support/station.js';
import { pullAll } from '../../../../test/support/sync-client.js';
import { Station } from '../station.js';

let server: TestServer;
let adminToken: string;
let backOffice: Station;
const stations: Station[] = [];
const PASSWORDS = { cata: 'cata-pass-12', mara: 'mara-pass-12', adela: 'adela-pass-12' } as const;

beforeAll(async () => {
  server = await startTestServer();
  adminToken = await loginAdmin(server.url, server.adminPassword);
  backOffice = await openTestStation(server, 'back-office');
  stations.push(backOffice);
  const people: [keyof typeof PASSWORDS, Role][] = [
    ['cata', 'cashier'],
    ['mara', 'manager'],
    ['adela', 'admin'],
  ];
  for (const [username, role] of people) {
    await backOffice.shop.saveUser({
      username,
      displayName: username,
      role,
      active: true,
      password: PASSWORDS[username],
    });
  }
  await backOffice.sync.sync();
});
afterAll(async () => {
  for (const s of stations) s.close();
  await server?.close();
});

async function counter(name: string, ceiling: Role): Promise<Station> {
  const s = await Station.enroll({
    dataDir: tempDataDir(name),
    serverUrl: server.url,
    name,
    username: 'admin',
    password: server.adminPassword,
    ceiling,
  });
  stations.push(s);
  await s.sync.pullChanges();
  return s;
}

/** The verifier columns of a user as the station's SQLite holds them. */
function verifiers(s: Station, username: string): { passwordHash: string; sealedKey: string | null } {
  const row = s.store.db
    .prepare<[string], { passwordHash: string; sealedKey: string | null }>(
      'SELECT passwordHash, sealedKey FROM users WHERE username = ?',
    )
    .get(username);
  if (!row) throw new Error(`no user ${username} at the station`);
  return row;
}

function holds(s: Station, username: string): boolean {
  const { passwordHash, sealedKey } = verifiers(s, username);
  if (passwordHash === WITHHELD_PASSWORD_HASH && sealedKey === null) return false;
  expect(passwordHash).toMatch(/^scrypt\$/);
  expect(sealedKey).toEqual(expect.any(String));
  return true;
}

async function setCeiling(s: Station, ceiling: Role): Promise<void> {
  const response = await fetch(`${server.url}/admin/stations/${s.id}/ceiling`, {
    method: 'POST',
    headers: { authorization: `Bearer ${adminToken}`, 'content-type': 'application/json' },
    body: JSON.stringify({ ceiling }),
  });
  expect(response.status).toBe(200);
}

describe('password verifiers by station ceiling', () => {
  it("never gives a cashier-ceiling counter an admin's or a manager's verifier; its cashiers log in offline", async () => {
    const till = await counter('till', 'cashier');
    expect(holds(till, 'cata')).toBe(true);
    for (const username of ['admin', 'adela', 'mara']) expect(holds(till, username)).toBe(false);
    // Names and roles still arrive (reports show them).
    expect(till.store.rows.all('users').map((u) => u.username)).toEqual(
      expect.arrayContaining(['admin', 'adela', 'mara', 'cata']),
    );

    await expect(till.login('admin', server.adminPassword)).rejects.toMatchObject({
      code: 'FORBIDDEN',
      message: expect.stringContaining('cannot log in at this station'),
    });
    await expect(till.login('mara', PASSWORDS.mara)).rejects.toMatchObject({ code: 'FORBIDDEN' });
    await expect(till.shop.approve('mara', PASSWORDS.mara)).rejects.toMatchObject({ code: 'FORBIDDEN' });
    // The cashier logs in from the station's own database and sells; the sale syncs.
    await till.login('cata', PASSWORDS.cata);
    const product = backOffice.shop.save('products', { sku: 'PAN', name: 'Pan', price: 120, active: true });
    await backOffice.sync.sync();
    await till.sync.sync();
    const { sale } = till.shop.recordSale({ items: [{ productId: product.id, quantity: 1 }], paymentMethod: 'cash' });
    await till.sync.sync();
    expect(till.flagged()).toEqual([]);
    expect(till.sync.pending).toBe(0);
    const onServer = await pullAll(server.url, stationToken(backOffice));
    expect(onServer.tables.get('sales')?.has(sale.id)).toBe(true);
    // The checksums agree: nothing to repair, now or at the next check.
    expect((await till.sync.checkIntegrity()).status).toBe('ok');
    expect((await till.sync.checkIntegrity()).status).toBe('ok');
  });

  it("gives a manager-ceiling counter the managers' verifiers and not the admins'", async () => {
    const desk = await counter('desk', 'manager');
    expect(holds(desk, 'cata')).toBe(true);
    expect(holds(desk, 'mara')).toBe(true);
    expect(holds(desk, 'adela')).toBe(false);
    expect(holds(desk, 'admin')).toBe(false);
    await desk.login('mara', PASSWORDS.mara);
    expect((await desk.shop.approve('mara', PASSWORDS.mara)).role).toBe('manager');
    await expect(desk.login('adela', PASSWORDS.adela)).rejects.toMatchObject({ code: 'FORBIDDEN' });
    expect((await desk.sync.checkIntegrity()).status).toBe('ok');
  });

  it('withholds them in every pull format, in later pulls, and in the repair rows', async () => {
    const till = await counter('till-2', 'cashier');
    const token = stationToken(till);
    // A password change after the bootstrap reaches the counter by an ordinary pull.
    const adela = till.store.rows.all('users').find((u) => u.username === 'adela') as AnyRow;
    await backOffice.shop.saveUser({ id: adela.id, password: 'adela-pass-13' });
    await backOffice.shop.saveUser({
      username: 'nico',
      displayName: 'Nico',
      role: 'cashier',
      active: true,
      password: 'nico-pass-12',
    });
    await backOffice.sync.sync();
    await till.sync.sync();
    expect(holds(till, 'adela')).toBe(false);
    expect(holds(till, 'nico')).toBe(true);
    await till.login('nico', 'nico-pass-12');

    for (const format of ['rows', 'columns'] as const) {
      const pulled = await pullAll(server.url, token, { format, limit: 3 });
      for (const user of pulled.tables.get('users')?.values() ?? []) {
        const withheld = user.role !== 'cashier';
        expect([user.username, user.passwordHash === WITHHELD_PASSWORD_HASH, user.sealedKey === null]).toEqual([
          user.username,
          withheld,
          withheld,
        ]);
      }
    }
    for (const bucket of '0123456789abcdef') {
      const response = await fetch(`${server.url}/sync/rows?table=users&bucket=${bucket}`, {
        headers: { authorization: `Bearer ${token}` },
      });
      expect(response.status).toBe(200);
      const body = await response.text();
      expect(body).not.toContain(verifiers(backOffice, 'adela').passwordHash);
      expect(body).not.toContain(verifiers(backOffice, 'admin').passwordHash);
    }
    expect((await till.sync.checkIntegrity()).status).toBe('ok');
  });

  it("brings or withdraws the verifiers when an admin changes a station's ceiling, then stays quiet", async () => {
    const till = await counter('till-3', 'cashier');
    expect(holds(till, 'mara')).toBe(false);
    await setCeiling(till, 'manager');
    const raised = await till.sync.checkIntegrity();
    expect(raised.status).toBe('repaired');
    expect(raised.repaired.every((r) => r.table === 'users')).toBe(true);
    expect(holds(till, 'mara')).toBe(true);
    expect(holds(till, 'adela')).toBe(false);
    await till.login('mara', PASSWORDS.mara);
    expect((await till.sync.checkIntegrity()).status).toBe('ok');

    await setCeiling(till, 'cashier');
    expect((await till.sync.checkIntegrity()).status).toBe('repaired');
    expect(holds(till, 'mara')).toBe(false);
    expect((await till.sync.checkIntegrity()).status).toBe('ok');
    expect(till.sync.pending).toBe(0);
  });

  it('never writes (so never pushes) a users row whose verifier the station was not given', async () => {
    // An admin logged in while the station was a back office; an admin then lowers its use.
    const office = await openTestStation(server, 'office-2');
    stations.push(office);
    await setCeiling(office, 'manager');
    expect((await office.sync.checkIntegrity()).status).toBe('repaired');
    expect(holds(office, 'adela')).toBe(false);
    const adela = office.store.rows.all('users').find((u) => u.username === 'adela') as AnyRow;
    const pending = office.sync.pending;
    await expect(office.shop.saveUser({ id: adela.id, displayName: 'Adela R.' })).rejects.toMatchObject({
      code: 'FORBIDDEN',
      message: expect.stringContaining('does not hold'),
    });
    expect(office.sync.pending).toBe(pending);
    expect(verifiers(office, 'adela').passwordHash).toBe(WITHHELD_PASSWORD_HASH);
    await office.sync.sync();
    // The server keeps her real verifiers, and the back office still has them.
    const onServer = await pullAll(server.url, stationToken(backOffice));
    expect(onServer.tables.get('users')?.get(adela.id)?.passwordHash).toMatch(/^scrypt\$/);
    expect(holds(backOffice, 'adela')).toBe(true);
    expect(office.flagged()).toEqual([]);
  });
});
