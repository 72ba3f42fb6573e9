import { type Change, newId, type TableName, type WriteGroup } from '@mostrador/common';
import type { Db } from './database.js';

/**
 * pending: waiting to be pushed (its rows are protected from older pulls); held: the server
 * keeps it for an admin's review; rejected: refused for good (undone here when the server
 * sent its rows); unsigned: left by the old row outbox, signed at its user's next login.
 */
export type GroupState = 'pending' | 'held' | 'rejected' | 'unsigned';

export interface OutboxGroup extends WriteGroup {
  seq: number;
  state: GroupState;
  code: string | null;
  message: string | null;
  flaggedAt: string | null;
}

/** Write groups waiting to be sent, as a person counts them: sales (groups with a `sales` row) and other changes. */
export interface PendingWork {
  sales: number;
  changes: number;
}

/** A row of a group the server refused (held or rejected) or one still waiting for its user's login. */
export interface FlaggedRow {
  table: TableName;
  id: string;
  code: string;
  message: string;
  flaggedAt: string;
  groupId: string;
  state: Exclude<GroupState, 'pending'>;
}

interface StoredGroup {
  seq: number;
  id: string;
  userId: string;
  version: string;
  changes: string;
  signature: string | null;
  state: GroupState;
  code: string | null;
  message: string | null;
  flaggedAt: string | null;
}

/** An unsigned group's changes, as the migration from the row outbox left them. */
export interface UnsignedChange {
  table: TableName;
  id: string;
  baseVersion: string | null;
}

/**
 * The outbox of write groups: one per local transaction that wrote synced rows, recorded in
 * that same transaction (so nothing the user saw saved can miss the push), signed by the
 * user who made it, and pushed whole in the order it was written.
 */
export class Outbox {
  private readonly insertGroup;
  private readonly insertRow;
  private readonly sendable;
  private readonly bySeq;
  private readonly byIdStatement;
  private readonly deleteGroup;
  private readonly deleteRows;
  private readonly setStateStatement;
  private readonly pendingRowsStatement;
  private readonly pendingWorkStatement;
  private readonly waitingForReferenceStatement;
  private readonly flaggedStatement;
  private readonly refusedRowsStatement;
  private readonly unsignedRowsStatement;
  private readonly unsignedStatement;
  private readonly signStatement;
  private readonly heldCountStatement;
  private readonly refusedGroupsStatement;
  private readonly restampableStatement;
  private readonly restampStatement;
  private readonly waitingRowStatement;

