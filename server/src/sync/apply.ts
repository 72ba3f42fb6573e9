import {
  type AnyRow,
  type Change,
  type PushResponse,
  type Role,
  TABLE_NAMES,
  type TableName,
  uniqueFieldsOf,
} from '@mostrador/common';
import type pg from 'pg';
import { type Acting, type Actor, type Decision, decide, precheck } from './rules.js';
import { tableSql } from './table-sql.js';

/**
 * Apply a batch of changes inside the caller's transaction: every write to synced tables
 * goes through here (pushes, and the server's own rows such as the first admin).
 *
 * Ordering: the single `sync_state` row is locked FIRST and held to commit, so pushes are
 * serialized and the sequence numbers they hand out become visible in commit order; a
 * reader that has seen sequence N can never later meet a commit below N. Reading the
 * stored rows after taking the lock also means no other push changes them meanwhile, so
 * every decision is made in JS on a stable state and written with one statement per table.
 */

export interface ApplyContext {
  readonly nowMs: number;
  readonly clockAheadMs: number;
  /** The pushing station (recorded with conflicts), or null for the server's own writes. */
  readonly stationId: string | null;
  /** The server writing its own rows: no acting user is checked. */
  readonly asServer?: boolean;
}

export interface ApplyResult extends PushResponse {
  /** Rows actually written (inserted or updated), each with a new sequence number. */
  readonly written: number;
}

export const CHANGES_CHANNEL = 'mostrador_changes';

interface Entry {
  readonly row: AnyRow;
  readonly baseVersion: string | null | undefined;
}

interface Conflict {
  readonly table: TableName;
  readonly id: string;
  readonly lost: AnyRow;
  readonly won: AnyRow;
}

interface TableOutcome {
  readonly table: TableName;
  /** Rows to write, in write order: those new to the database first, then updates. */
  readonly inserts: AnyRow[];
  readonly updates: AnyRow[];
}

type Outcomes = {
  applied: PushResponse['applied'];
  superseded: PushResponse['superseded'];
  rejected: PushResponse['rejected'];
  conflicts: Conflict[];
};

async function lockHead(client: pg.ClientBase): Promise<number> {
  const { rows } = await client.query<{ head: number | string }>('SELECT head FROM sync_state WHERE id = 1 FOR UPDATE');
  if (!rows[0]) throw new Error('sync_state has no head row; run the migrations');
  // bigint arrives as a string from a client without the pool's int8 parser.
  return Number(rows[0].head);
}

async function loadActors(client: pg.ClientBase, ids: string[]): Promise<Map<string, Actor>> {
  const { rows } = await client.query<{ id: string; role: Role; active: boolean }>(
    'SELECT id, role, (active AND "deletedAt" IS NULL) AS active FROM users WHERE id = ANY($1::uuid[])',
    [ids],
  );
  return new Map(rows.map((r) => [r.id, { role: r.role, active: r.active }]));
}

async function loadStored(client: pg.ClientBase, table: TableName, entries: Entry[]): Promise<Map<string, AnyRow>> {
  const ids = [...new Set(entries.map((e) => e.row.id))];
  const { rows } = await client.query<AnyRow>(tableSql(table).selectByIds, [ids]);
  return new Map(rows.map((row) => [row.id, row]));
}

/** Per unique field: which live row holds each value the batch mentions. */
async function loadUniqueOwners(
  client: pg.ClientBase,
  table: TableName,
  entries: Entry[],
): Promise<Map<string, Map<unknown, string>>> {
  const owners = new Map<string, Map<unknown, string>>();
  for (const [field, sql] of tableSql(table).selectUniqueOwners) {
    const values = [...new Set(entries.map((e) => e.row[field]).filter((v) => v !== null && v !== undefined))];
    const { rows } = values.length ? await client.query<{ id: string; value: unknown }>(sql, [values]) : { rows: [] };
    owners.set(field, new Map(rows.map((r) => [r.value, r.id])));
  }
  return owners;
}

