import {
  asSentTo,
  MAX_PUSH_CHANGES,
  MostradorError,
  type PushResponse,
  type Role,
  type TableName,
  type WriteGroup,
} from '@mostrador/common';
import type pg from 'pg';
import { type ApplyContext, applyPushes, type GroupsResult, lockHeadAndEpoch, type Verification } from './apply.js';
import type { CommittedPage } from './commit-page.js';
import { answerReviewed, findReviewed, holdGroups, settleRetried, waitsForReference } from './review.js';

/**
 * Group commit: pushes that arrive while a commit is in flight wait, and then share ONE
 * transaction and ONE commit. A push holds the sequence lock through an fsync'd commit, so
 * one push per transaction caps a server at the disk's serial commit rate (a few hundred a
 * second) whatever else it has; sharing the commit divides its cost by the batch.
 *
 * What each push keeps: its own answer, its own refusals, and each of its groups all or
 * nothing (see apply.ts: groups are decided one by one in push order, and written alone
 * under their own savepoint when the shared write fails). When anything else fails, the
 * batch is redone one push at a time, each under its own savepoint, so a push that fails
 * is answered with its own error and the others still commit. When the COMMIT itself
 * fails, nothing of the batch was applied and every push is answered 503 (retryable).
 *
 * Ordering: one batch at a time on this instance, and each batch takes the sequence lock
 * first and holds it to its commit, as a single push did: sequence numbers stay in commit
 * order across batches and across API instances. One NOTIFY per batch, at its commit.
 *
 * Latency: no timer. The first push into an idle queue commits at once, alone; the pushes
 * that arrive meanwhile form the next batch, up to `maxPushes` pushes and `maxChanges`
 * rows (a single push larger than that still goes, alone), so a batch's time stays bounded.
 */

export interface GroupCommitLimits {
  /** Most pushes sharing one commit. */
  readonly maxPushes: number;
  /** Most rows sharing one commit (a single larger push still goes, alone). */
  readonly maxChanges: number;
}

export const DEFAULT_GROUP_COMMIT: GroupCommitLimits = { maxPushes: 100, maxChanges: MAX_PUSH_CHANGES };

/** One push waiting for a commit: its station, its groups, its signature checks under way. */
export interface PushJob {
  readonly stationId: string;
  /** The server epoch the station last pulled from, when it says (PushRequest.epoch). */
  readonly epoch?: string;
  readonly groups: readonly WriteGroup[];
  readonly verification: Verification;
}

export interface PushAnswer {
  readonly response: PushResponse;
  /** The apply's details for the push log. */
  readonly result: GroupsResult;
  /** How many pushes shared this push's commit (itself included). */
  readonly batch: number;
  /** ms from `push` until its batch began (waiting for the commit before it, the pool). */
  readonly waitedMs: number;
  /** ms of its batch's COMMIT. */
  readonly commitMs: number;
}

/** A push's answer as its pass decided it, before its batch commits. */
type AppliedPush = Pick<PushAnswer, 'response' | 'result'>;

interface Waiting {
  readonly job: PushJob;
  readonly queuedAt: number;
  readonly changes: number;
  readonly resolve: (answer: PushAnswer) => void;
  readonly reject: (error: unknown) => void;
}

type Outcome = { readonly answer: AppliedPush } | { readonly error: unknown };

/** A batch's outcomes, and its rows for the live notice when they are known whole (see CommittedPage). */
interface BatchOutcome {
  readonly outcomes: Outcome[];
  readonly committed: CommittedPage | null;
}

export class GroupCommit {
  private readonly queue: Waiting[] = [];
  private committing = false;

  constructor(
    private readonly db: pg.Pool,
    private readonly context: () => ApplyContext,
    private readonly limits: GroupCommitLimits = DEFAULT_GROUP_COMMIT,
    /**
     * Told, just before COMMIT, the rows a batch wrote (when known whole) and its COMMIT's
     * outcome to come: true once committed (before any push of it is answered), else false.
     */
    private readonly onCommit: (page: CommittedPage, committed: Promise<boolean>) => void = () => {},
  ) {}

