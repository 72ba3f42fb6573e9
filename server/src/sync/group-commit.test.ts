import { generateKeyPairSync } from 'node:crypto';
import { type AnyRow, newId, TABLE_NAMES, type WriteGroup } from '@mostrador/common';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RowMaker, signedGroup } from '../../../test/support/rows.js';
import { adminSigner, enrollStation, startTestServer, type TestServer } from '../../../test/support/server.js';
import { pageChanges, pullPage, pushGroups, type Signer, type StationAuth } from '../../../test/support/sync-client.js';
import { createPool } from '../db/pool.js';
import { startVerification } from './apply.js';
import { GroupCommit, type PushAnswer } from './group-commit.js';

/**
 * Group commit: concurrent pushes share one transaction and one commit, and each still
 * gets its own answer, its own refusals, and its groups all or nothing.
 */

type Expected = 'applied' | 'held' | 'rejected';

/** A push's groups and what each should come to. */
interface PlannedPush {
  readonly groups: WriteGroup[];
  readonly expected: Expected[];
}

const DUPLICATE_BARCODE = '7790999';

/** A push of one good group (a customer and a product), with refused groups mixed in by `n`. */
function plannedPush(station: StationAuth, signer: Signer, maker: RowMaker, n: number): PlannedPush {
  const groups: WriteGroup[] = [];
  const expected: Expected[] = [];
  const add = (group: WriteGroup, outcome: Expected) => {
    groups.push(group);
    expected.push(outcome);
  };
  const good = () =>
    signedGroup(signer.key, signer.userId, station.stationId, [
      { table: 'customers', row: maker.row('customers') },
      { table: 'products', row: maker.row('products') },
    ]);
  add(good(), 'applied');
  // The database refuses it (unique barcode; the same SKU would merge): the shared write fails, the groups go one by one.
  if (n % 5 === 0) {
    add(
      signedGroup(signer.key, signer.userId, station.stationId, [
        { table: 'customers', row: maker.row('customers') },
        { table: 'products', row: maker.row('products', { barcode: DUPLICATE_BARCODE }) },
      ]),
      'held',
    );
  }
  // A rule refuses it (a row written by someone else): held for review, before any write.
  if (n % 7 === 0) {
    add(
      signedGroup(signer.key, signer.userId, station.stationId, [
        { table: 'customers', row: maker.row('customers') },
        { table: 'customers', row: { ...maker.row('customers'), updatedBy: newId() } },
      ]),
      'held',
    );
  }
  // Not signed by its user: rejected.
  if (n % 6 === 0) {
    const stranger = generateKeyPairSync('ed25519').privateKey;
    add(
      signedGroup(stranger, signer.userId, station.stationId, [{ table: 'customers', row: maker.row('customers') }]),
      'rejected',
    );
  }
  add(good(), 'applied');
  return { groups, expected };
}

function rowIds(groups: readonly WriteGroup[]): string[] {
  return groups.flatMap((group) => group.changes.map((change) => String(change.row.id)));
}

async function storedIds(db: pg.Client, ids: readonly string[]): Promise<Set<string>> {
  const found = new Set<string>();
  for (const table of ['customers', 'products'] as const) {
    const { rows } = await db.query<{ id: string }>(`SELECT id FROM ${table} WHERE id = ANY($1::uuid[])`, [ids]);
    for (const row of rows) found.add(row.id);
  }
  return found;
}

/** Every stored synced row's (table:id) → seq, and the head. */
async function sequence(db: pg.Client): Promise<{ seqs: number[]; head: number; keys: Set<string> }> {
  const seqs: number[] = [];
  const keys = new Set<string>();
  for (const table of TABLE_NAMES) {
    const { rows } = await db.query<{ id: string; seq: string }>(`SELECT id, seq FROM ${table}`);
    for (const row of rows) {
      seqs.push(Number(row.seq));
      keys.add(`${table}:${row.id}`);
    }
  }
  const { rows } = await db.query<{ head: string }>('SELECT head FROM sync_state WHERE id = 1');
  return { seqs: seqs.sort((a, b) => a - b), head: Number(rows[0]?.head), keys };
}