/** Claim the row's unique values, or name the field another live row already holds. */
function claimUnique(
  table: TableName,
  owners: Map<string, Map<unknown, string>>,
  row: AnyRow,
  previous: AnyRow | undefined,
): string | null {
  const live = row.deletedAt === null || row.deletedAt === undefined;
  for (const field of uniqueFieldsOf(table)) {
    const value = row[field];
    const holder = owners.get(field)?.get(value);
    if (live && value !== null && value !== undefined && holder !== undefined && holder !== row.id) return field;
  }
  for (const field of uniqueFieldsOf(table)) {
    const fieldOwners = owners.get(field) as Map<unknown, string>;
    const old = previous?.[field];
    if (old !== undefined && fieldOwners.get(old) === row.id) fieldOwners.delete(old);
    if (live && row[field] !== null && row[field] !== undefined) fieldOwners.set(row[field], row.id);
  }
  return null;
}

function record(outcomes: Outcomes, table: TableName, id: string, decision: Decision): void {
  switch (decision.kind) {
    case 'write':
      outcomes.applied.push({ table, id });
      if (decision.lost) outcomes.conflicts.push({ table, id, lost: decision.lost, won: decision.row });
      return;
    case 'unchanged':
      outcomes.applied.push({ table, id });
      return;
    case 'superseded':
      outcomes.superseded.push({ table, id, row: decision.winner });
      if (decision.lost) outcomes.conflicts.push({ table, id, lost: decision.lost, won: decision.winner });
      return;
    case 'rejected':
      outcomes.rejected.push({ table, id, ...decision.refusal });
  }
}

async function decideTable(
  client: pg.ClientBase,
  table: TableName,
  entries: Entry[],
  actors: Map<string, Actor>,
  context: ApplyContext,
  outcomes: Outcomes,
): Promise<TableOutcome> {
  const stored = await loadStored(client, table, entries);
  const owners = await loadUniqueOwners(client, table, entries);
  const written = new Map<string, AnyRow>();
  for (const { row, baseVersion } of entries) {
    const current = written.get(row.id) ?? stored.get(row.id);
    const acting: Acting = context.asServer ? 'server' : actors.get(String(row.updatedBy));
    let decision = decide(table, row, baseVersion, current, acting);
    if (decision.kind === 'write') {
      const clash = claimUnique(table, owners, decision.row, current);
      if (clash) {
        decision = {
          kind: 'rejected',
          refusal: { code: 'UNIQUE_VIOLATION', message: `Another ${table} row already has this ${clash}.` },
        };
      } else {
        written.set(row.id, decision.row);
        // A user created or changed earlier in the batch acts for the rows after it.
        if (table === 'users') {
          const user = decision.row;
          actors.set(user.id, { role: user.role as Role, active: user.active === true && user.deletedAt === null });
        }
      }
    }
    record(outcomes, table, row.id, decision);
  }
  const rows = [...written.values()];
  return { table, inserts: rows.filter((r) => !stored.has(r.id)), updates: rows.filter((r) => stored.has(r.id)) };
}

function columnArrays(table: TableName, rows: AnyRow[], firstSeq: number): unknown[][] {
  const arrays = tableSql(table).columns.map((column) => rows.map((row) => row[column] ?? null));
  arrays.push(rows.map((_, i) => firstSeq + i));
  return arrays;
}

function isUniqueViolation(error: unknown): boolean {
  return (error as { code?: unknown })?.code === '23505';
}

/**
 * Write a table's decided rows, numbered from `firstSeq` in order. The bulk statements are
 * the fast path; if they still meet a unique violation the pre-check could not foresee,
 * the rows go one by one so only the offending ones are refused. Returns the ids refused.
 */