  /** Apply a push in the next commit; resolves after that commit with the push's own answer. */
  push(job: PushJob): Promise<PushAnswer> {
    const changes = job.groups.reduce((sum, group) => sum + group.changes.length, 0);
    const answered = new Promise<PushAnswer>((resolve, reject) => {
      this.queue.push({ job, queuedAt: performance.now(), changes, resolve, reject });
    });
    if (!this.committing) void this.drain();
    return answered;
  }

  /** Pushes waiting for a commit (not counting the batch being committed). */
  get waiting(): number {
    return this.queue.length;
  }

  private async drain(): Promise<void> {
    this.committing = true;
    try {
      while (this.queue.length > 0) await this.commit(this.nextBatch());
    } finally {
      this.committing = false;
    }
  }

  private nextBatch(): Waiting[] {
    const batch = this.queue.splice(0, 1);
    let changes = batch[0]?.changes ?? 0;
    while (batch.length < this.limits.maxPushes) {
      const next = this.queue[0];
      if (!next || changes + next.changes > this.limits.maxChanges) break;
      batch.push(next);
      changes += next.changes;
      this.queue.shift();
    }
    return batch;
  }

  /** One transaction for the batch; settles every push in it (never throws). */
  private async commit(batch: Waiting[]): Promise<void> {
    const began = performance.now();
    let client: pg.PoolClient;
    try {
      client = await this.db.connect();
    } catch (error) {
      for (const waiting of batch) waiting.reject(error);
      return;
    }
    let broken = false;
    let outcomes: Outcome[];
    let committed: CommittedPage | null;
    try {
      await client.query('BEGIN');
      ({ outcomes, committed } = await this.applyBatch(client, batch));
    } catch (error) {
      // Only a failure the batch cannot isolate (the connection, BEGIN) lands here.
      broken = !(await rollback(client));
      client.release(broken);
      for (const waiting of batch) waiting.reject(error);
      return;
    }
    let settle: (committed: boolean) => void = () => {};
    if (committed) this.onCommit(committed, new Promise<boolean>((resolve) => (settle = resolve)));
    const commitStarted = performance.now();
    try {
      await client.query('COMMIT');
    } catch (error) {
      settle(false);
      broken = !(await rollback(client));
      client.release(broken);
      const failed = new MostradorError(
        'DB_UNAVAILABLE',
        `The commit this push shared with ${batch.length - 1} others failed (${(error as Error).message}); nothing of it was applied: push again.`,
      );
      for (const waiting of batch) waiting.reject(failed);
      return;
    }
    const commitMs = performance.now() - commitStarted;
    client.release();
    settle(true);
    for (const [n, waiting] of batch.entries()) {
      const outcome = outcomes[n];
      const timing = { batch: batch.length, waitedMs: began - waiting.queuedAt, commitMs };
      if (outcome && 'answer' in outcome) waiting.resolve({ ...outcome.answer, ...timing });
      else waiting.reject(outcome?.error ?? new Error('group commit: a push got no outcome'));
    }
  }

  /**
   * All pushes in one pass; when that fails, one push at a time, each under its savepoint
   * (then no rows for the live notice: the LISTEN path reads them).
   */
  private async applyBatch(client: pg.PoolClient, batch: readonly Waiting[]): Promise<BatchOutcome> {
    const context = this.context();
    await client.query('SAVEPOINT push_batch');
    try {
      const answers = await applyTogether(
        client,
        batch.map((waiting) => waiting.job),
        context,
      );
      // Left for COMMIT to release: one round trip less under the sequence lock.
      return { outcomes: answers.map((answer) => ({ answer })), committed: answers[0]?.result.committed ?? null };
    } catch (error) {
      await client.query('ROLLBACK TO SAVEPOINT push_batch');
      if (batch.length === 1) return { outcomes: [{ error }], committed: null };
    }
    const outcomes: Outcome[] = [];
    for (const waiting of batch) {
      await client.query('SAVEPOINT push_one');
      try {
        const [answer] = await applyTogether(client, [waiting.job], context);
        await client.query('RELEASE SAVEPOINT push_one');
        outcomes.push(answer ? { answer } : { error: new Error('group commit: no answer') });
      } catch (error) {
        await client.query('ROLLBACK TO SAVEPOINT push_one');
        outcomes.push({ error });
      }
    }
    return { outcomes, committed: null };
  }
}