describe('group commit', () => {
  let server: TestServer;
  let signer: Signer;
  let stations: (StationAuth & { token: string })[];
  let db: pg.Client;

  beforeAll(async () => {
    // Many pushes of one station in flight at once: a real station sends one page at a time.
    server = await startTestServer({ poolSize: 6, pushLimits: { perStation: 64, maxQueued: 512 } });
    signer = await adminSigner(server);
    stations = [];
    for (const name of ['Caja 1', 'Caja 2', 'Caja 3', 'Caja 4']) {
      const enrolled = await enrollStation(server.url, name);
      stations.push({ url: server.url, token: enrolled.stationToken, stationId: enrolled.stationId });
    }
    db = new pg.Client({ connectionString: server.databaseUrl });
    await db.connect();
    const maker = new RowMaker(signer.userId);
    const seeded = await pushGroups(stations[0] as StationAuth, [
      signedGroup(signer.key, signer.userId, (stations[0] as StationAuth).stationId, [
        { table: 'products', row: maker.row('products', { barcode: DUPLICATE_BARCODE }) },
      ]),
    ]);
    expect(seeded.body.groups.map((g) => g.status)).toEqual(['applied']);
  });
  afterAll(async () => {
    await db?.end();
    await server?.close();
  });

  it('answers every push of a crowd on its own, with dense sequence numbers pulls see exactly once', async () => {
    const PER_STATION = 30;
    const makers = stations.map(() => new RowMaker(signer.userId));
    const planned = stations.flatMap((station, s) =>
      Array.from({ length: PER_STATION }, (_, i) => ({
        station,
        push: plannedPush(station, signer, makers[s] as RowMaker, s * PER_STATION + i),
      })),
    );

    let writing = true;
    const reader = (async () => {
      const seen = new Map<string, AnyRow>();
      let cursor = 0;
      for (;;) {
        const finished = !writing;
        const page = await pullPage(server.url, (stations[1] as StationAuth).token, cursor, 7, 'columns');
        expect(page.cursor).toBeGreaterThanOrEqual(cursor);
        for (const { table, row } of pageChanges(page)) seen.set(`${table}:${row.id}`, row);
        cursor = page.cursor;
        if (finished && !page.hasMore) return seen;
      }
    })();
    const answers = await Promise.all(planned.map(({ station, push }) => pushGroups(station, push.groups)));
    writing = false;
    const replay = await reader;

    const applied: string[] = [];
    const refused: string[] = [];
    let held = 0;
    for (const [n, answer] of answers.entries()) {
      const { push } = planned[n] as (typeof planned)[number];
      expect(answer.status).toBe(200);
      expect(answer.body.groups.map((g) => g.id)).toEqual(push.groups.map((g) => g.id));
      expect(answer.body.groups.map((g) => g.status)).toEqual(push.expected);
      const appliedIds = push.groups.filter((_, i) => push.expected[i] === 'applied');
      const refusedIds = push.groups.filter((_, i) => push.expected[i] !== 'applied');
      expect(answer.body.applied.map((r) => r.id).sort()).toEqual(rowIds(appliedIds).sort());
      expect(answer.body.rejected.map((r) => r.id).sort()).toEqual(rowIds(refusedIds).sort());
      applied.push(...rowIds(appliedIds));
      refused.push(...rowIds(refusedIds));
      held += push.expected.filter((e) => e === 'held').length;
    }
    // Refused groups changed nothing; the held ones wait whole in the review list.
    expect((await storedIds(db, applied)).size).toBe(applied.length);
    expect((await storedIds(db, refused)).size).toBe(0);
    const { rows } = await db.query<{ count: string }>('SELECT count(*) FROM review_groups');
    expect(Number(rows[0]?.count)).toBe(held);

    // Nothing here updates a row, so the stored sequence numbers are exactly 1..head.
    const { seqs, head, keys } = await sequence(db);
    expect(seqs).toEqual(Array.from({ length: head }, (_, i) => i + 1));
    // A reader that pulled the whole time saw every row, and a pull from 0 sees each once.
    expect(new Set(replay.keys())).toEqual(keys);
    const again: string[] = [];
    let cursor = 0;
    for (;;) {
      const page = await pullPage(server.url, (stations[2] as StationAuth).token, cursor, 50);
      again.push(...pageChanges(page).map(({ table, row }) => `${table}:${row.id}`));
      cursor = page.cursor;
      if (!page.hasMore) break;
    }
    expect(again.length).toBe(keys.size);
    expect(new Set(again)).toEqual(keys);
    expect(cursor).toBe(head);
  });

  describe('batches', () => {
    let pool: pg.Pool;
    const context = () => ({ nowMs: Date.now(), clockAheadMs: 60_000 });

    beforeAll(() => {
      pool = createPool(server.databaseUrl, 4);
    });
    afterAll(() => pool?.end());

    async function job(station: StationAuth, groups: WriteGroup[], stationId = station.stationId) {
      return { stationId, groups, verification: await startVerification(pool, groups, station.stationId) };
    }

    it('shares one commit among the pushes that wait, each with its own answer', async () => {
      const commits = new GroupCommit(pool, context);
      const maker = new RowMaker(signer.userId);
      const pushes = stations.flatMap((station, s) =>
        [0, 1].map((i) => ({ station, push: plannedPush(station, signer, maker, 5 * (2 * s + i)) })),
      );
      const jobs = await Promise.all(pushes.map(({ station, push }) => job(station, push.groups)));
      // The first push commits at once, alone; the others arrive meanwhile and share the next commit.
      const answers = await Promise.all(jobs.map((j) => commits.push(j)));
      expect(answers.map((a) => a.batch)).toEqual([1, ...jobs.slice(1).map(() => jobs.length - 1)]);
      for (const [n, answer] of answers.entries()) {
        const { push } = pushes[n] as (typeof pushes)[number];
        expect(answer.response.groups.map((g) => g.status)).toEqual(push.expected);
      }
      // One head for the shared commit, past the first push's.
      const cursors = new Set(answers.slice(1).map((a) => a.response.cursor));
      expect(cursors.size).toBe(1);
      expect(answers[1]?.response.cursor).toBeGreaterThan(answers[0]?.response.cursor ?? Number.POSITIVE_INFINITY);
      const { seqs, head } = await sequence(db);
      expect(answers[1]?.response.cursor).toBe(head);
      expect(seqs).toEqual(Array.from({ length: head }, (_, i) => i + 1));
    });

    it('answers a push that fails alone with its error; the others in its batch commit', async () => {
      const commits = new GroupCommit(pool, context);
      const maker = new RowMaker(signer.userId);
      const station = stations[0] as StationAuth;
      const group = () =>
        signedGroup(signer.key, signer.userId, station.stationId, [
          { table: 'customers', row: maker.row('customers') },
        ]);
      const groups = [group(), group(), group(), group()];
      // A station id that is no uuid breaks the batch's ceiling lookup, so the batch is redone push by push.
      const jobs = await Promise.all(groups.map((g, n) => job(station, [g], n === 2 ? 'not-a-station' : undefined)));
      const settled = await Promise.allSettled(jobs.map((j) => commits.push(j)));
      expect(settled.map((s) => s.status)).toEqual(['fulfilled', 'fulfilled', 'rejected', 'fulfilled']);
      for (const [n, outcome] of settled.entries()) {
        if (outcome.status === 'fulfilled') expect(outcome.value.response.groups[0]?.status).toBe('applied');
        expect((await storedIds(db, rowIds([groups[n] as WriteGroup]))).size).toBe(n === 2 ? 0 : 1);
      }
      const { seqs, head } = await sequence(db);
      expect(seqs).toEqual(Array.from({ length: head }, (_, i) => i + 1));
    });

    it('answers every push of a batch with a retryable error when the shared COMMIT fails', async () => {
      await db.query(`CREATE FUNCTION fail_at_commit() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN IF NEW.name = 'fail at commit' THEN RAISE EXCEPTION 'refused at commit'; END IF; RETURN NULL; END $$`);
      await db.query(`CREATE CONSTRAINT TRIGGER fail_at_commit AFTER INSERT ON customers
        DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION fail_at_commit()`);
      try {
        const commits = new GroupCommit(pool, context);
        const maker = new RowMaker(signer.userId);
        const station = stations[3] as StationAuth;
        const group = (name?: string) =>
          signedGroup(signer.key, signer.userId, station.stationId, [
            { table: 'customers', row: maker.row('customers', name ? { name } : {}) },
          ]);
        const groups = [group(), group(), group('fail at commit'), group()];
        const jobs = await Promise.all(groups.map((g) => job(station, [g])));
        const before = (await sequence(db)).head;
        const settled = await Promise.allSettled(jobs.map((j) => commits.push(j)));
        // The first push committed alone; the other three shared the commit that failed.
        expect(settled.map((s) => s.status)).toEqual(['fulfilled', 'rejected', 'rejected', 'rejected']);
        for (const outcome of settled.slice(1)) {
          expect((outcome as PromiseRejectedResult).reason).toMatchObject({ code: 'DB_UNAVAILABLE', status: 503 });
        }
        expect((await storedIds(db, rowIds(groups))).size).toBe(1);
        const { seqs, head } = await sequence(db);
        expect(head).toBe(before + 1);
        expect(seqs).toEqual(Array.from({ length: head }, (_, i) => i + 1));
        // The next commit goes through.
        const answer: PushAnswer = await commits.push(await job(station, [group()]));
        expect(answer.response.groups[0]?.status).toBe('applied');
      } finally {
        await db.query('DROP TRIGGER fail_at_commit ON customers');
        await db.query('DROP FUNCTION fail_at_commit()');
      }
    });
  });
});
