/**
 * Pushes run one at a time anyway (each holds the sequence lock to commit), so letting
 * every concurrent push take a pooled connection only to wait on that lock would starve
 * pulls and logins of connections. The gate lets a few in at once (one writing, one
 * ready to take the lock next) and queues the rest in memory, in arrival order.
 */
export class PushGate {
  private active = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(private readonly concurrency = 2) {}

  async run<T>(work: () => Promise<T>): Promise<T> {
    if (this.active >= this.concurrency) await new Promise<void>((resolve) => this.waiting.push(resolve));
    else this.active += 1;
    try {
      return await work();
    } finally {
      const next = this.waiting.shift();
      if (next) next();
      else this.active -= 1;
    }
  }
}
