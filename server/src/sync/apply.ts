import {
  type AnyRow,
  CHECKED_REFERENCES,
  type Change,
  columnsOf,
  type ErrorCode,
  type GroupOutcome,
  isTableName,
  type PushResponse,
  ROLE_RANK,
  type Role,
  TABLE_NAMES,
  type TableName,
  uniqueFieldsOf,
  type WriteGroup,
} from '@mostrador/common';
import type pg from 'pg';
import type { CommittedPage, WrittenRow } from './commit-page.js';
import { EPOCH_SQL } from './epoch.js';
import {
  isMergeable,
  type Merged,
  mergeableReferences,
  mergedAmong,
  mergedRow,
  mergeFieldOf,
  redirectReferences,
} from './merge.js';
import { binaryArray, type ElementType } from './pg-array.js';
import { type Acting, checkReferences, type Decision, decide, precheck, type Refusal } from './rules.js';
import { loadSeries, numberInSeries, type SeriesState } from './series.js';
import { quote, tableSql } from './table-sql.js';
import { claimUnique, loadUniqueOwners, releaseUnique, type UniqueOwners } from './unique-keys.js';
import { type HistoryEntry, UserHistory } from './user-history.js';
import { verifyAll, verifyAllAsync } from './verify.js';

/**
 * Apply write groups inside the caller's transaction: every write to synced tables goes
 * through here (pushes, an admin accepting a held group, the server's own rows such as
 * the first admin).
 *
 * Ordering: the single `sync_state` row is locked FIRST and held to commit, so pushes are
 * serialized and the sequence numbers they hand out become visible in commit order; a
 * reader that has seen sequence N can never later meet a commit below N. Reading the
 * stored rows after taking the lock also means no other push changes them meanwhile.
 *
 * A group is all or nothing. The fast path decides every group in JS, in push order,
 * against the stored rows and the rows kept from the groups before it (a group with any
 * refused row is dropped whole), then writes every kept row with one statement per table
 * and kind under one savepoint. Only when that write fails (a unique index, any database
 * error) is the push redone one group at a time, each under its own savepoint, with the
 * unique keys looked up first: a group the database still refuses is refused alone.
 */

export interface ApplyContext {
  readonly nowMs: number;
  readonly clockAheadMs: number;
}

/** Who writes: the pushing station (recorded as `pushedBy`) and its ceiling. */
export interface Pusher {
  readonly stationId: string;
  readonly ceiling: Role;
}

export interface GroupsResult extends PushResponse {
  /** Rows actually written (inserted or updated), each with a new sequence number. */
  readonly written: number;
  /** The verified groups refused by authorization or a rule: they go to the review list. */
  readonly held: { group: WriteGroup; refusal: Refusal }[];
  /** Time spent, for the push log and the benchmark. */
  readonly timings: PushTimings;
  /** Every row the pass wrote, for its commit's live notice (the same for each push of the pass), or null. */
  readonly committed: CommittedPage | null;
}

/**
 * Where a pass's time goes, in ms (the push log carries them): `lockMs` taking the sequence
 * lock and reading the users' history, `loadMs` the lookups (stored rows, references, merges,
 * series), `verifyMs` starting the signature checks and waiting for what they had left when
 * planning needed them, `planMs` deciding the groups, `writeMs` the statements, `finishMs` the head.
 */
export interface PushTimings {
  lockMs: number;
  loadMs: number;
  verifyMs: number;
  planMs: number;
  writeMs: number;
  finishMs: number;
}

export const CHANGES_CHANNEL = 'mostrador_changes';

/** A group to apply, with what is known of its actor before planning. */
interface Candidate {
  readonly index: number;
  readonly group: WriteGroup;
  /** 'server': no actor is checked (the server's own rows, an accepted review). */
  readonly trust: 'verify' | 'server';
  /** The station recorded as `pushedBy` (null for the server's own rows). */
  readonly stationId: string | null;
  /** The pushing station and its ceiling (null: the server's own write, no ceiling). */
  readonly pusher: Pusher | null;
}

interface Conflict {
  readonly table: TableName;
  readonly id: string;
  readonly lost: AnyRow;
  readonly won: AnyRow;
  readonly stationId: string | null;
  readonly userId: string | null;
}

type RowKey = `${TableName}:${string}`;
const keyOf = (table: TableName, id: string): RowKey => `${table}:${id}`;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** The rows a pass writes, per table, in the order they were decided. */
interface Planned {
  readonly table: TableName;
  row: AnyRow;
  readonly pushedBy: string | null;
}

/** What planning decided for one group. */
type GroupPlan =
  | {
      readonly kind: 'applied';
      /** Rows this group writes (a row written again by a later group counts for both). */
      readonly writes: number;
      readonly applied: PushResponse['applied'];
      readonly superseded: PushResponse['superseded'];
      readonly conflicts: Conflict[];
    }
  | { readonly kind: 'held' | 'rejected'; readonly refusal: Refusal };

