import { EventEmitter } from 'node:events';
import { HybridLogicalClock, newNodeId, type TableName, type WallClock } from '@mostrador/common';
import { type Db, openDatabase } from './database.js';
import { Meta } from './meta.js';
import { Outbox } from './outbox.js';
import { Repository } from './repository.js';

export interface StoreOptions {
  /** Create the folder and database when absent (enrollment); otherwise NOT_ENROLLED. */
  create?: boolean;
  /** The station's physical clock; tests skew it. Defaults to Date.now. */
  wallClock?: WallClock;
}

/**
 * The station's local store: its SQLite database with the synced rows, the outbox, the
 * meta settings and the station's HLC. The clock is restored from the database on open
 * and saved with every write, so a restart never issues a version below one already used.
 */
/** Local writes that just committed: the signal to push as soon as writes land. */
export interface CommittedWrites {
  tables: TableName[];
  count: number;
}

export class LocalStore extends EventEmitter<{ written: [CommittedWrites] }> {
  readonly meta: Meta;
  private depth = 0;
  private written = new Map<TableName, number>();
  readonly rows: Repository;
  readonly outbox: Outbox;
  readonly clock: HybridLogicalClock;

  private constructor(
    readonly db: Db,
    wallClock: WallClock,
  ) {
    super();
    this.meta = new Meta(db);
    this.rows = new Repository(db);
    this.outbox = new Outbox(db);
    let node = this.meta.get('nodeId');
    if (!node) {
      node = newNodeId();
      this.meta.set('nodeId', node);
    }
    this.clock = new HybridLogicalClock(node, wallClock);
    this.clock.setOffset(this.meta.getNumber('clockOffset'));
    const last = this.meta.get('hlc');
    if (last) this.clock.receive(last);
  }

  static open(dataDir: string, options: StoreOptions = {}): LocalStore {
    const db = openDatabase(dataDir, { create: options.create ?? false });
    return new LocalStore(db, options.wallClock ?? Date.now);
  }

  /** Nested calls join the outer transaction; `written` fires once the outermost one commits. */
  transaction<T>(work: () => T): T {
    this.depth += 1;
    let committed = false;
    try {
      const result = this.db.transaction(work)();
      committed = true;
      return result;
    } finally {
      this.depth -= 1;
      if (this.depth === 0) this.announceWrites(committed);
    }
  }

  /** Called by the writer for each row it queues. */
  noteWrite(table: TableName): void {
    this.written.set(table, (this.written.get(table) ?? 0) + 1);
  }

  private announceWrites(committed: boolean): void {
    const written = this.written;
    this.written = new Map();
    if (!committed || written.size === 0) return;
    const count = [...written.values()].reduce((sum, n) => sum + n, 0);
    this.emit('written', { tables: [...written.keys()], count });
  }

  /** Call inside the transaction that used or received versions. */
  saveClock(): void {
    this.meta.set('hlc', this.clock.peek());
  }

  /** The corrected physical time as an ISO string, for createdAt/updatedAt/deletedAt. */
  nowIso(): string {
    return new Date(this.clock.physicalNow()).toISOString();
  }

  close(): void {
    if (this.db.open) this.db.close();
  }
}