  constructor(db: Db) {
    this.insertGroup = db.prepare<[string, string, string, string, string | null, GroupState]>(
      'INSERT INTO outbox_groups (id, userId, version, changes, signature, state) VALUES (?, ?, ?, ?, ?, ?)',
    );
    this.insertRow = db.prepare<[number | bigint, string, string]>(
      'INSERT OR IGNORE INTO outbox_rows (groupSeq, tableName, rowId) VALUES (?, ?, ?)',
    );
    this.sendable = db.prepare<[number, number], StoredGroup>(
      `SELECT * FROM outbox_groups WHERE seq > ? AND state IN ('pending', 'held') ORDER BY seq LIMIT ?`,
    );
    this.bySeq = db.prepare<[number], StoredGroup>('SELECT * FROM outbox_groups WHERE seq = ?');
    this.byIdStatement = db.prepare<[string], StoredGroup>('SELECT * FROM outbox_groups WHERE id = ?');
    this.deleteGroup = db.prepare<[number]>('DELETE FROM outbox_groups WHERE seq = ?');
    this.deleteRows = db.prepare<[number]>('DELETE FROM outbox_rows WHERE groupSeq = ?');
    this.setStateStatement = db.prepare<[GroupState, string | null, string | null, string | null, number]>(
      'UPDATE outbox_groups SET state = ?, code = ?, message = ?, flaggedAt = ? WHERE seq = ?',
    );
    this.waitingForReferenceStatement = db.prepare<[], { seq: number }>(
      `SELECT seq FROM outbox_groups WHERE state = 'held' AND code = 'MISSING_REFERENCE' LIMIT 1`,
    );
    this.pendingRowsStatement = db.prepare<[], { n: number }>(
      `SELECT count(*) AS n FROM outbox_rows r JOIN outbox_groups g ON g.seq = r.groupSeq
       WHERE g.state IN ('pending', 'unsigned')`,
    );
    this.pendingWorkStatement = db.prepare<[], { groups: number; sales: number | null }>(
      `SELECT count(*) AS groups,
              sum(EXISTS (SELECT 1 FROM outbox_rows r WHERE r.groupSeq = g.seq AND r.tableName = 'sales')) AS sales
       FROM outbox_groups g WHERE g.state IN ('pending', 'unsigned')`,
    );
    this.heldCountStatement = db.prepare<[], { n: number }>(
      `SELECT count(*) AS n FROM outbox_rows r JOIN outbox_groups g ON g.seq = r.groupSeq WHERE g.state <> 'pending'`,
    );
    this.flaggedStatement = db.prepare<[], StoredGroup & { tableName: TableName; rowId: string }>(
      `SELECT g.*, r.tableName, r.rowId FROM outbox_groups g JOIN outbox_rows r ON r.groupSeq = g.seq
       WHERE g.state <> 'pending' ORDER BY g.seq, r.tableName, r.rowId`,
    );
    this.refusedRowsStatement = db.prepare<[string], { rowId: string; groupId: string; code: string | null }>(
      `SELECT r.rowId, g.id AS groupId, g.code FROM outbox_rows r JOIN outbox_groups g ON g.seq = r.groupSeq
       WHERE r.tableName = ? AND g.state IN ('held', 'rejected') ORDER BY g.seq`,
    );
    // Groups of one row only: releasing a row of a larger group would split it.
    this.unsignedRowsStatement = db.prepare<[string], { rowId: string; seq: number; groupId: string }>(
      `SELECT r.rowId, g.seq, g.id AS groupId FROM outbox_rows r JOIN outbox_groups g ON g.seq = r.groupSeq
       WHERE r.tableName = ? AND g.state = 'unsigned'
         AND NOT EXISTS (SELECT 1 FROM outbox_rows o WHERE o.groupSeq = g.seq AND o.rowId <> r.rowId)`,
    );
    this.refusedGroupsStatement = db.prepare<[], StoredGroup>(
      `SELECT * FROM outbox_groups WHERE state IN ('held', 'rejected') ORDER BY seq`,
    );
    this.waitingRowStatement = db.prepare<[string, string], { n: number }>(
      `SELECT count(*) AS n FROM outbox_rows r JOIN outbox_groups g ON g.seq = r.groupSeq
       WHERE r.tableName = ? AND r.rowId = ? AND g.state IN ('pending', 'unsigned')`,
    );
    // Versions start with their ISO time, so they compare as text with an ISO limit.
    this.restampableStatement = db.prepare<[string], StoredGroup>(
      `SELECT * FROM outbox_groups
       WHERE state = 'pending' AND (version > ? OR code = 'CLOCK_AHEAD')
       ORDER BY seq`,
    );
    this.restampStatement = db.prepare<[string, string, string, string | null, GroupState, number]>(
      `UPDATE outbox_groups SET id = ?, version = ?, changes = ?, signature = ?, state = ?, code = NULL, message = NULL,
       flaggedAt = NULL WHERE seq = ?`,
    );
    this.unsignedStatement = db.prepare<[string], StoredGroup>(
      `SELECT * FROM outbox_groups WHERE state = 'unsigned' AND userId = ? ORDER BY seq`,
    );
    this.signStatement = db.prepare<[string, string, number]>(
      `UPDATE outbox_groups SET changes = ?, signature = ?, state = 'pending' WHERE seq = ?`,
    );
  }