interface PassState {
  readonly stored: Map<RowKey, AnyRow>;
  readonly storedPushedBy: Map<RowKey, string | null>;
  /** Rows kept so far in this pass (the final state of each). */
  readonly written: Map<RowKey, Planned>;
  readonly owners: Map<TableName, UniqueOwners> | null;
  /** Numbers in a series the push carries, and who holds them (series.ts). */
  readonly series: SeriesState | null;
  /** Merged rows the push writes or references, and the live rows they went into (merge.ts). */
  readonly merged: Merged;
  /** In passes with unique checks: the live rows a new row may be merged into, by id. */
  readonly mergeTargets: Map<string, AnyRow>;
  /** Rows that new rows of this pass reference (CHECKED_REFERENCES) and that are stored, deleted or not. */
  readonly referenced: ReadonlySet<RowKey>;
  readonly history: UserHistory;
  /** Signature checks made before planning, per group, with the key they used. */
  readonly verified: Verified;
}

/** Signature checks made ahead, per group: the key each was checked with and the answer. */
export type Verified = Map<WriteGroup, { readonly publicKey: string; readonly ok: boolean }>;

/** Signatures being checked on the thread pool, and the time it took to start them. */
export interface Verification {
  readonly verifying: Promise<Verified>;
  readonly startMs: number;
}

/**
 * Start checking a push's signatures, each against its user's key as of its version. Run
 * before the sequence lock is taken (while the push waits for its commit), so a push's
 * verification never holds the other pushes up: planning later reuses an answer only where
 * the key it used is still the key as of the group's version under the lock (else it
 * checks again).
 */
export async function startVerification(
  client: Pick<pg.Pool, 'query'>,
  groups: readonly WriteGroup[],
  stationId: string,
  /** The users' history when the caller has it (see recent-keys.ts); else it is read. */
  known?: UserHistory,
): Promise<Verification> {
  const history = known ?? (await UserHistory.load(client, [...new Set(groups.map((g) => g.userId))]));
  const started = performance.now();
  const toVerify = groups.flatMap((group) => {
    const publicKey = history.at(group.userId, group.version)?.publicKey;
    return publicKey ? [{ publicKey, group, stationId }] : [];
  });
  const verifying = verifyAllAsync(toVerify).then(
    (results): Verified =>
      new Map(toVerify.map((item, i) => [item.group, { publicKey: item.publicKey, ok: results[i] === true }])),
  );
  return { verifying, startMs: performance.now() - started };
}

/** Take the sequence lock (held to commit): the head, and the server's epoch (epoch.ts). */
export async function lockHeadAndEpoch(client: pg.ClientBase): Promise<{ head: number; epoch: string }> {
  const { rows } = await client.query<{ head: number | string; epoch: string }>(
    `SELECT head, ${EPOCH_SQL} AS epoch FROM sync_state WHERE id = 1 FOR UPDATE`,
  );
  if (!rows[0]) throw new Error('sync_state has no head row; run the migrations');
  // bigint arrives as a string from a client without the pool's int8 parser.
  return { head: Number(rows[0].head), epoch: rows[0].epoch };
}

/** Take the sequence lock: the head. */
export async function lockHead(client: pg.ClientBase): Promise<number> {
  return (await lockHeadAndEpoch(client)).head;
}

/** The stored rows of these ids, with their `pushedBy` taken out (it never goes on the wire). */
export async function loadStored(
  client: pg.ClientBase,
  table: TableName,
  ids: readonly string[],
): Promise<Map<string, { row: AnyRow; pushedBy: string | null }>> {
  const { rows } = await client.query<AnyRow & { pushedBy: string | null }>(tableSql(table).selectByIds, [
    binaryArray('uuid', [...new Set(ids)]),
  ]);
  return new Map(
    rows.map(({ pushedBy, ...row }) => [row.id, { row: row as AnyRow, pushedBy: pushedBy ?? null }] as const),
  );
}

function refusal(code: ErrorCode, message: string): Refusal {
  return { code, message };
}

/** Who may act for a verified group: the user's entry as of the group's version, checked against the station. */
function authorize(
  candidate: Candidate,
  state: PassState,
): { acting: Acting } | { held: Refusal } | { rejected: Refusal } {
  const { group, pusher } = candidate;
  if (candidate.trust === 'server') return { acting: 'server' };
  const entry = state.history.at(group.userId, group.version);
  if (!entry) {
    return { rejected: refusal('FORBIDDEN', `The group's user ${group.userId} is not known to the server.`) };
  }
  if (!entry.publicKey) {
    return {
      rejected: refusal('FORBIDDEN', `The user ${group.userId} has no signing key; set their password to create one.`),
    };
  }
  const early = state.verified.get(group);
  const ok =
    early && early.publicKey === entry.publicKey
      ? early.ok
      : verifyAll([{ publicKey: entry.publicKey, group, stationId: candidate.stationId ?? '' }])[0];
  if (!ok) {
    // Signed with a key the user had before (say, a password reset while the station was
    // offline): it is the user's, so the fact is kept, but an admin decides.
    const replaced = state.history
      .otherKeys(group.userId, entry.publicKey)
      .some((publicKey) => verifyAll([{ publicKey, group, stationId: candidate.stationId ?? '' }])[0]);
    if (replaced) {
      return {
        held: refusal(
          'FORBIDDEN',
          `The group is signed with a key the user ${group.userId} had before it was replaced (a new password); an admin must accept it.`,
        ),
      };
    }
    return { rejected: refusal('FORBIDDEN', 'The group is not signed by its user (bad or missing signature).') };
  }
  // From here on the group is a verified fact: any refusal holds it for review.
  const stranger = group.changes.find((change) => (change.row as AnyRow).updatedBy !== group.userId);
  if (stranger) {
    return {
      held: refusal(
        'FORBIDDEN',
        `Every row of a group must be written by its user ${group.userId}; a ${stranger.table} row names ${String((stranger.row as AnyRow).updatedBy)}.`,
      ),
    };
  }
  if (!entry.active) {
    return { held: refusal('FORBIDDEN', `The user ${group.userId} was not active when this group was written.`) };
  }
  if (pusher && ROLE_RANK[entry.role] > ROLE_RANK[pusher.ceiling]) {
    return {
      held: refusal(
        'FORBIDDEN',
        `This station may carry writes up to a ${pusher.ceiling}'s; this group is a ${entry.role}'s (an admin can raise the station's ceiling or accept the group).`,
      ),
    };
  }
  return { acting: { role: entry.role, active: entry.active } };
}

