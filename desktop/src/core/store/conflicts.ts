import type { AnyRow, TableName } from '@mostrador/common';
import type { Db } from './database.js';

/** A local version that a newer server version replaced while its group was held or rejected. */
export interface LocalConflict {
  table: TableName;
  id: string;
  localRow: AnyRow;
  remoteVersion: string;
  groupId: string | null;
  code: string | null;
  recordedAt: string;
}

/**
 * The station's conflict log: a refused local row never blocks the server's newer version,
 * but it is not dropped silently either; it is kept here for a person to look at.
 */
export class LocalConflicts {
  private readonly insert;
  private readonly list;

  constructor(db: Db) {
    this.insert = db.prepare<[string, string, string, string, string | null, string | null, string]>(
      `INSERT INTO conflicts (tableName, rowId, localRow, remoteVersion, groupId, code, recordedAt)
       VALUES (?, ?, ?, ?, ?, ?, ?)`,
    );
    this.list = db.prepare<
      [],
      {
        tableName: TableName;
        rowId: string;
        localRow: string;
        remoteVersion: string;
        groupId: string | null;
        code: string | null;
        recordedAt: string;
      }
    >('SELECT * FROM conflicts ORDER BY id');
  }

  record(conflict: LocalConflict): void {
    this.insert.run(
      conflict.table,
      conflict.id,
      JSON.stringify(conflict.localRow),
      conflict.remoteVersion,
      conflict.groupId,
      conflict.code,
      conflict.recordedAt,
    );
  }

  all(): LocalConflict[] {
    return this.list.all().map((stored) => ({
      table: stored.tableName,
      id: stored.rowId,
      localRow: JSON.parse(stored.localRow) as AnyRow,
      remoteVersion: stored.remoteVersion,
      groupId: stored.groupId,
      code: stored.code,
      recordedAt: stored.recordedAt,
    }));
  }
}
