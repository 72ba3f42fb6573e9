/**
 * Runs one kind of work at a time with at most one more queued: a call while the work runs
 * gets the queued run (started once the current one ends), and every further call joins
 * that same queued run. Nothing asked for is skipped, and a burst costs at most two runs.
 */
export class CoalescedRun<T> {
  private running: Promise<T> | null = null;
  private queued: Promise<T> | null = null;

  constructor(private readonly work: () => Promise<T>) {}

  run(): Promise<T> {
    if (!this.running) return this.start();
    if (!this.queued) {
      const after = this.running.then(
        () => undefined,
        () => undefined,
      );
      this.queued = after.then(() => {
        this.queued = null;
        return this.start();
      });
    }
    return this.queued;
  }

  private start(): Promise<T> {
    const current = this.work().finally(() => {
      if (this.running === current) this.running = null;
    });
    this.running = current;
    return current;
  }
}

/** A lock so push, pull and sync never interleave on one station. */
export class Mutex {
  private tail: Promise<unknown> = Promise.resolve();

  lock<T>(work: () => Promise<T>): Promise<T> {
    const result = this.tail.then(work, work);
    this.tail = result.catch(() => undefined);
    return result;
  }
}