function held(reason: Refusal): GroupPlan {
  return { kind: 'held', refusal: reason };
}

/** Whether a row a new row references is in this group, in the pass, stored, or a merge target. */
function exists(state: PassState, tentative: ReadonlyMap<RowKey, Planned>, target: TableName, id: string): boolean {
  const key = keyOf(target, id);
  if (tentative.has(key) || state.written.has(key) || state.stored.has(key) || state.referenced.has(key)) return true;
  for (const live of state.merged.get(target)?.values() ?? []) if (live === id) return true;
  return false;
}

/** Decide one group against the pass's state; on success its rows join `state.written`. */
function planGroup(candidate: Candidate, state: PassState, context: ApplyContext): GroupPlan {
  const who = authorize(candidate, state);
  if ('rejected' in who) return { kind: 'rejected', refusal: who.rejected };
  if ('held' in who) return { kind: 'held', refusal: who.held };
  const { group, stationId } = candidate;
  const tentative = new Map<RowKey, Planned>();
  const applied: PushResponse['applied'] = [];
  const superseded: PushResponse['superseded'] = [];
  const conflicts: Conflict[] = [];
  const hold = held;
  const claims: { table: TableName; row: AnyRow; previous: AnyRow | undefined }[] = [];
  for (const change of group.changes) {
    const checked = precheck(change.table, change.row, context.nowMs, context.clockAheadMs);
    if ('code' in checked) {
      // A clock ahead is no fact for an admin to review: the station re-stamps and sends it again.
      return checked.code === 'CLOCK_AHEAD' ? { kind: 'rejected', refusal: checked } : hold(checked);
    }
    const { table } = checked;
    // References to merged rows are written as references to their live rows (merge.ts).
    const row = redirectReferences(state.merged, table, checked.row);
    const redirected = row !== checked.row;
    const key = keyOf(table, row.id);
    const earlier = tentative.get(key) ?? state.written.get(key);
    const current = earlier?.row ?? state.stored.get(key);
    const currentPushedBy = earlier ? earlier.pushedBy : (state.storedPushedBy.get(key) ?? null);
    if (current?.mergedInto) {
      // A row merged into another takes no more writes: the station gets the merged row back.
      superseded.push({ table, id: row.id, row: current });
      continue;
    }
    const decision: Decision = decide(table, row, change.baseVersion, current, who.acting);
    switch (decision.kind) {
      case 'rejected':
        return hold(decision.refusal);
      case 'unchanged':
        // The same version sent again (its answer was lost): where the server wrote it other
        // than sent (a reference re-pointed to a merged row's live one, a renumbered sale),
        // the answer carries the stored row again, or the station would keep its own for good.
        if (current && !sameFields(table, current, checked.row)) superseded.push({ table, id: row.id, row: current });
        else applied.push({ table, id: row.id });
        break;
      case 'superseded':
        superseded.push({ table, id: row.id, row: decision.winner });
        if (decision.lost) {
          conflicts.push({
            table,
            id: row.id,
            lost: decision.lost,
            won: decision.winner,
            stationId,
            userId: group.userId,
          });
        }
        break;
      case 'write': {
        // A new sale whose number the shop already has gets the series' next one (series.ts).
        const written = numberInSeries(state.series, table, decision.row, current === undefined);
        const rewritten = written !== decision.row || redirected;
        if (rewritten) superseded.push({ table, id: row.id, row: written });
        claims.push({ table, row: written, previous: current });
        // Every overwrite of a version written by another station or another user is a
        // conflict, whatever baseVersion claims; so is a concurrent edit (see rules.ts).
        const byOther = current && (currentPushedBy !== stationId || current.updatedBy !== group.userId);
        const lost = decision.lost ?? (byOther ? current : null);
        if (lost) conflicts.push({ table, id: row.id, lost, won: written, stationId, userId: group.userId });
        if (!current) {
          const orphan = checkReferences(table, written, (target, id) => exists(state, tentative, target, id));
          if (orphan) return hold(orphan);
        }
        tentative.set(key, { table, row: written, pushedBy: stationId });
        if (!rewritten) applied.push({ table, id: row.id });
      }
    }
  }
  // Unique keys are looked up only in passes of one group (the fallback, the server's own
  // writes), whose state is dropped when the group is refused: no claim to undo. The group's
  // rows first let go of the values they held, then claim their new ones, so values swapped
  // within the group (through a temporary one, coalesced) do not clash with themselves.
  for (const { table, previous } of claims) {
    const owners = state.owners?.get(table);
    if (owners && previous) releaseUnique(table, owners, previous);
  }
  // A new row clashing on its table's merge field (a product's SKU) is merged into the live
  // row instead of refused; this group's rows that reference it follow (merge.ts).
  const answerWith = (table: TableName, id: string, answer: AnyRow) => {
    const same = (entry: { table: string; id: string }) => entry.table === table && entry.id === id;
    applied.splice(0, applied.length, ...applied.filter((entry) => !same(entry)));
    superseded.splice(0, superseded.length, ...superseded.filter((entry) => !same(entry)));
    superseded.push({ table, id, row: answer });
  };
  for (const { table, row, previous } of claims) {
    const owners = state.owners?.get(table);
    const clash = owners && claimUnique(table, owners, row, undefined);
    if (!clash) continue;
    const into = clash === mergeFieldOf(table) && !previous ? owners.get(clash)?.get(row[clash]) : undefined;
    if (!into) return hold(refusal('UNIQUE_VIOLATION', `Another ${table} row already has this ${clash}.`));
    const kept = mergedRow(row, into);
    tentative.set(keyOf(table, row.id), { table, row: kept, pushedBy: stationId });
    answerWith(table, row.id, kept);
    state.merged.get(table)?.set(row.id, into);
    const won = state.written.get(keyOf(table, into))?.row ?? state.mergeTargets.get(into) ?? ({ id: into } as AnyRow);
    conflicts.push({ table, id: into, lost: row, won, stationId, userId: group.userId });
    for (const [key, planned] of tentative) {
      const redirectedRow = redirectReferences(state.merged, planned.table, planned.row);
      if (redirectedRow === planned.row) continue;
      tentative.set(key, { ...planned, row: redirectedRow });
      answerWith(planned.table, redirectedRow.id, redirectedRow);
    }
  }
  for (const [key, planned] of tentative) {
    state.written.set(key, planned);
    // A user created or changed by this group acts (and signs) for the groups after it.
    if (planned.table === 'users') state.history.add(historyEntryOf(planned.row));
  }
  return { kind: 'applied', writes: tentative.size, applied, superseded, conflicts };
}

