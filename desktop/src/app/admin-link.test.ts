import type { IncomingMessage } from 'node:http';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { login, startTestServer, type TestServer } from '../../../test/support/server.js';
import { AdminLink } from './admin-link.js';

describe('AdminLink (the station monitor socket)', () => {
  let server: TestServer;
  let db: pg.Client;
  beforeAll(async () => {
    server = await startTestServer();
    db = new pg.Client({ connectionString: server.databaseUrl });
    await db.connect();
    // A second admin, so the first can be deactivated (never the last one).
    await db.query(
      `INSERT INTO users (id, "createdAt", "updatedAt", version, "updatedBy", seq, username, "displayName", role, "passwordHash", active)
       SELECT gen_random_uuid(), now()::text, now()::text, '2026-01-01T00:00:00.000Z-0000-0000000000000000', u.id,
              (SELECT max(seq) + 1000 FROM users), 'boss', 'Boss', 'admin', u."passwordHash", true
       FROM users u WHERE u.username = 'admin'`,
    );
  });
  afterAll(async () => {
    await db?.end();
    await server?.close();
  });

  it('sends the token in a header, and stops when the admin session ends instead of retrying it', async () => {
    const upgrades: string[] = [];
    server.app.server.on('upgrade', (request: IncomingMessage) => upgrades.push(request.url ?? ''));
    const { token } = await login(server.url, 'boss', server.adminPassword);
    const link = new AdminLink(() => server.url);
    const first = new Promise((resolve) => link.once('stations', resolve));
    link.watch(token);
    await first;
    expect(upgrades).toEqual(['/admin/ws']);

    await db.query(`UPDATE users SET active = false WHERE username = 'boss'`);
    // Closed by the server (4401); the link would retry every 2 s if it did not stop.
    await new Promise((resolve) => setTimeout(resolve, 3_000));
    expect(upgrades).toEqual(['/admin/ws']);
    link.close();
  });
});