async function writeTable(
  client: pg.ClientBase,
  { table, inserts, updates }: TableOutcome,
  firstSeq: number,
): Promise<string[]> {
  const sql = tableSql(table);
  const rows = [...inserts, ...updates];
  await client.query('SAVEPOINT bulk_write');
  try {
    if (inserts.length) await client.query(sql.insert, columnArrays(table, inserts, firstSeq));
    if (updates.length) await client.query(sql.update, columnArrays(table, updates, firstSeq + inserts.length));
    await client.query('RELEASE SAVEPOINT bulk_write');
    return [];
  } catch (error) {
    await client.query('ROLLBACK TO SAVEPOINT bulk_write');
    if (!isUniqueViolation(error)) throw error;
  }
  const refused: string[] = [];
  for (const [i, row] of rows.entries()) {
    await client.query('SAVEPOINT row_write');
    try {
      await client.query(sql.upsert, columnArrays(table, [row], firstSeq + i));
      await client.query('RELEASE SAVEPOINT row_write');
    } catch (error) {
      await client.query('ROLLBACK TO SAVEPOINT row_write');
      if (!isUniqueViolation(error)) throw error;
      refused.push(row.id);
    }
  }
  return refused;
}

function dropRefused(outcomes: Outcomes, table: TableName, refused: string[]): void {
  const ids = new Set(refused);
  outcomes.applied = outcomes.applied.filter((a) => a.table !== table || !ids.has(a.id));
  outcomes.conflicts = outcomes.conflicts.filter((c) => c.table !== table || !ids.has(c.id));
  for (const id of ids) {
    outcomes.rejected.push({
      table,
      id,
      code: 'UNIQUE_VIOLATION',
      message: `Another ${table} row already uses a unique value of this row.`,
    });
  }
}

async function logConflicts(client: pg.ClientBase, conflicts: Conflict[], stationId: string | null): Promise<void> {
  if (conflicts.length === 0) return;
  await client.query(
    `INSERT INTO conflicts ("tableName", "rowId", lost, won, "stationId")
     SELECT * FROM unnest($1::text[], $2::uuid[], $3::jsonb[], $4::jsonb[], $5::uuid[])`,
    [
      conflicts.map((c) => c.table),
      conflicts.map((c) => c.id),
      conflicts.map((c) => JSON.stringify(c.lost)),
      conflicts.map((c) => JSON.stringify(c.won)),
      conflicts.map(() => stationId),
    ],
  );
}

function groupByTable(changes: readonly Change[], context: ApplyContext, outcomes: Outcomes): Map<TableName, Entry[]> {
  const groups = new Map<TableName, Entry[]>();
  for (const change of changes) {
    const checked = precheck(change.table, change.row, context.nowMs, context.clockAheadMs);
    if ('code' in checked) {
      outcomes.rejected.push({ table: change.table, id: String(change.row.id), ...checked });
      continue;
    }
    const entries = groups.get(checked.table) ?? [];
    entries.push({ row: checked.row, baseVersion: change.baseVersion });
    groups.set(checked.table, entries);
  }
  return groups;
}

export async function applyChanges(
  client: pg.ClientBase,
  changes: readonly Change[],
  context: ApplyContext,
): Promise<ApplyResult> {
  const head = await lockHead(client);
  const outcomes: Outcomes = { applied: [], superseded: [], rejected: [], conflicts: [] };
  const groups = groupByTable(changes, context, outcomes);
  const actorIds = [...new Set([...groups.values()].flat().map((e) => String(e.row.updatedBy)))];
  const actors = context.asServer || actorIds.length === 0 ? new Map() : await loadActors(client, actorIds);

  // Registry order: users first, so a user created in this batch may act for later rows.
  let next = head;
  for (const table of TABLE_NAMES) {
    const entries = groups.get(table);
    if (!entries) continue;
    const decided = await decideTable(client, table, entries, actors, context, outcomes);
    const count = decided.inserts.length + decided.updates.length;
    if (count === 0) continue;
    const refused = await writeTable(client, decided, next + 1);
    if (refused.length) dropRefused(outcomes, table, refused);
    next += count;
  }
  await logConflicts(client, outcomes.conflicts, context.stationId);
  if (next > head) {
    await client.query('UPDATE sync_state SET head = $1 WHERE id = 1', [next]);
    // Delivered by PostgreSQL only at commit: the live channel's hint that the head moved.
    await client.query('SELECT pg_notify($1, $2)', [CHANGES_CHANNEL, String(next)]);
  }
  const { applied, superseded, rejected } = outcomes;
  return { cursor: next, applied, superseded, rejected, written: next - head };
}