/**
 * Plan the candidates in order. A group held only because a row it names is not there
 * (MISSING_REFERENCE) is planned again once the others are, for as long as that lets more
 * of them apply: a station that reconciles with a restored server queues the rows the server
 * lost after its own unsent writes, so a sale can come before the product it sells in the
 * same push. Returns every plan, and the applied candidates in the order they were planned
 * (the order their rows are written in).
 */
function planAll(
  candidates: readonly Candidate[],
  state: PassState,
  context: ApplyContext,
): { plans: Map<number, GroupPlan>; order: Candidate[] } {
  const plans = new Map<number, GroupPlan>();
  const order: Candidate[] = [];
  let waiting: Candidate[] = [];
  const plan = (candidate: Candidate) => {
    const planned = planGroup(candidate, state, context);
    plans.set(candidate.index, planned);
    if (planned.kind === 'applied') order.push(candidate);
    else if (planned.kind === 'held' && planned.refusal.code === 'MISSING_REFERENCE') waiting.push(candidate);
  };
  for (const candidate of candidates) plan(candidate);
  while (waiting.length > 0) {
    const before = order.length;
    const retry = waiting;
    waiting = [];
    for (const candidate of retry) plan(candidate);
    if (order.length === before) break;
  }
  return { plans, order };
}

/** Whether two versions of a row hold the same values (an absent field is null). */
function sameFields(table: TableName, a: AnyRow, b: AnyRow): boolean {
  return columnsOf(table).every((column) => (a[column] ?? null) === (b[column] ?? null));
}

export function historyEntryOf(user: AnyRow): HistoryEntry {
  return {
    userId: user.id,
    version: user.version,
    role: user.role as Role,
    active: user.active === true && (user.deletedAt === null || user.deletedAt === undefined),
    publicKey: typeof user.publicKey === 'string' ? user.publicKey : null,
  };
}

function changeKeys(candidates: readonly Candidate[]): Map<TableName, string[]> {
  const ids = new Map<TableName, string[]>();
  for (const { group } of candidates) {
    for (const { table, row } of group.changes) {
      if (!isTableName(table) || typeof row?.id !== 'string') continue;
      const list = ids.get(table as TableName) ?? [];
      list.push(row.id);
      ids.set(table as TableName, list);
    }
  }
  return ids;
}