  /** Record a signed group (inside the transaction that wrote its rows). */
  add(group: WriteGroup): void {
    const { lastInsertRowid } = this.insertGroup.run(
      group.id,
      group.userId,
      group.version,
      JSON.stringify(group.changes),
      group.signature,
      'pending',
    );
    for (const change of group.changes) this.insertRow.run(lastInsertRowid, change.table, change.row.id);
  }

  /**
   * Queue again a row the server lacks or holds older (after a restored server or a
   * checksum repair), as an unsigned group of the row's last writer: it is signed with the
   * row's current state at that user's next login here, or at once when `sign` can.
   */
  requeue(
    table: TableName,
    row: { id: string; version: string; updatedBy?: unknown },
    baseVersion: string | null,
  ): void {
    const change: UnsignedChange = { table, id: row.id, baseVersion };
    const { lastInsertRowid } = this.insertGroup.run(
      newId(),
      String(row.updatedBy),
      row.version,
      JSON.stringify([change]),
      null,
      'unsigned',
    );
    this.insertRow.run(lastInsertRowid, table, row.id);
  }

  /**
   * The next groups to send after `afterSeq`, in write order: pending ones and held ones (so
   * the server answers what became of them), whole, up to `maxRows` rows (at least one group).
   */
  nextPage(afterSeq: number, maxRows: number): OutboxGroup[] {
    const page: OutboxGroup[] = [];
    let rows = 0;
    for (const stored of this.sendable.all(afterSeq, Math.max(1, maxRows))) {
      const group = parse(stored);
      if (page.length > 0 && rows + group.changes.length > maxRows) break;
      page.push(group);
      rows += group.changes.length;
    }
    return page;
  }

  byId(groupId: string): OutboxGroup | null {
    const stored = this.byIdStatement.get(groupId);
    return stored ? parse(stored) : null;
  }

  /** Drop a rejected group (only a rejected one: held and pending groups are facts still travelling). */
  dismissRejected(groupId: string): boolean {
    const stored = this.byIdStatement.get(groupId);
    if (stored?.state !== 'rejected') return false;
    this.remove(stored.seq);
    return true;
  }

  /**
   * Drop the held and rejected groups that later writes made moot: every row they wrote has
   * since been written again (`versionOf` is newer), here by a group the server accepted or
   * elsewhere and pulled, and no waiting group holds it. A fixed record stops being listed as refused; should an admin
   * still accept the old group, its older versions lose to the fix on the server too.
   */
  dropSuperseded(versionOf: (table: TableName, id: string) => string | undefined): number {
    let dropped = 0;
    for (const stored of this.refusedGroupsStatement.all()) {
      const group = parse(stored);
      const moot = group.changes.every(({ table, row }) => {
        const current = versionOf(table as TableName, row.id);
        return current !== undefined && current > row.version && this.waitingRowStatement.get(table, row.id)?.n === 0;
      });
      if (moot) {
        this.remove(group.seq);
        dropped += 1;
      }
    }
    return dropped;
  }

  /**
   * Pending groups whose version lies beyond `limitMs`, or that the server refused as
   * CLOCK_AHEAD: the ones to re-stamp.
   */
  aheadOf(limitMs: number): OutboxGroup[] {
    return this.restampableStatement.all(new Date(limitMs).toISOString()).map(parse);
  }

  /** Give a group new versions: signed again (pending), or to sign at its user's next login. */
  restamp(seq: number, id: string, version: string, changes: Change[], signature: string | null): void {
    const stored: Change[] | UnsignedChange[] =
      signature === null
        ? changes.map(({ table, row, baseVersion }) => ({
            table: table as TableName,
            id: row.id,
            baseVersion: baseVersion ?? null,
          }))
        : changes;
    this.restampStatement.run(
      id,
      version,
      JSON.stringify(stored),
      signature,
      signature === null ? 'unsigned' : 'pending',
      seq,
    );
  }

