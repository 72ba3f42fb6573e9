import { describe, expect, it } from 'vitest';
import { PushGate } from './push-gate.js';

describe('PushGate', () => {
  it('passes the answer and the failure of the work through', async () => {
    const gate = new PushGate();
    expect(await gate.timed(async () => 'answer')).toBe('answer');
    await expect(gate.timed(async () => Promise.reject(new Error('database gone')))).rejects.toThrow('database gone');
    expect(await gate.timed(async () => 'next')).toBe('next');
  });

  it('asks a refused push to wait at least a second and at most a minute', () => {
    expect(new PushGate().retryAfterSeconds()).toBe(1);
  });
});