async function loadPassState(
  client: pg.ClientBase,
  candidates: readonly Candidate[],
  history: UserHistory,
  verified: PassState['verified'],
  uniqueCheck: boolean,
): Promise<PassState> {
  const stored = new Map<RowKey, AnyRow>();
  const storedPushedBy = new Map<RowKey, string | null>();
  const owners = uniqueCheck ? new Map<TableName, UniqueOwners>() : null;
  const mergeTargets = new Map<string, AnyRow>();
  const pushedIds = changeKeys(candidates);
  const rowsByTable = new Map<TableName, AnyRow[]>();
  for (const { group } of candidates) {
    for (const change of group.changes) {
      if (!isTableName(change.table) || typeof change.row?.id !== 'string') continue;
      const list = rowsByTable.get(change.table) ?? [];
      list.push(change.row as AnyRow);
      rowsByTable.set(change.table, list);
    }
  }
  // One lookup after another: a pg client runs one query at a time (queueing a second is deprecated).
  const storedByTable: (readonly [TableName, Awaited<ReturnType<typeof loadStored>>])[] = [];
  for (const [table, ids] of pushedIds) {
    const valid = ids.filter((id) => UUID.test(id));
    if (valid.length) storedByTable.push([table, await loadStored(client, table, valid)]);
  }
  const series = await loadSeries(client, rowsByTable);
  const named = await loadNamed(client, candidates, pushedIds);
  for (const [table, rows] of storedByTable) {
    for (const [id, { row, pushedBy }] of rows) {
      stored.set(keyOf(table, id), row);
      storedPushedBy.set(keyOf(table, id), pushedBy);
    }
  }
  for (const [table, rows] of rowsByTable) {
    if (!owners) break;
    const tableOwners = await loadUniqueOwners(client, table, rows);
    owners.set(table, tableOwners);
    const mergeField = mergeFieldOf(table);
    const targets = mergeField ? [...(tableOwners.get(mergeField)?.values() ?? [])] : [];
    if (targets.length) {
      for (const [id, { row }] of await loadStored(client, table, targets)) mergeTargets.set(id, row);
    }
  }
  const merged = mergedAmong([
    ...storedByTable.flatMap(([table, rows]) =>
      isMergeable(table) ? [...rows].map(([id, { row }]) => ({ table, id, into: row.mergedInto })) : [],
    ),
    ...named.merged,
  ]);
  const referenced = named.referenced;
  return {
    stored,
    storedPushedBy,
    written: new Map(),
    owners,
    series,
    merged,
    mergeTargets,
    referenced,
    history,
    verified,
  };
}

/**
 * The stored rows the candidates name (checked references, references to mergeable rows)
 * and do not push themselves (those are in `stored` already when they exist; a sale's lines
 * mostly name the sale of their own group): one query per named table says which exist
 * and, for a mergeable table, which were merged and into what (merge.ts).
 */
async function loadNamed(
  client: pg.ClientBase,
  candidates: readonly Candidate[],
  pushedIds: ReadonlyMap<TableName, readonly string[]>,
): Promise<{ referenced: Set<RowKey>; merged: { table: TableName; id: string; into: unknown }[] }> {
  const pushed = new Map([...pushedIds].map(([table, ids]) => [table, new Set(ids)] as const));
  const wanted = new Map<TableName, Set<string>>();
  const fields = new Map<TableName, readonly (readonly [string, TableName])[]>();
  for (const { group } of candidates) {
    for (const { table, row } of group.changes) {
      if (!isTableName(table)) continue;
      let named = fields.get(table);
      if (!named) {
        named = [...(CHECKED_REFERENCES[table] ?? []), ...mergeableReferences(table)];
        fields.set(table, named);
      }
      for (const [field, target] of named) {
        const id = (row as AnyRow | undefined)?.[field];
        if (typeof id !== 'string' || !UUID.test(id) || pushed.get(target)?.has(id)) continue;
        const ids = wanted.get(target) ?? new Set();
        ids.add(id);
        wanted.set(target, ids);
      }
    }
  }
  const referenced = new Set<RowKey>();
  const merged: { table: TableName; id: string; into: unknown }[] = [];
  for (const [target, ids] of wanted) {
    const into = isMergeable(target) ? '"mergedInto"' : 'NULL';
    const { rows } = await client.query<{ id: string; into: string | null }>(
      `SELECT id, ${into} AS into FROM ${quote(target)} WHERE id = ANY($1::uuid[])`,
      [binaryArray('uuid', [...ids])],
    );
    for (const { id, into: live } of rows) {
      referenced.add(keyOf(target, id));
      if (live) merged.push({ table: target, id, into: live });
    }
  }
  return { referenced, merged };
}

function columnArrays(table: TableName, rows: readonly Planned[], firstSeq: number): unknown[] {
  const { columns, columnTypes } = tableSql(table);
  const array = (type: ElementType, value: (planned: Planned, i: number) => unknown) =>
    binaryArray(type, rows.map(value));
  return [
    ...columns.map((name, i) => array(columnTypes[i] ?? 'text', ({ row }) => row[name])),
    array('bigint', (_, i) => firstSeq + i),
    array('uuid', ({ pushedBy }) => pushedBy),
  ];
}

/** The deferrable unique-key constraints (migration 20261201070000): `<table>_<field>_live`. */
const UNIQUE_CONSTRAINTS = TABLE_NAMES.flatMap((table) =>
  uniqueFieldsOf(table).map((field) => `${table}_${field}_live`),
).join(', ');

/**
 * Most rows per write statement: a large pass goes in chunks, so the next chunk's arrays are
 * encoded while the database writes one. Larger than a live page, which so stays one statement.
 */
const WRITE_CHUNK_ROWS = 2_000;

