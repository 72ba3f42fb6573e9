import {
  asSentTo,
  type Change,
  type GroupOutcome,
  isTableName,
  MostradorError,
  type PushResponse,
  type ReviewGroupView,
  type ReviewStatus,
  type Role,
  type WriteGroup,
} from '@mostrador/common';
import type pg from 'pg';
import {
  type ApplyContext,
  applyAsServer,
  loadStored,
  lockHead,
  notifyChanges,
  rowsRefused,
  storableJson,
  storableText,
} from './apply.js';
import type { Refusal } from './rules.js';

/**
 * Facts are never lost: a verified group refused by authorization or a rule is kept whole
 * in `review_groups` and answered `held`. An admin accepts it (it applies whole, as the
 * server, with last writer wins and the rows' rules still on) or rejects it (its station
 * is told, with the server's current rows, and undoes it locally). A re-push of a group
 * in review is answered from the review row, never applied again.
 */

interface ReviewRecord {
  id: string;
  stationId: string;
  userId: string;
  version: string;
  changes: Change[];
  signature: string;
  code: string;
  message: string;
  status: ReviewStatus;
  createdAt: Date;
  decidedAt: Date | null;
  decidedBy: string | null;
  decisionNote: string | null;
}

export async function findReviewed(client: pg.ClientBase, ids: readonly string[]): Promise<Map<string, ReviewRecord>> {
  if (ids.length === 0) return new Map();
  const { rows } = await client.query<ReviewRecord>('SELECT * FROM review_groups WHERE id = ANY($1::uuid[])', [ids]);
  return new Map(rows.map((r) => [r.id, r]));
}

/** Keep held groups for review, each with its pushing station (a group already there stays as it is). */
export async function holdGroups(
  client: pg.ClientBase,
  held: readonly { group: WriteGroup; refusal: Refusal; stationId: string }[],
): Promise<void> {
  if (held.length === 0) return;
  await client.query(
    `INSERT INTO review_groups (id, "stationId", "userId", version, changes, signature, code, message)
     SELECT id, "stationId", "userId", version, changes, signature, code, message
     FROM unnest($1::uuid[], $2::uuid[], $3::uuid[], $4::text[], $5::jsonb[], $6::text[], $7::text[], $8::text[])
       AS h("stationId", id, "userId", version, changes, signature, code, message)
     ON CONFLICT (id) DO NOTHING`,
    [
      held.map((h) => h.stationId),
      held.map((h) => h.group.id),
      held.map((h) => h.group.userId),
      held.map((h) => h.group.version),
      held.map((h) => storableJson(h.group.changes)),
      held.map((h) => storableText(h.group.signature)),
      held.map((h) => h.refusal.code),
      held.map((h) => h.refusal.message),
    ],
  );
}

/**
 * A group held because a row it names was not on the server (MISSING_REFERENCE) is no
 * judgement for an admin to make: the row may be on its way (after a restored database, the
 * stations push again what the server lost, each in its own time). Its station sends it again
 * with every push; each time it is planned again, and once the row it names is there it
 * applies whole, closed in the review list with this note and no admin.
 */
export function waitsForReference(review: ReviewRecord, stationId: string): boolean {
  return review.status === 'pending' && review.code === 'MISSING_REFERENCE' && review.stationId === stationId;
}

/** The decision note of a group that applied by itself once the rows it names arrived. */
export const ARRIVED_NOTE = 'applied once the rows it names reached the server';

/** Record what became of groups in review that were planned again (see waitsForReference). */
export async function settleRetried(client: pg.ClientBase, outcomes: readonly GroupOutcome[]): Promise<void> {
  for (const outcome of outcomes) {
    if (outcome.status === 'applied') {
      await client.query(
        `UPDATE review_groups SET status = 'accepted', "decidedAt" = now(), "decisionNote" = $2
         WHERE id = $1 AND status = 'pending'`,
        [outcome.id, ARRIVED_NOTE],
      );
    } else {
      // Still held (for this reason or, now that the row is there, another), or refused.
      await client.query(
        `UPDATE review_groups SET code = $2, message = $3,
           status = CASE WHEN $4 THEN 'rejected' ELSE status END,
           "decidedAt" = CASE WHEN $4 THEN now() ELSE "decidedAt" END
         WHERE id = $1 AND status = 'pending'`,
        [outcome.id, outcome.code ?? 'VALIDATION', outcome.message ?? '', outcome.status === 'rejected'],
      );
    }
  }
}

/** The server's current version of each row of a group (null where it has none), as the station receives rows. */
async function currentRows(
  client: pg.ClientBase,
  changes: readonly Change[],
  ceiling: Role,
): Promise<GroupOutcome['rows']> {
  const rows: NonNullable<GroupOutcome['rows']> = [];
  for (const change of changes) {
    const id = String(change.row?.id);
    let row = null;
    if (isTableName(change.table) && /^[0-9a-f-]{36}$/.test(id)) {
      const stored = (await loadStored(client, change.table, [id])).get(id)?.row;
      row = stored ? asSentTo(change.table, stored, ceiling) : null;
    }
    rows.push({ table: String(change.table), id, row });
  }
  return rows;
}

function reviewRefusal(review: ReviewRecord): Refusal {
  return { code: review.code as Refusal['code'], message: review.message };
}

