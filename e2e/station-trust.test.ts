/**
 * A stolen station: a copy of a station's whole data folder, token included, run as a real
 * `station serve` process and used straight against the API. Without a user's password it
 * writes nothing as that user, locally or on the server.
 */
import { generateKeyPairSync } from 'node:crypto';
import { cpSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { AnyRow } from '@mostrador/common';
import Database from 'better-sqlite3';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { RowMaker, signedGroup } from '../test/support/rows.js';
import { ServeStation } from '../test/support/serve.js';
import { startTestServer, type TestServer } from '../test/support/server.js';
import { serverState } from '../test/support/station.js';
import { pushGroups } from '../test/support/sync-client.js';

let server: TestServer;
const running: ServeStation[] = [];

beforeAll(async () => {
  server = await startTestServer();
});
afterEach(async () => {
  await Promise.all(running.splice(0).map((s) => s.stop('SIGKILL')));
});
afterAll(async () => server?.close());

function tokenOf(dataDir: string): string {
  const db = new Database(join(dataDir, 'station.db'), { readonly: true });
  try {
    return (db.prepare("SELECT value FROM meta WHERE key = 'stationToken'").get() as { value: string }).value;
  } finally {
    db.close();
  }
}

describe('a copied station folder and its token', () => {
  it('cannot write as a user whose password it does not know, locally or on the server', async () => {
    const original = await ServeStation.enrolled(server, 'till');
    const copyDir = join(dirname(original.dataDir), 'stolen');
    cpSync(original.dataDir, copyDir, { recursive: true });
    const stolen = new ServeStation(copyDir, original.stationId);
    running.push(stolen);
    await stolen.start([], { MOSTRADOR_PASSWORD: '' });

    const users = await usersOf(stolen);
    const admin = users.find((u) => u.username === 'admin') as AnyRow;
    expect(admin.sealedKey).toEqual(expect.stringMatching(/^sk1\$/));
    const forged = {
      username: 'mallory',
      displayName: 'Mallory',
      role: 'admin',
      passwordHash: admin.passwordHash,
      active: true,
    };
    // Locally: no key to sign with, so nothing is written, whoever the command names.
    for (const user of [undefined, 'admin']) {
      const put = await stolen.command({ cmd: 'put', table: 'users', row: forged, ...(user ? { user } : {}) });
      expect(put).toMatchObject({ ok: false, error: { code: 'NOT_LOGGED_IN' } });
    }
    expect(await stolen.command({ cmd: 'login', user: 'admin', password: 'admin' })).toMatchObject({
      ok: false,
      error: { code: 'INVALID_CREDENTIALS' },
    });
    expect(await stolen.command({ cmd: 'status' })).toMatchObject({ ok: true, pending: 0 });

    // On the server: the token pushes, but a group claiming the admin needs the admin's key.
    const mallory = new RowMaker(admin.id).row('users', forged);
    const { privateKey: randomKey } = generateKeyPairSync('ed25519');
    const station = { url: server.url, token: tokenOf(copyDir) };
    const answer = await pushGroups(station, [
      signedGroup(randomKey, admin.id, original.stationId, [{ table: 'users', row: mallory }]),
    ]);
    expect(answer.status).toBe(200);
    expect(answer.body.groups).toEqual([expect.objectContaining({ status: 'rejected', code: 'FORBIDDEN' })]);
    const state = await serverState(server.url, station.token);
    expect(state.users.map((u) => u.username)).toEqual(['admin']);
    const login = await fetch(`${server.url}/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'mallory', password: 'anything' }),
    });
    expect(login.status).toBe(401);
  });
});

async function usersOf(station: ServeStation): Promise<AnyRow[]> {
  const db = new Database(join(station.dataDir, 'station.db'), { readonly: true });
  try {
    return db.prepare('SELECT * FROM users').all() as AnyRow[];
  } finally {
    db.close();
  }
}