/**
 * Most rows a pass hands back for its commit's live page: a larger commit is left to pulls,
 * and its rows' JSON is not built under the sequence lock (live/plugin.ts pages hold 500).
 */
export const COMMITTED_PAGE_ROWS = 500;

/**
 * Write a pass's kept rows: per table, new rows with one INSERT and stored ones with one
 * UPDATE (whatever station pushed them: a group commit's pass holds many stations' rows),
 * numbered from `firstSeq`; then the users' history and the conflicts. Returns how many
 * rows it wrote and, for a small pass of tables every station receives alike, those rows
 * as the live page carries them (null otherwise). Throws what the database throws.
 */
async function writePass(
  client: pg.ClientBase,
  state: PassState,
  conflicts: readonly Conflict[],
  firstSeq: number,
): Promise<{ written: number; rows: WrittenRow[] | null }> {
  const byTable = new Map<TableName, { inserts: Planned[]; updates: Planned[] }>();
  for (const [key, planned] of state.written) {
    const lists = byTable.get(planned.table) ?? { inserts: [], updates: [] };
    byTable.set(planned.table, lists);
    (state.stored.has(key) ? lists.updates : lists.inserts).push(planned);
  }
  let seq = firstSeq;
  const users: AnyRow[] = [];
  let page: WrittenRow[] | null =
    state.written.size <= COMMITTED_PAGE_ROWS && [...byTable.keys()].every((table) => tableSql(table).sentAlike)
      ? []
      : null;
  // One statement in flight while the next one's arrays are built: the database inserts a
  // chunk while this thread encodes the next (both cores busy instead of taking turns).
  let inFlight: Promise<void> = Promise.resolve();
  const write = async (table: TableName, statement: string, rows: Planned[]) => {
    const sql = tableSql(table);
    for (let from = 0; from < rows.length; from += WRITE_CHUNK_ROWS) {
      const chunk = rows.slice(from, from + WRITE_CHUNK_ROWS);
      const values = columnArrays(table, chunk, seq);
      seq += chunk.length;
      await inFlight;
      inFlight = client
        .query<{ seq: string | number; r: string }>(page ? `${statement} ${sql.returningPage}` : statement, values)
        .then((result) => {
          // A row not written after all (an update that found a newer version) leaves a gap: no page.
          if (page && result.rowCount === chunk.length)
            page.push(...result.rows.map((r) => ({ table, seq: Number(r.seq), json: r.r })));
          else page = null;
        });
    }
  };
  // Unique keys are checked once the pass's rows are all written, so values swapped between
  // stored rows apply; a pass that updates no row with a unique key cannot swap any, and its
  // checks stay immediate (cheaper: no deferred recheck queued per row).
  const swaps = [...byTable].some(([table, { updates }]) => updates.length > 0 && uniqueFieldsOf(table).length > 0);
  if (swaps) await client.query(`SET CONSTRAINTS ${UNIQUE_CONSTRAINTS} DEFERRED`);
  for (const table of TABLE_NAMES) {
    const sql = tableSql(table);
    const { inserts, updates } = byTable.get(table) ?? { inserts: [], updates: [] };
    await write(table, sql.insert, inserts);
    await write(table, sql.update, updates);
    if (table === 'users') users.push(...[...inserts, ...updates].map((planned) => planned.row));
  }
  await inFlight;
  if (swaps) await client.query(`SET CONSTRAINTS ${UNIQUE_CONSTRAINTS} IMMEDIATE`);
  await appendHistory(client, users.map(historyEntryOf));
  await logConflicts(client, conflicts);
  return { written: seq - firstSeq, rows: page };
}

export async function appendHistory(client: pg.ClientBase, entries: readonly HistoryEntry[]): Promise<void> {
  if (entries.length === 0) return;
  await client.query(
    `INSERT INTO user_history ("userId", version, role, active, "publicKey")
     SELECT * FROM unnest($1::uuid[], $2::text[], $3::text[], $4::boolean[], $5::text[])`,
    [
      entries.map((e) => e.userId),
      entries.map((e) => e.version),
      entries.map((e) => e.role),
      entries.map((e) => e.active),
      entries.map((e) => e.publicKey),
    ],
  );
}

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

/** Text PostgreSQL stores: no NUL, no lone surrogate (U+FFFD instead). */
export function storableText(text: string): string {
  return text.replaceAll('\u0000', '\uFFFD').replace(LONE_SURROGATE, '\uFFFD');
}

/**
 * JSON that PostgreSQL's jsonb takes: it refuses the NUL character and lone surrogates,
 * which a refused row may carry (often why it was refused). The stored copy shows U+FFFD.
 */
export function storableJson(value: unknown): string {
  const json = JSON.stringify(value);
  if (!/\\u0000|\\ud[89a-f]/i.test(json)) return json;
  return JSON.stringify(value, (_key, v) => (typeof v === 'string' ? storableText(v) : v));
}

async function logConflicts(client: pg.ClientBase, conflicts: readonly Conflict[]): Promise<void> {
  if (conflicts.length === 0) return;
  await client.query(
    `INSERT INTO conflicts ("tableName", "rowId", lost, won, "stationId", "userId")
     SELECT * FROM unnest($1::text[], $2::uuid[], $3::jsonb[], $4::jsonb[], $5::uuid[], $6::uuid[])`,
    [
      conflicts.map((c) => c.table),
      conflicts.map((c) => c.id),
      conflicts.map((c) => storableJson(c.lost)),
      conflicts.map((c) => storableJson(c.won)),
      conflicts.map((c) => c.stationId),
      conflicts.map((c) => c.userId),
    ],
  );
}

