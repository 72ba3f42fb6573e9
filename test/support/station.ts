/**
 * Stations for tests: in-process ones over the station core, `station` command child
 * processes (the built desktop/dist, run with `node desktop/bin/station.js`), and the
 * server's state as a station would see it pulling from cursor 0.
 *
 *   enrolledStation(server, name, options?) → Station enrolled by the admin, nothing pulled
 *   openTestStation(server, name, options?) → Station enrolled, bootstrapped, logged in as admin
 *   offlineStation(users?)                  → Station never online: a data folder set up as if
 *                                              enrolled, holding the given users (password = username + '-pass',
 *                                              each with a signing key sealed with it), logged in as the first one
 *   userFields(username, role, password)    → a users row's fields with a real hash and signing key
 *   serverState(url, stationToken)           → { tables } shaped like `station dump`
 *   runStation(args, env?)                  → { code, stdout, stderr, json, error }
 *   spawnStation(args, env?)                → the ChildProcess (to kill it mid-flight)
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  type AnyRow,
  type ColumnarPullResponse,
  columnsOf,
  createUserKey,
  HybridLogicalClock,
  hashPassword,
  newId,
  newNodeId,
  type Role,
  TABLE_NAMES,
  type TableName,
} from '@mostrador/common';
import { LocalStore, Station, type StationOptions } from '../../desktop/src/core/index.js';
import type { TestServer } from './server.js';

export const STATION_BIN = fileURLToPath(new URL('../../desktop/bin/station.js', import.meta.url));

export function tempDataDir(label = 'station'): string {
  return join(mkdtempSync(join(tmpdir(), `mostrador-${label}-`)), 'data');
}

/** A station enrolled by the server's admin: nothing pulled yet, nobody logged in. */
export function enrolledStation(
  server: { url: string; adminPassword: string },
  name: string,
  options: Partial<StationOptions> = {},
): Promise<Station> {
  return Station.enroll({
    dataDir: options.dataDir ?? tempDataDir(name),
    ...options,
    serverUrl: server.url,
    name,
    username: 'admin',
    password: server.adminPassword,
  });
}

export async function openTestStation(
  server: TestServer,
  name: string,
  options: Partial<StationOptions> = {},
): Promise<Station> {
  const station = await enrolledStation(server, name, options);
  await station.sync.pullChanges();
  await station.login('admin', server.adminPassword);
  return station;
}

/** Hashes are slow at the one accepted cost: each test user's is made once per test process. */
const testHashes = new Map<string, Promise<string>>();
const testHash = (password: string) => {
  const hash = testHashes.get(password) ?? hashPassword(password);
  testHashes.set(password, hash);
  return hash;
};

/** The fields of a users row whose password works: its hash and its key sealed with it. */
export async function userFields(username: string, role: Role, password: string) {
  const { publicKey, sealedKey } = await createUserKey(password);
  const passwordHash = await testHash(password);
  return { username, displayName: username, role, passwordHash, active: true, publicKey, sealedKey };
}

export async function offlineStation(
  users: { username: string; role: Role }[] = [{ username: 'admin', role: 'admin' }],
  options: Partial<StationOptions> = {},
): Promise<Station> {
  const dataDir = options.dataDir ?? tempDataDir('offline');
  const store = LocalStore.open(dataDir, { create: true });
  const clock = new HybridLogicalClock(newNodeId());
  const now = new Date().toISOString();
  for (const { username, role } of users) {
    const passwordHash = await testHash(`${username}-pass`);
    const { publicKey, sealedKey } = await createUserKey(`${username}-pass`);
    const id = newId();
    store.rows.put('users', {
      id,
      createdAt: now,
      updatedAt: now,
      deletedAt: null,
      version: clock.tick(),
      updatedBy: id,
      username,
      displayName: username,
      role,
      passwordHash,
      active: true,
      publicKey,
      sealedKey,
    });
  }
  store.meta.set('stationId', newId());
  store.meta.set('stationCode', 'TEST01');
  store.meta.set('serverUrl', 'http://127.0.0.1:9/');
  store.meta.set('stationToken', 'offline');
  store.close();
  const station = Station.open({ ...options, dataDir });
  const first = users[0];
  if (first) await station.login(first.username, `${first.username}-pass`);
  return station;
}

export function stationToken(station: Station): string {
  return station.store.meta.get('stationToken') as string;
}

export type TablesState = Record<TableName, AnyRow[]>;

/** Every row the server holds (deleted ones included), pulled from cursor 0, in dump shape. */
export async function serverState(url: string, token: string): Promise<TablesState> {
  const byTable = new Map<TableName, Map<string, AnyRow>>(TABLE_NAMES.map((t) => [t, new Map()]));
  let cursor = 0;
  for (;;) {
    const response = await fetch(`${url}/sync/pull?cursor=${cursor}&limit=5000&format=columns`, {
      headers: { authorization: `Bearer ${token}` },
    });
    if (response.status !== 200) throw new Error(`pull failed: ${response.status} ${await response.text()}`);
    const page = (await response.json()) as ColumnarPullResponse;
    for (const [table, block] of Object.entries(page.tables)) {
      for (const values of block.rows) {
        const sent = Object.fromEntries(block.columns.map((c, i) => [c, values[i]]));
        const row = Object.fromEntries(columnsOf(table as TableName).map((c) => [c, sent[c] ?? null])) as AnyRow;
        byTable.get(table as TableName)?.set(row.id, row);
      }
    }
    cursor = page.cursor;
    if (!page.hasMore) break;
  }
  return Object.fromEntries(
    TABLE_NAMES.map((t) => [t, [...(byTable.get(t)?.values() ?? [])].sort((a, b) => (a.id < b.id ? -1 : 1))]),
  ) as TablesState;
}

export interface StationRun {
  code: number | null;
  stdout: string;
  stderr: string;
  /** stdout parsed, when it is JSON: whatever the command printed, for tests to assert on. */
  // biome-ignore lint/suspicious/noExplicitAny: the command's output is what the test checks, field by field
  json: any;
  /** The `{error:{code,message}}` printed on stderr, when there is one. */
  error: { code: string; message: string } | null;
}

export function spawnStation(args: string[], env: Record<string, string> = {}): ChildProcess {
  return spawn(process.execPath, [STATION_BIN, ...args], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

export function runStation(args: string[], env: Record<string, string> = {}): Promise<StationRun> {
  const child = spawnStation(args, env);
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (chunk) => (stdout += chunk));
  child.stderr?.on('data', (chunk) => (stderr += chunk));
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => {
      resolve({
        code,
        stdout,
        stderr,
        json: parseJson(stdout),
        error:
          stderr
            .split('\n')
            .map(parseJson)
            .find((line) => line?.error)?.error ?? null,
      });
    });
  });
}

// biome-ignore lint/suspicious/noExplicitAny: see StationRun.json
function parseJson(text: string): any {
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}