/** The answer to a re-pushed group that is in review. */
export async function answerReviewed(
  client: pg.ClientBase,
  review: ReviewRecord,
  ceiling: Role,
): Promise<{ outcome: GroupOutcome; applied: PushResponse['applied']; rejected: PushResponse['rejected'] }> {
  const { id, changes } = review;
  if (review.status === 'accepted') {
    return {
      outcome: { id, status: 'applied' },
      applied: changes.map((c) => ({ table: c.table, id: String(c.row.id) })),
      rejected: [],
    };
  }
  if (review.status === 'pending') {
    const refusal = reviewRefusal(review);
    return { outcome: { id, status: 'held', ...refusal }, applied: [], rejected: rowsRefused(changes, refusal) };
  }
  const refusal: Refusal = {
    code: review.code as Refusal['code'],
    message:
      review.decidedBy === null && review.decisionNote === WITHDRAWN_NOTE
        ? `Withdrawn at its station (held because: ${review.message})`
        : `Rejected by an admin${review.decisionNote ? `: ${review.decisionNote}` : ''} (held because: ${review.message})`,
  };
  return {
    outcome: { id, status: 'rejected', ...refusal, rows: await currentRows(client, changes, ceiling) },
    applied: [],
    rejected: rowsRefused(changes, refusal),
  };
}

function toView(r: ReviewRecord & { stationName: string | null; username: string | null }): ReviewGroupView {
  return {
    id: r.id,
    stationId: r.stationId,
    stationName: r.stationName,
    userId: r.userId,
    username: r.username,
    version: r.version,
    changes: r.changes,
    code: r.code,
    message: r.message,
    status: r.status,
    createdAt: r.createdAt.toISOString(),
    decidedAt: r.decidedAt ? r.decidedAt.toISOString() : null,
    decidedBy: r.decidedBy,
    decisionNote: r.decisionNote,
  };
}

export async function listReview(db: pg.Pool, status: ReviewStatus | undefined): Promise<ReviewGroupView[]> {
  const { rows } = await db.query<ReviewRecord & { stationName: string | null; username: string | null }>(
    `SELECT r.*, s.name AS "stationName", u.username
     FROM review_groups r LEFT JOIN stations s ON s.id = r."stationId" LEFT JOIN users u ON u.id = r."userId"
     WHERE $1::text IS NULL OR r.status = $1 ORDER BY r."createdAt", r.id LIMIT 1000`,
    [status ?? null],
  );
  return rows.map(toView);
}

async function pending(client: pg.ClientBase, id: string): Promise<ReviewRecord> {
  const { rows } = await client.query<ReviewRecord>('SELECT * FROM review_groups WHERE id = $1 FOR UPDATE', [id]);
  const review = rows[0];
  if (!review) throw new MostradorError('NOT_FOUND', `No group ${id} in review.`);
  if (review.status !== 'pending') throw new MostradorError('CONFLICT', `Group ${id} was already ${review.status}.`);
  return review;
}

/**
 * Apply a held group whole as the server: its rows are recorded as pushed by the group's
 * station and written by the group's user. 409 with the reason when it still cannot apply.
 */
export async function acceptReview(
  client: pg.ClientBase,
  id: string,
  adminId: string,
  note: string | undefined,
  context: ApplyContext,
): Promise<{ cursor: number }> {
  await lockHead(client); // first, as every push does: one lock order
  const review = await pending(client, id);
  const group: WriteGroup = {
    id: review.id,
    userId: review.userId,
    version: review.version,
    signature: review.signature,
    changes: review.changes.map((c) => ({ ...c, row: { ...c.row, updatedBy: review.userId } })),
  };
  const result = await applyAsServer(client, group, review.stationId, context);
  if ('refusal' in result) {
    throw new MostradorError(
      result.refusal.code === 'UNIQUE_VIOLATION' ? 'UNIQUE_VIOLATION' : 'CONFLICT',
      `The group still cannot apply: ${result.refusal.message}`,
    );
  }
  await decide(client, id, 'accepted', adminId, note);
  if (result.written === 0) await notifyChanges(client);
  return { cursor: result.cursor };
}

export async function rejectReview(
  client: pg.ClientBase,
  id: string,
  adminId: string,
  note: string | undefined,
): Promise<void> {
  await lockHead(client);
  await pending(client, id);
  await decide(client, id, 'rejected', adminId, note);
  await notifyChanges(client);
}

/**
 * Issue 13: the station that pushed a held group withdraws it ("Descartar" there), as an admin
 * would reject it: it is answered `rejected` with the server's rows at its next push, and the
 * station undoes it whole. Only that station may, and only while no admin has decided.
 */
export async function withdrawReview(client: pg.ClientBase, id: string, stationId: string): Promise<void> {
  await lockHead(client);
  // Another station's group is not there for this one, decided or not.
  const { rows } = await client.query<{ stationId: string }>('SELECT "stationId" FROM review_groups WHERE id = $1', [
    id,
  ]);
  if (rows[0]?.stationId !== stationId)
    throw new MostradorError('NOT_FOUND', `No group ${id} in review from this station.`);
  await pending(client, id);
  await client.query(
    `UPDATE review_groups SET status = 'rejected', "decidedAt" = now(), "decisionNote" = $2 WHERE id = $1`,
    [id, WITHDRAWN_NOTE],
  );
  await notifyChanges(client);
}

/** The decision note of a group its own station withdrew (decidedBy stays empty: no admin decided). */
export const WITHDRAWN_NOTE = 'withdrawn at its station';

async function decide(
  client: pg.ClientBase,
  id: string,
  status: ReviewStatus,
  adminId: string,
  note: string | undefined,
): Promise<void> {
  await client.query(
    `UPDATE review_groups SET status = $2, "decidedAt" = now(), "decidedBy" = $3, "decisionNote" = $4 WHERE id = $1`,
    [id, status, adminId, note ?? null],
  );
}