async function underSavepoint<T>(client: pg.ClientBase, name: string, work: () => Promise<T>): Promise<T> {
  await client.query(`SAVEPOINT ${name}`);
  try {
    const result = await work();
    await client.query(`RELEASE SAVEPOINT ${name}`);
    return result;
  } catch (error) {
    await client.query(`ROLLBACK TO SAVEPOINT ${name}`);
    throw error;
  }
}

/** The reason a group the database refused is held: unique index, or whatever else it said. */
function databaseRefusal(error: unknown): Refusal {
  const { code, message, constraint } = error as { code?: string; message?: string; constraint?: string };
  if (code === '23505' || code === '23P01') {
    return refusal(
      'UNIQUE_VIOLATION',
      `Another row already uses a unique value of this group (${constraint ?? code}).`,
    );
  }
  return refusal('VALIDATION', `The database refused this group: ${message ?? String(error)}`);
}

function allConflicts(plans: Map<number, GroupPlan>): Conflict[] {
  return [...plans.values()].flatMap((plan) => (plan.kind === 'applied' ? plan.conflicts : []));
}

/**
 * Apply candidates in order: the fast path, or group by group when its write fails.
 * Returns each candidate's plan, how many rows were written from `firstSeq` on, and those
 * rows for the live page when the fast path wrote them all (writePass).
 */
async function applyCandidates(
  client: pg.ClientBase,
  candidates: readonly Candidate[],
  baseHistory: UserHistory,
  verifying: Promise<Verified>,
  context: ApplyContext,
  firstSeq: number,
  timings: PushTimings,
): Promise<{ plans: Map<number, GroupPlan>; written: number; rows: WrittenRow[] | null }> {
  let started = performance.now();
  const verified: Verified = new Map();
  const fast = await loadPassState(client, candidates, baseHistory.clone(), verified, false);
  timings.loadMs += performance.now() - started;
  // The signatures were checked on the thread pool meanwhile; waiting for the rest is verification time.
  started = performance.now();
  for (const [group, result] of await verifying) verified.set(group, result);
  timings.verifyMs += performance.now() - started;
  started = performance.now();
  const { plans, order } = planAll(candidates, fast, context);
  timings.planMs += performance.now() - started;
  started = performance.now();
  try {
    const { written, rows } = await underSavepoint(client, 'bulk_write', () =>
      writePass(client, fast, allConflicts(plans), firstSeq),
    );
    timings.writeMs += performance.now() - started;
    return { plans, written, rows };
  } catch {
    // Fall through: one group at a time, so the database's refusal lands on its group alone.
  }
  const history = baseHistory.clone();
  let seq = firstSeq;
  // In the order the plan applied them: a group that waited for a later one comes after it.
  for (const candidate of order) {
    try {
      const result = await underSavepoint(client, 'group_write', async () => {
        const state = await loadPassState(client, [candidate], history.clone(), verified, true);
        const plan = planGroup(candidate, state, context);
        const written = plan.kind === 'applied' ? (await writePass(client, state, plan.conflicts, seq)).written : 0;
        return { plan, written, state };
      });
      plans.set(candidate.index, result.plan);
      seq += result.written;
      for (const planned of result.state.written.values()) {
        if (planned.table === 'users') history.add(historyEntryOf(planned.row));
      }
    } catch (error) {
      plans.set(candidate.index, { kind: 'held', refusal: databaseRefusal(error) });
    }
  }
  timings.writeMs += performance.now() - started;
  return { plans, written: seq - firstSeq, rows: null };
}

async function finish(client: pg.ClientBase, head: number, written: number): Promise<void> {
  if (written === 0) return;
  // One statement, one round trip under the sequence lock. The NOTIFY is delivered by
  // PostgreSQL only at commit: the live channel's hint that the head moved.
  await client.query(
    'WITH moved AS (UPDATE sync_state SET head = $1 WHERE id = 1 RETURNING head) SELECT pg_notify($2, head::text) FROM moved',
    [head + written, CHANGES_CHANNEL],
  );
}

/** Tell the live channel to look again without moving the head (e.g. a review decision). */
export async function notifyChanges(client: pg.ClientBase): Promise<void> {
  const { rows } = await client.query<{ head: number | string }>('SELECT head FROM sync_state WHERE id = 1');
  await client.query('SELECT pg_notify($1, $2)', [CHANGES_CHANNEL, String(rows[0]?.head ?? 0)]);
}

/** One push of a group commit: its groups (none in the review list), its station, its checks. */
export interface PushToApply {
  readonly groups: readonly WriteGroup[];
  readonly pusher: Pusher;
  readonly verification: Verification;
}

/**
 * Apply a push's groups (already checked against the wire schema, none of them in the
 * review list). Each group is verified (signature against its user's key as of the
 * group's version), authorized (role and active then, the station's ceiling) and decided
 * whole.
 */
