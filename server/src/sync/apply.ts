import { type AnyRow, type Change, type PushResponse, type Role, TABLE_NAMES, type TableName } from '@mostrador/common';
import type pg from 'pg';
import { type Acting, type Actor, type Decision, decide, precheck } from './rules.js';
import { tableSql } from './table-sql.js';
import { claimUnique, loadUniqueOwners, type UniqueOwners } from './unique-keys.js';

/**
 * Apply a batch of changes inside the caller's transaction: every write to synced tables
 * goes through here (pushes, and the server's own rows such as the first admin).
 *
 * Ordering: the single `sync_state` row is locked FIRST and held to commit, so pushes are
 * serialized and the sequence numbers they hand out become visible in commit order; a
 * reader that has seen sequence N can never later meet a commit below N. Reading the
 * stored rows after taking the lock also means no other push changes them meanwhile, so
 * every decision is made in JS on a stable state and written with one statement per table
 * and kind (insert, update).
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

interface Outcomes {
  applied: PushResponse['applied'];
  superseded: PushResponse['superseded'];
  rejected: PushResponse['rejected'];
  conflicts: Conflict[];
}

const noOutcomes = (): Outcomes => ({ applied: [], superseded: [], rejected: [], conflicts: [] });

/** What one table's share of the batch comes to, before it is written. */
interface TablePlan {
  readonly table: TableName;
  readonly outcomes: Outcomes;
  /** Rows new to the database, then rows that replace stored ones: the write order. */
  readonly inserts: AnyRow[];
  readonly updates: AnyRow[];
}

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

/**
 * Decide every row of one table in batch order, against the stored rows and the rows
 * decided before it. `owners` null skips the unique-key pre-check (the optimistic pass).
 */
function planTable(
  table: TableName,
  entries: Entry[],
  stored: Map<string, AnyRow>,
  owners: UniqueOwners | null,
  actors: Map<string, Actor>,
  context: ApplyContext,
): TablePlan {
  const outcomes = noOutcomes();
  const written = new Map<string, AnyRow>();
  for (const { row, baseVersion } of entries) {
    const current = written.get(row.id) ?? stored.get(row.id);
    const acting: Acting = context.asServer ? 'server' : actors.get(String(row.updatedBy));
    let decision = decide(table, row, baseVersion, current, acting);
    if (decision.kind === 'write') {
      const clash = owners && claimUnique(table, owners, decision.row, current);
      if (clash) {
        const message = `Another ${table} row already has this ${clash}.`;
        decision = { kind: 'rejected', refusal: { code: 'UNIQUE_VIOLATION', message } };
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
  return {
    table,
    outcomes,
    inserts: rows.filter((r) => !stored.has(r.id)),
    updates: rows.filter((r) => stored.has(r.id)),
  };
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
 * Run `write` under a savepoint. Returns false, with the savepoint rolled back, when it
 * met a unique violation; any other error propagates.
 */
async function underSavepoint(client: pg.ClientBase, name: string, write: () => Promise<unknown>): Promise<boolean> {
  await client.query(`SAVEPOINT ${name}`);
  try {
    await write();
    await client.query(`RELEASE SAVEPOINT ${name}`);
    return true;
  } catch (error) {
    await client.query(`ROLLBACK TO SAVEPOINT ${name}`);
    if (!isUniqueViolation(error)) throw error;
    return false;
  }
}

/** The planned rows in two statements (inserts, then updates), numbered from `firstSeq`. */
function writeBulk(client: pg.ClientBase, { table, inserts, updates }: TablePlan, firstSeq: number) {
  return underSavepoint(client, 'bulk_write', async () => {
    const sql = tableSql(table);
    if (inserts.length) await client.query(sql.insert, columnArrays(table, inserts, firstSeq));
    if (updates.length) await client.query(sql.update, columnArrays(table, updates, firstSeq + inserts.length));
  });
}

/** Row by row, refusing only the rows the database's unique indexes still reject. */
async function writeEach(client: pg.ClientBase, plan: TablePlan, firstSeq: number): Promise<void> {
  const { table, outcomes } = plan;
  const refused = new Set<string>();
  for (const [i, row] of [...plan.inserts, ...plan.updates].entries()) {
    const upsert = () => client.query(tableSql(table).upsert, columnArrays(table, [row], firstSeq + i));
    if (!(await underSavepoint(client, 'row_write', upsert))) refused.add(row.id);
  }
  if (refused.size === 0) return;
  outcomes.applied = outcomes.applied.filter((a) => !refused.has(a.id));
  outcomes.conflicts = outcomes.conflicts.filter((c) => !refused.has(c.id));
  for (const id of refused) {
    outcomes.rejected.push({
      table,
      id,
      code: 'UNIQUE_VIOLATION',
      message: `Another ${table} row already uses a unique value of this row.`,
    });
  }
}

const writtenCount = (plan: TablePlan) => plan.inserts.length + plan.updates.length;

/**
 * Plan and write one table's rows. Clashes of unique keys are rare, so the first pass
 * writes without looking them up (the indexes would refuse a clash); only when they do is
 * the pass redone with the pre-check, which refuses just the later row of each clash.
 */
async function applyTable(
  client: pg.ClientBase,
  table: TableName,
  entries: Entry[],
  actors: Map<string, Actor>,
  context: ApplyContext,
  firstSeq: number,
): Promise<TablePlan> {
  const stored = await loadStored(client, table, entries);
  const actorsBefore = new Map(actors);
  const optimistic = planTable(table, entries, stored, null, actors, context);
  if (writtenCount(optimistic) === 0 || (await writeBulk(client, optimistic, firstSeq))) return optimistic;

  for (const [id, actor] of actorsBefore) actors.set(id, actor);
  for (const id of actors.keys()) if (!actorsBefore.has(id)) actors.delete(id);
  const owners = await loadUniqueOwners(
    client,
    table,
    entries.map((e) => e.row),
  );
  const checked = planTable(table, entries, stored, owners, actors, context);
  if (writtenCount(checked) > 0 && !(await writeBulk(client, checked, firstSeq))) {
    await writeEach(client, checked, firstSeq);
  }
  return checked;
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

function merge(into: Outcomes, from: Outcomes): void {
  into.applied.push(...from.applied);
  into.superseded.push(...from.superseded);
  into.rejected.push(...from.rejected);
  into.conflicts.push(...from.conflicts);
}

export async function applyChanges(
  client: pg.ClientBase,
  changes: readonly Change[],
  context: ApplyContext,
): Promise<ApplyResult> {
  const head = await lockHead(client);
  const outcomes = noOutcomes();
  const groups = groupByTable(changes, context, outcomes);
  const actorIds = [...new Set([...groups.values()].flat().map((e) => String(e.row.updatedBy)))];
  const actors = context.asServer || actorIds.length === 0 ? new Map() : await loadActors(client, actorIds);

  // Registry order: users first, so a user created in this batch may act for later rows.
  let next = head;
  for (const table of TABLE_NAMES) {
    const entries = groups.get(table);
    if (!entries) continue;
    const plan = await applyTable(client, table, entries, actors, context, next + 1);
    merge(outcomes, plan.outcomes);
    next += writtenCount(plan);
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