async function rollback(client: pg.PoolClient): Promise<boolean> {
  try {
    await client.query('ROLLBACK');
    return true;
  } catch {
    return false;
  }
}

/**
 * Apply pushes in the caller's transaction, in order, as one pass: each push gets the
 * answer it would have got alone (its stations's ceiling, its groups in review answered
 * from the review list, its held groups kept for review).
 */
export async function applyTogether(
  client: pg.ClientBase,
  jobs: readonly PushJob[],
  context: ApplyContext,
): Promise<AppliedPush[]> {
  // The sequence lock first, as every writer takes it: one lock order.
  const { head, epoch } = await lockHeadAndEpoch(client);
  // A push from another history applies nothing (a batch then goes one push at a time, so
  // only that push fails): its rows may name rows the server lost, and its station must
  // first queue those again (reconcile).
  const stale = jobs.find((job) => job.epoch !== undefined && job.epoch !== epoch);
  if (stale) {
    throw new MostradorError(
      'HISTORY_CHANGED',
      `This server's history is ${epoch}, not ${stale.epoch}: its database was restored or replaced. Reconcile, then push again.`,
    );
  }
  const stationIds = [...new Set(jobs.map((job) => job.stationId))];
  const { rows } = await client.query<{ id: string; ceiling: Role }>(
    'SELECT id, ceiling FROM stations WHERE id = ANY($1::uuid[])',
    [stationIds],
  );
  const ceilings = new Map(rows.map((row) => [row.id, row.ceiling]));
  const reviewed = await findReviewed(
    client,
    jobs.flatMap((job) => job.groups.map((group) => group.id)),
  );
  // A group waiting in review for a row it names is tried again each time it is sent.
  const answeredFromReview = (group: WriteGroup, stationId: string) => {
    const review = reviewed.get(group.id);
    return review !== undefined && !waitsForReference(review, stationId);
  };
  const results = await applyPushes(
    client,
    jobs.map((job) => ({
      groups: job.groups.filter((group) => !answeredFromReview(group, job.stationId)),
      pusher: { stationId: job.stationId, ceiling: ceilings.get(job.stationId) ?? 'cashier' },
      verification: job.verification,
    })),
    context,
    head,
  );
  await holdGroups(
    client,
    results.flatMap((result, n) => result.held.map((held) => ({ ...held, stationId: jobs[n]?.stationId ?? '' }))),
  );
  await settleRetried(
    client,
    results.flatMap((result) => result.groups).filter((outcome) => reviewed.has(outcome.id)),
  );
  const answers: AppliedPush[] = [];
  for (const [n, job] of jobs.entries()) {
    const result = results[n] as GroupsResult;
    const ceiling = ceilings.get(job.stationId) ?? 'cashier';
    const outcomes = new Map(result.groups.map((outcome) => [outcome.id, outcome]));
    const applied = [...result.applied];
    const rejected = [...result.rejected];
    for (const group of job.groups) {
      const review = reviewed.get(group.id);
      if (!review || outcomes.has(group.id) || !answeredFromReview(group, job.stationId)) continue;
      const answer = await answerReviewed(client, review, ceiling);
      outcomes.set(review.id, answer.outcome);
      applied.push(...answer.applied);
      rejected.push(...answer.rejected);
    }
    const seen = new Set<string>();
    const ordered = job.groups.flatMap((group) => {
      const outcome = outcomes.get(group.id);
      if (!outcome || seen.has(group.id)) return [];
      seen.add(group.id);
      return [outcome];
    });
    const response: PushResponse = {
      cursor: result.cursor,
      applied,
      // A winning users row goes back as this station receives users rows (issue 12).
      superseded: result.superseded.map((s) => ({ ...s, row: asSentTo(s.table as TableName, s.row, ceiling) })),
      rejected,
      groups: ordered,
    };
    answers.push({ response, result });
  }
  return answers;
}