export async function applyGroups(
  client: pg.ClientBase,
  groups: readonly WriteGroup[],
  pusher: Pusher,
  context: ApplyContext,
  verification?: Verification,
): Promise<GroupsResult> {
  const checks = verification ?? (await startVerification(client, groups, pusher.stationId));
  const [result] = await applyPushes(client, [{ groups, pusher, verification: checks }], context);
  return result as GroupsResult;
}

/**
 * Apply several pushes in one pass, in order, as if one after the other (a group commit):
 * a later push's groups are decided against the rows of the earlier ones. Every group is
 * still decided whole and, when the pass's write fails, written alone under its savepoint,
 * so a refused group costs the other pushes nothing. One head update (and one NOTIFY) for
 * all of them; each push gets its own answer, with the head after the whole pass.
 */
export async function applyPushes(
  client: pg.ClientBase,
  pushes: readonly PushToApply[],
  context: ApplyContext,
  /** The head, when the caller took the sequence lock already (a group commit takes it first). */
  lockedHead?: number,
): Promise<GroupsResult[]> {
  const lockStarted = performance.now();
  const head = lockedHead ?? (await lockHead(client));
  const users = new Set(pushes.flatMap(({ groups }) => groups.map((g) => g.userId)));
  // Under the lock, the history that decides (a users write may have committed meanwhile).
  const history = await UserHistory.load(client, [...users]);
  const lockMs = performance.now() - lockStarted;
  const candidates: Candidate[] = [];
  const owner: number[] = [];
  for (const [n, { groups, pusher }] of pushes.entries()) {
    for (const group of groups) {
      candidates.push({ index: candidates.length, group, trust: 'verify', stationId: pusher.stationId, pusher });
      owner.push(n);
    }
  }
  const verifying = Promise.all(pushes.map(({ verification }) => verification.verifying)).then(
    (all): Verified => new Map(all.flatMap((verified) => [...verified])),
  );
  // Starting the checks (canonical bytes are built on this thread) counts as verification too.
  const startMs = pushes.reduce((sum, { verification }) => sum + verification.startMs, 0);
  const timings: PushTimings = { lockMs, loadMs: 0, verifyMs: startMs, planMs: 0, writeMs: 0, finishMs: 0 };
  const { plans, written, rows } = await applyCandidates(
    client,
    candidates,
    history,
    verifying,
    context,
    head + 1,
    timings,
  );
  const finishStarted = performance.now();
  await finish(client, head, written);
  timings.finishMs = performance.now() - finishStarted;
  const committed = rows && written > 0 ? { from: head, to: head + written, rows } : null;

  const results = pushes.map((): GroupsResult & { written: number } => ({
    cursor: head + written,
    applied: [],
    superseded: [],
    rejected: [],
    groups: [],
    written: 0,
    held: [],
    timings,
    committed,
  }));
  for (const { index, group } of candidates) {
    const plan = plans.get(index);
    const response = results[owner[index] as number];
    if (!plan || !response) continue;
    response.groups.push(outcomeOf(group.id, plan));
    if (plan.kind === 'applied') {
      response.applied.push(...plan.applied);
      response.superseded.push(...plan.superseded);
      response.written += plan.writes;
      continue;
    }
    response.rejected.push(...rowsRefused(group.changes, plan.refusal));
    if (plan.kind === 'held') response.held.push({ group, refusal: plan.refusal });
  }
  return results;
}

export function rowsRefused(changes: readonly Change[], reason: Refusal): PushResponse['rejected'] {
  return changes.map((change) => ({
    table: String(change.table),
    id: String(change.row?.id),
    code: reason.code,
    message: reason.message,
  }));
}

function outcomeOf(id: string, plan: GroupPlan): GroupOutcome {
  if (plan.kind === 'applied') return { id, status: 'applied' };
  return { id, status: plan.kind, code: plan.refusal.code, message: plan.refusal.message };
}

/**
 * Apply one group as the server: no actor is checked (the server's own rows, or a held
 * group an admin accepted), but last writer wins, the rows' rules (schema, immutable
 * rows, unique keys) still hold. Rows are recorded as pushed by `stationId`. Returns the
 * refusal, or how many rows were written; the caller's transaction must roll back on a
 * refusal only if it wants nothing else kept (nothing of the group is written then).
 */
export async function applyAsServer(
  client: pg.ClientBase,
  group: WriteGroup,
  stationId: string | null,
  context: ApplyContext,
): Promise<{ refusal: Refusal } | { written: number; cursor: number }> {
  const head = await lockHead(client);
  const candidate: Candidate = { index: 0, group, trust: 'server', stationId, pusher: null };
  try {
    const result = await underSavepoint(
      client,
      'server_write',
      async (): Promise<{ refusal: Refusal } | { written: number }> => {
        const state = await loadPassState(client, [candidate], new UserHistory(), new Map(), true);
        const plan = planGroup(candidate, state, context);
        if (plan.kind !== 'applied') return { refusal: plan.refusal };
        return { written: (await writePass(client, state, plan.conflicts, head + 1)).written };
      },
    );
    if ('refusal' in result) return result;
    await finish(client, head, result.written);
    return { written: result.written, cursor: head + result.written };
  } catch (error) {
    return { refusal: databaseRefusal(error) };
  }
}