  get(seq: number): OutboxGroup | null {
    const stored = this.bySeq.get(seq);
    return stored ? parse(stored) : null;
  }

  remove(seq: number): void {
    this.deleteRows.run(seq);
    this.deleteGroup.run(seq);
  }

  setState(seq: number, state: GroupState, code: string | null, message: string | null, at: string | null): void {
    this.setStateStatement.run(state, code, message, at, seq);
  }

  /** Rows waiting to be pushed (in pending groups, or unsigned ones waiting for a login). */
  /**
   * Whether a group waits in the server's review list for a row it names (MISSING_REFERENCE):
   * the server tries it again each time it is sent, so a pull that brought rows is a reason
   * to push.
   */
  waitsForReference(): boolean {
    return this.waitingForReferenceStatement.get() !== undefined;
  }

  get size(): number {
    return this.pendingRowsStatement.get()?.n ?? 0;
  }

  /**
   * The same waiting groups counted as a person would (issue 13): one sale is one group
   * (the sale, its items, payments and stock movements), not its rows.
   */
  pendingWork(): PendingWork {
    const counted = this.pendingWorkStatement.get();
    const groups = counted?.groups ?? 0;
    const sales = counted?.sales ?? 0;
    return { sales, changes: groups - sales };
  }

  /** Rows of groups that are not simply waiting (held, rejected or unsigned): `flagged().length`, counted. */
  get flaggedRows(): number {
    return this.heldCountStatement.get()?.n ?? 0;
  }

  /** Rows of a table in held or rejected groups, with the newest such group of each. */
  refusedRows(table: TableName): Map<string, { groupId: string; code: string | null }> {
    const rows = new Map<string, { groupId: string; code: string | null }>();
    for (const { rowId, groupId, code } of this.refusedRowsStatement.all(table)) rows.set(rowId, { groupId, code });
    return rows;
  }

  /**
   * Rows of a table waiting, alone in their group, for their user to log in here to sign them
   * (queued again after a restored server or a checksum repair). A pull that brings such a row
   * at its local version or newer shows the server holds it already: the group is released
   * (see pull.ts), so a row nobody here can sign never blocks the server's newer version.
   */
  unsignedRows(table: TableName): Map<string, { seq: number; groupId: string }> {
    const rows = new Map<string, { seq: number; groupId: string }>();
    for (const { rowId, seq, groupId } of this.unsignedRowsStatement.all(table)) rows.set(rowId, { seq, groupId });
    return rows;
  }

  unsignedOf(userId: string): { seq: number; changes: UnsignedChange[]; version: string; id: string }[] {
    return this.unsignedStatement.all(userId).map((stored) => ({
      seq: stored.seq,
      id: stored.id,
      version: stored.version,
      changes: JSON.parse(stored.changes) as UnsignedChange[],
    }));
  }

  sign(seq: number, changes: Change[], signature: string): void {
    this.signStatement.run(JSON.stringify(changes), signature, seq);
  }

  /** Every row of a group that is not simply waiting, with its group's state and reason. */
  flagged(): FlaggedRow[] {
    return this.flaggedStatement.all().map((entry) => ({
      table: entry.tableName,
      id: entry.rowId,
      code: entry.code ?? (entry.state === 'unsigned' ? 'NOT_LOGGED_IN' : ''),
      message:
        entry.message ??
        (entry.state === 'unsigned' ? 'Waiting for its user to log in at this station to sign it.' : ''),
      flaggedAt: entry.flaggedAt ?? '',
      groupId: entry.id,
      state: entry.state as FlaggedRow['state'],
    }));
  }
}

function parse(stored: StoredGroup): OutboxGroup {
  return {
    seq: stored.seq,
    id: stored.id,
    userId: stored.userId,
    version: stored.version,
    changes: JSON.parse(stored.changes) as Change[],
    signature: stored.signature ?? '',
    state: stored.state,
    code: stored.code,
    message: stored.message,
    flaggedAt: stored.flaggedAt,
  };
}
