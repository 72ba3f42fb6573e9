/**
 * A minimal sync client over real HTTP, for server tests:
 *   pushGroups(station, groups, batchId?) → { status, body }   groups as given (signed or not)
 *   pushAs(station, signer, changes, mode?) → { status, body }
 *       signs the changes as `signer` and pushes them: one group per change ('each', the
 *       default, so rows stand or fall alone) or all in one group ('one')
 *   pushEach(station, keys, changes) → { status, body }   one group per change, each signed
 *       with the key of its row's `updatedBy` in `keys` (a random key for anyone else)
 *   pushBody(url, token, body) → { status, body }               any JSON body (old stations…)
 *   pullAll(url, token, { limit?, format? }) → { tables: Map<table, Map<id,row>>, pages, cursor }
 */
import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import {
  type AnyRow,
  type ColumnarPullResponse,
  type ErrorBody,
  newId,
  PROTOCOL_VERSION,
  type PullResponse,
  type PushResponse,
  type WriteGroup,
} from '@mostrador/common';
import { signedGroup } from './rows.js';

/** A push answer: the PushResponse on 200, an error body otherwise. */
export type PushReply = PushResponse & Partial<ErrorBody>;

/** An enrolled station, as a test pushes through it. */
export interface StationAuth {
  readonly url: string;
  readonly token: string;
  readonly stationId: string;
}

/** A user logged in at a station: whose key signs the groups. */
export interface Signer {
  readonly userId: string;
  readonly key: KeyObject;
}

export async function pushBody(
  url: string,
  token: string | undefined,
  body: unknown,
): Promise<{ status: number; body: PushReply }> {
  const response = await fetch(`${url}/sync/push`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify(body),
  });
  return { status: response.status, body: (await response.json()) as PushReply };
}

export function pushGroups(
  station: Pick<StationAuth, 'url' | 'token'>,
  groups: unknown[],
  batchId: string = newId(),
): Promise<{ status: number; body: PushReply }> {
  return pushBody(station.url, station.token, { batchId, groups, protocol: PROTOCOL_VERSION });
}

/** The changes as signed groups of `signer` pushed by `station`: one group per change, or one for all. */
export function signGroups(
  station: Pick<StationAuth, 'stationId'>,
  signer: Signer,
  changes: { table: string; row: AnyRow; baseVersion?: string | null }[],
  mode: 'each' | 'one' = 'each',
): WriteGroup[] {
  const sets = mode === 'one' ? [changes] : changes.map((change) => [change]);
  return sets.map((set) => signedGroup(signer.key, signer.userId, station.stationId, set));
}

export function pushAs(
  station: StationAuth,
  signer: Signer,
  changes: { table: string; row: AnyRow; baseVersion?: string | null }[],
  mode: 'each' | 'one' = 'each',
): Promise<{ status: number; body: PushReply }> {
  return pushGroups(station, signGroups(station, signer, changes, mode));
}

export async function pullPage(
  url: string,
  token: string,
  cursor: number,
  limit: number,
  format: 'rows' | 'columns' = 'rows',
): Promise<PullResponse | ColumnarPullResponse> {
  const response = await fetch(`${url}/sync/pull?cursor=${cursor}&limit=${limit}&format=${format}`, {
    headers: { authorization: `Bearer ${token}` },
  });
  if (response.status !== 200) throw new Error(`pull failed: ${response.status} ${await response.text()}`);
  return (await response.json()) as PullResponse | ColumnarPullResponse;
}

/** The changes of a page as {table,row}, whichever format it came in. */
export function pageChanges(page: PullResponse | ColumnarPullResponse): { table: string; row: AnyRow }[] {
  if ('changes' in page) return page.changes as { table: string; row: AnyRow }[];
  return Object.entries(page.tables).flatMap(([table, { columns, rows }]) =>
    rows.map((values) => ({ table, row: Object.fromEntries(columns.map((c, i) => [c, values[i]])) as AnyRow })),
  );
}

export async function pullAll(
  url: string,
  token: string,
  options: { limit?: number; format?: 'rows' | 'columns'; from?: number } = {},
): Promise<{ tables: Map<string, Map<string, AnyRow>>; pages: number; cursor: number }> {
  const tables = new Map<string, Map<string, AnyRow>>();
  let cursor = options.from ?? 0;
  let pages = 0;
  for (;;) {
    const page = await pullPage(url, token, cursor, options.limit ?? 1000, options.format);
    pages += 1;
    for (const { table, row } of pageChanges(page)) {
      const rows = tables.get(table) ?? new Map<string, AnyRow>();
      rows.set(row.id, row);
      tables.set(table, rows);
    }
    cursor = page.cursor;
    if (!page.hasMore) return { tables, pages, cursor };
  }
}

/** One group per change, signed by the key of the row's `updatedBy` (a stranger's key when `keys` has none). */
export function pushEach(
  station: StationAuth,
  keys: ReadonlyMap<string, KeyObject>,
  changes: { table: string; row: AnyRow; baseVersion?: string | null }[],
): Promise<{ status: number; body: PushReply }> {
  const groups = changes.map((change) => {
    const userId = String(change.row.updatedBy);
    const key = keys.get(userId) ?? generateKeyPairSync('ed25519').privateKey;
    return signedGroup(key, userId, station.stationId, [change]);
  });
  return pushGroups(station, groups);
}
