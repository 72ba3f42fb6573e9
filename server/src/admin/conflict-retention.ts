/**
 * The conflict log keeps what concurrent writes overwrote, for an admin to look at: it
 * must not grow without bound (two careless re-pushes once wrote 40,001 rows). A periodic
 * sweep deletes entries older than `maxAgeDays` and, beyond `maxRows`, the oldest ones; the
 * newest `maxRows` (and at least the newest entry of all) always stay. Every instance may
 * run it: the deletes are idempotent.
 */
import type { FastifyBaseLogger } from 'fastify';
import type pg from 'pg';

export interface RetentionOptions {
  readonly maxAgeDays: number;
  readonly maxRows: number;
  readonly everyMs: number;
}

export const DEFAULT_RETENTION: RetentionOptions = { maxAgeDays: 90, maxRows: 10_000, everyMs: 10 * 60 * 1000 };

/** CONFLICT_MAX_AGE_DAYS, CONFLICT_MAX_ROWS, CONFLICT_SWEEP_MS from the environment (unset: defaults). */
export function retentionFromEnv(env: NodeJS.ProcessEnv): Partial<RetentionOptions> {
  const read = (name: string) => {
    const value = env[name];
    if (value === undefined || value === '') return undefined;
    const number = Number(value);
    if (!Number.isInteger(number) || number < 1) throw new Error(`${name} must be a positive whole number`);
    return number;
  };
  const options: { maxAgeDays?: number; maxRows?: number; everyMs?: number } = {};
  const maxAgeDays = read('CONFLICT_MAX_AGE_DAYS');
  const maxRows = read('CONFLICT_MAX_ROWS');
  const everyMs = read('CONFLICT_SWEEP_MS');
  if (maxAgeDays) options.maxAgeDays = maxAgeDays;
  if (maxRows) options.maxRows = maxRows;
  if (everyMs) options.everyMs = everyMs;
  return options;
}

export class ConflictRetention {
  readonly options: RetentionOptions;
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<number> | null = null;

  constructor(
    private readonly db: pg.Pool,
    options: Partial<RetentionOptions> = {},
    private readonly log?: FastifyBaseLogger,
  ) {
    this.options = { ...DEFAULT_RETENTION, ...options };
  }

  start(): void {
    this.timer = setInterval(() => void this.sweep(), this.options.everyMs);
    this.timer.unref();
    void this.sweep();
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.running?.catch(() => 0);
  }

  /** One sweep; answers how many entries it deleted. */
  sweep(): Promise<number> {
    this.running ??= this.sweepNow().finally(() => {
      this.running = null;
    });
    return this.running;
  }

  private async sweepNow(): Promise<number> {
    const { maxAgeDays, maxRows } = this.options;
    try {
      // The boundary is the newest kept row: older by age (but never the newest of all), or past maxRows.
      const { rowCount } = await this.db.query(
        `DELETE FROM conflicts WHERE id IN (
           SELECT id FROM (
             SELECT id, at, row_number() OVER (ORDER BY at DESC, id DESC) AS rank FROM conflicts
           ) ranked
           WHERE rank > 1 AND (rank > $1 OR at < now() - $2 * interval '1 day')
         )`,
        [maxRows, maxAgeDays],
      );
      if (rowCount) this.log?.info({ deleted: rowCount }, 'conflict log trimmed');
      return rowCount ?? 0;
    } catch (err) {
      this.log?.warn({ err }, 'conflict log retention failed; trying again later');
      return 0;
    }
  }
}
