import { describe, expect, it } from 'vitest';
import { SharedPulls } from './shared-pulls.js';

/** A read that ends when told to, counting how often it was started. */
function controlledRead() {
  let started = 0;
  const ends: Array<(value: string) => void> = [];
  const fails: Array<(error: Error) => void> = [];
  const read = () => {
    started += 1;
    return new Promise<string>((resolve, reject) => {
      ends.push(resolve);
      fails.push(reject);
    });
  };
  return {
    read,
    get started() {
      return started;
    },
    end: (n: number, value: string) => ends[n]?.(value),
    fail: (n: number) => fails[n]?.(new Error('database gone')),
  };
}

describe('shared pulls', () => {
  it('answers concurrent requests with the same key from one read, other keys from their own', async () => {
    const shared = new SharedPulls<string>(25);
    const reads = controlledRead();
    const a = shared.get('10:5000:columns:admin', reads.read);
    const b = shared.get('10:5000:columns:admin', reads.read);
    const cashier = shared.get('10:5000:columns:cashier', reads.read);
    const older = shared.get('9:5000:columns:admin', reads.read);
    expect(reads.started).toBe(3);
    reads.end(0, 'page from 10');
    reads.end(1, 'page from 10, cashier');
    reads.end(2, 'page from 9');
    expect(await Promise.all([a, b, cashier, older])).toEqual([
      'page from 10',
      'page from 10',
      'page from 10, cashier',
      'page from 9',
    ]);
    expect([shared.reads, shared.shared]).toEqual([3, 1]);
  });

  it('never answers a request made after a new head with a read started before it', async () => {
    const shared = new SharedPulls<string>(25);
    const reads = controlledRead();
    const before = shared.get('10:5000:columns:admin', reads.read);
    shared.newHead();
    const after = shared.get('10:5000:columns:admin', reads.read);
    expect(reads.started).toBe(2);
    reads.end(0, 'snapshot before');
    reads.end(1, 'snapshot after');
    expect(await before).toBe('snapshot before');
    expect(await after).toBe('snapshot after');
    // Nor a finished one.
    shared.newHead();
    void shared.get('10:5000:columns:admin', reads.read);
    expect(reads.started).toBe(3);
  });

  it('reuses a finished read for reuseMs only', async () => {
    let now = 1_000;
    const shared = new SharedPulls<string>(25, () => now);
    const reads = controlledRead();
    const first = shared.get('k', reads.read);
    reads.end(0, 'one');
    await first;
    now += 25;
    expect(await shared.get('k', reads.read)).toBe('one');
    expect(reads.started).toBe(1);
    now += 1;
    void shared.get('k', reads.read);
    expect(reads.started).toBe(2);
  });

  it('shares a failure only with the requests already waiting for it', async () => {
    const shared = new SharedPulls<string>(25);
    const reads = controlledRead();
    const a = shared.get('k', reads.read);
    const b = shared.get('k', reads.read);
    reads.fail(0);
    await expect(a).rejects.toThrow('database gone');
    await expect(b).rejects.toThrow('database gone');
    const c = shared.get('k', reads.read);
    expect(reads.started).toBe(2);
    reads.end(1, 'fine again');
    expect(await c).toBe('fine again');
  });

  it('holds nothing once its reads are over and stale', async () => {
    const shared = new SharedPulls<string>(0);
    const reads = controlledRead();
    const a = shared.get('k', reads.read);
    reads.end(0, 'x');
    await a;
    expect(shared.size).toBe(0);
  });
});
