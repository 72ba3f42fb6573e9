import type { TableName } from '@mostrador/common';
import type { Db } from './database.js';

export interface OutboxEntry {
  tableName: TableName;
  rowId: string;
  baseVersion: string | null;
  flagCode: string | null;
  flagMessage: string | null;
  flaggedAt: string | null;
}

/** A rejected row: the reason the server refused it, kept until a person edits the row. */
export interface FlaggedRow {
  table: TableName;
  id: string;
  code: string;
  message: string;
  flaggedAt: string;
}

/** Flags whose rows are sent again without a new edit: a clock that was ahead catches up. */
const RETRIED_FLAGS = ['CLOCK_AHEAD'];

/**
 * The outbox: one entry per row waiting to be pushed. Entries are written only inside the
 * transaction of the write they record, so nothing the user saw saved can miss the push.
 */
export class Outbox {
  private readonly record;
  private readonly page;
  private readonly clearStatement;
  private readonly rebase;
  private readonly flagStatement;
  private readonly countStatement;
  private readonly flaggedStatement;

  constructor(db: Db) {
    // A new edit of a queued row keeps the entry's first baseVersion and clears any flag:
    // the person has acted on it, so it is worth sending again.
    this.record = db.prepare<[string, string, string | null]>(
      `INSERT INTO outbox (tableName, rowId, baseVersion) VALUES (?, ?, ?)
       ON CONFLICT (tableName, rowId) DO UPDATE SET flagCode = NULL, flagMessage = NULL, flaggedAt = NULL`,
    );
    this.page = db.prepare<[string, string, number], OutboxEntry>(
      `SELECT * FROM outbox WHERE tableName = ? AND rowId > ?
         AND (flagCode IS NULL OR flagCode IN (${RETRIED_FLAGS.map((f) => `'${f}'`).join(', ')}))
       ORDER BY rowId LIMIT ?`,
    );
    this.clearStatement = db.prepare<[string, string]>('DELETE FROM outbox WHERE tableName = ? AND rowId = ?');
    this.rebase = db.prepare<[string, string, string]>(
      'UPDATE outbox SET baseVersion = ? WHERE tableName = ? AND rowId = ?',
    );
    this.flagStatement = db.prepare<[string, string, string, string, string]>(
      'UPDATE outbox SET flagCode = ?, flagMessage = ?, flaggedAt = ? WHERE tableName = ? AND rowId = ?',
    );
    this.countStatement = db.prepare<[], { n: number }>('SELECT count(*) AS n FROM outbox');
    this.flaggedStatement = db.prepare<[], OutboxEntry>(
      'SELECT * FROM outbox WHERE flagCode IS NOT NULL ORDER BY flaggedAt, tableName, rowId',
    );
  }

  /** Queue a row after a local write; `baseVersion` is the version the write replaced. */
  add(table: TableName, rowId: string, baseVersion: string | null): void {
    this.record.run(table, rowId, baseVersion);
  }

  /** Entries of one table to send, after `afterId`, in id order (flagged ones left out). */
  nextPage(table: TableName, afterId: string, limit: number): OutboxEntry[] {
    return this.page.all(table, afterId, limit);
  }

  clear(table: TableName, rowId: string): void {
    this.clearStatement.run(table, rowId);
  }

  /** The server holds `version` now, so a later edit queued meanwhile descends from it. */
  rebaseOn(table: TableName, rowId: string, version: string): void {
    this.rebase.run(version, table, rowId);
  }

  flag(table: TableName, rowId: string, code: string, message: string, at: string): void {
    this.flagStatement.run(code, message, at, table, rowId);
  }

  get size(): number {
    return this.countStatement.get()?.n ?? 0;
  }

  flagged(): FlaggedRow[] {
    return this.flaggedStatement.all().map((entry) => ({
      table: entry.tableName,
      id: entry.rowId,
      code: entry.flagCode ?? '',
      message: entry.flagMessage ?? '',
      flaggedAt: entry.flaggedAt ?? '',
    }));
  }
}
