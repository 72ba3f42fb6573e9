import { describe, expect, it } from 'vitest';
import { PushGate } from './push-gate.js';

describe('PushGate', () => {
  it('runs at most `concurrency` pushes at once, the rest in arrival order', async () => {
    const gate = new PushGate(2);
    let running = 0;
    let peak = 0;
    const order: number[] = [];
    const releases: (() => void)[] = [];
    const runs = [0, 1, 2, 3, 4].map((n) =>
      gate.run(async () => {
        running += 1;
        peak = Math.max(peak, running);
        order.push(n);
        await new Promise<void>((resolve) => releases.push(resolve));
        running -= 1;
        return n;
      }),
    );
    while (order.length < 5) {
      await new Promise((resolve) => setImmediate(resolve));
      releases.shift()?.();
    }
    for (const release of releases) release();
    expect(await Promise.all(runs)).toEqual([0, 1, 2, 3, 4]);
    expect(order).toEqual([0, 1, 2, 3, 4]);
    expect(peak).toBe(2);
  });

  it('lets the next push in when one fails', async () => {
    const gate = new PushGate(1);
    const failed = gate.run(async () => {
      throw new Error('database gone');
    });
    await expect(failed).rejects.toThrow('database gone');
    expect(await gate.run(async () => 'next')).toBe('next');
  });
});
