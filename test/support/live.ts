/**
 * What the live-sync tests share: an API app with the live and admin plugins on a real
 * PostgreSQL, stations and admins made directly in the database, and WebSocket clients
 * that collect what they receive.
 */
import { newId } from '@mostrador/common';
import type { FastifyInstance } from 'fastify';
import pg from 'pg';
import { WebSocket } from 'ws';
import { type AppOptions, buildApp } from '../../server/src/app.js';
import { newStationToken, signUserToken, stationTokenHash } from '../../server/src/auth/tokens.js';

export const JWT_SECRET = 'live-test-secret';

export interface LiveApp {
  app: FastifyInstance;
  base: string;
  ws: string;
  close(): Promise<void>;
}

/** The real API (buildApp, live and admin parts included) on an existing database, listening on port 0. */
export async function startLiveApp(databaseUrl: string, live: AppOptions['live'] = {}): Promise<LiveApp> {
  const app = await buildApp({
    databaseUrl,
    jwtSecret: JWT_SECRET,
    adminPassword: 'live-test-admin',
    poolSize: 4,
    live,
  });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    app,
    base: `http://127.0.0.1:${port}`,
    ws: `ws://127.0.0.1:${port}`,
    close: () => app.close(),
  };
}

export async function query<T extends pg.QueryResultRow = pg.QueryResultRow>(
  url: string,
  sql: string,
  params: unknown[] = [],
): Promise<T[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<T>(sql, params)).rows;
  } finally {
    await client.end();
  }
}

/** Move the head as a push does: in a transaction that NOTIFYs before COMMIT. */
export async function commitHead(url: string, head: number, commit = true): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query('BEGIN');
    await client.query('UPDATE sync_state SET head = $1 WHERE id = 1', [head]);
    await client.query(`SELECT pg_notify('mostrador_changes', $1)`, [String(head)]);
    await client.query(commit ? 'COMMIT' : 'ROLLBACK');
  } finally {
    await client.end();
  }
}

/**
 * Commit `count` new customers in one transaction as a push does (seq after the locked
 * head, the head moved, NOTIFY before COMMIT), but in one statement: fast enough to fill a
 * socket's buffers with notices. With `notify: false`, no notice tells anyone (as if it had
 * been lost). Answers the new head and the customers' ids.
 */
export async function commitCustomers(
  url: string,
  count: number,
  { notify = true } = {},
): Promise<{ head: number; ids: string[] }> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query('BEGIN');
    const { rows } = await client.query<{ head: string }>('SELECT head FROM sync_state WHERE id = 1 FOR UPDATE');
    const head = Number(rows[0]?.head ?? 0);
    const now = new Date().toISOString();
    const ids = Array.from({ length: count }, () => newId());
    await client.query(
      `INSERT INTO customers (id, "createdAt", "updatedAt", version, "updatedBy", seq, name)
       SELECT id, $2, $2, $3, $4, $5 + n, 'Cliente ' || n
       FROM unnest($1::uuid[]) WITH ORDINALITY AS t(id, n)`,
      [ids, now, `${now}-0000-0000000000000000`, newId(), head],
    );
    await client.query('UPDATE sync_state SET head = $1 WHERE id = 1', [head + count]);
    if (notify) await client.query(`SELECT pg_notify('mostrador_changes', $1)`, [String(head + count)]);
    await client.query('COMMIT');
    return { head: head + count, ids };
  } finally {
    await client.end();
  }
}

export async function addUser(url: string, role: 'admin' | 'cashier'): Promise<{ id: string; token: string }> {
  const id = newId();
  const now = new Date().toISOString();
  const version = `${now}-0000-0000000000000000`;
  await query(
    url,
    `INSERT INTO users (id, "createdAt", "updatedAt", version, "updatedBy", seq, username, "displayName", role, "passwordHash", active)
     VALUES ($1, $2, $2, $3, $1, (SELECT coalesce(max(seq), 0) + 1 FROM users), $4, $4, $5, 'x', true)`,
    [id, now, version, `${role}-${id.slice(-6)}`, role],
  );
  return { id, token: signUserToken({ id, username: `${role}-${id.slice(-6)}`, role }, JWT_SECRET, 3600) };
}

export async function addStation(url: string, name: string): Promise<{ id: string; token: string }> {
  const [station] = await addStations(url, [name]);
  if (!station) throw new Error('no station');
  return station;
}

/** Enroll stations straight in the database (enrollment itself is the server's part). */
export async function addStations(url: string, names: string[]): Promise<Array<{ id: string; token: string }>> {
  const stations = names.map(() => ({ id: newId(), token: newStationToken() }));
  await query(
    url,
    `INSERT INTO stations (id, name, "tokenHash", "enrolledBy")
     SELECT * FROM unnest($1::uuid[], $2::text[], $3::text[], $4::uuid[])`,
    [stations.map((s) => s.id), names, stations.map((s) => stationTokenHash(s.token)), stations.map(() => newId())],
  );
  return stations;
}

/** A WebSocket client that keeps every JSON message it gets and can wait for one. */
export class Listener {
  readonly messages: Array<{ type: string; [key: string]: unknown }> = [];
  closeCode: number | null = null;
  private waiters: Array<() => void> = [];

  constructor(readonly socket: WebSocket) {
    socket.on('message', (data) => {
      this.messages.push(JSON.parse(String(data)));
      this.wake();
    });
    socket.on('close', (code) => {
      this.closeCode = code;
      this.wake();
    });
  }

  static open(url: string, token?: string): Promise<Listener> {
    const socket = new WebSocket(url, token ? { headers: { authorization: `Bearer ${token}` } } : {});
    const listener = new Listener(socket);
    return new Promise((resolve, reject) => {
      socket.once('open', () => resolve(listener));
      socket.once('error', reject);
    });
  }

  /** Wait until `test` holds for something received (or the socket state), failing after `ms`. */
  async until<T>(test: (l: Listener) => T | undefined | false, ms = 5_000): Promise<T> {
    const deadline = Date.now() + ms;
    for (;;) {
      const found = test(this);
      if (found) return found;
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`timed out; received ${JSON.stringify(this.messages.slice(-5))}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  lastOf(type: string) {
    return this.messages.filter((m) => m.type === type).at(-1);
  }

  close(): void {
    this.socket.terminate();
  }

  private wake(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const wake of waiters) wake();
  }
}

/** Try to open a socket and report the HTTP status it was refused with (or 101). */
export function upgradeStatus(url: string, token?: string): Promise<number> {
  const socket = new WebSocket(url, token ? { headers: { authorization: `Bearer ${token}` } } : {});
  return new Promise((resolve) => {
    socket.once('open', () => {
      socket.terminate();
      resolve(101);
    });
    socket.once('unexpected-response', (_request, response) => {
      resolve(response.statusCode ?? 0);
      socket.terminate();
    });
    socket.once('error', () => resolve(0));
  });
}
