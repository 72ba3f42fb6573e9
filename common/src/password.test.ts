import { describe, expect, it } from 'vitest';
import {
  assertPasswordPolicy,
  hashPassword,
  isAcceptedPasswordHash,
  PASSWORD_COST,
  passwordProblem,
  UNKNOWN_USER_HASH,
  verifyPassword,
} from './password.js';

describe('password hashes', () => {
  it('hashes at the one fixed cost and verifies the right password only', async () => {
    const hash = await hashPassword('caja-1234');
    expect(hash).toMatch(/^scrypt\$131072\$8\$1\$[\w-]{22}\$[\w-]{43}$/);
    expect(isAcceptedPasswordHash(hash)).toBe(true);
    expect(await verifyPassword('caja-1234', hash)).toBe(true);
    expect(await verifyPassword('caja-1235', hash)).toBe(false);
    expect(await hashPassword('caja-1234')).not.toBe(hash);
  });

  it('refuses a hash of another cost (a planted slow hash) or shape', async () => {
    const planted = 'scrypt$262144$8$4$bW9zdHJhZG9yLWR1bW15LQ$A8kV1o0u3w5T8eHqZ9yQm2Rj7L4cXfN6pB1sDgKhWzE';
    const cheap = 'scrypt$16384$8$1$bW9zdHJhZG9yLWR1bW15LQ$A8kV1o0u3w5T8eHqZ9yQm2Rj7L4cXfN6pB1sDgKhWzE';
    for (const hash of [planted, cheap, 'plain-text', 'scrypt$131072$8$1$abc$def', `${UNKNOWN_USER_HASH}x`, '']) {
      expect(isAcceptedPasswordHash(hash)).toBe(false);
      expect(await verifyPassword('x', hash)).toBe(false);
    }
    expect(isAcceptedPasswordHash(UNKNOWN_USER_HASH)).toBe(true);
    expect(PASSWORD_COST.N).toBeGreaterThanOrEqual(2 ** 17);
  });

  it('keeps the event loop free while passwords are checked', async () => {
    const hash = await hashPassword('caja-1234');
    let ticks = 0;
    const timer = setInterval(() => ticks++, 10);
    await Promise.all([verifyPassword('a', hash), verifyPassword('b', hash), verifyPassword('caja-1234', hash)]);
    clearInterval(timer);
    expect(ticks).toBeGreaterThan(5);
  });

  it('refuses weak passwords with a coded reason', () => {
    expect(passwordProblem('short')).toBe('too_short');
    expect(passwordProblem('cajero-ana', 'Cajero-Ana')).toBe('same_as_username');
    expect(passwordProblem('Password123')).toBe('too_common');
    expect(passwordProblem('12345678')).toBe('too_common');
    expect(passwordProblem('x'.repeat(300))).toBe('too_long');
    expect(passwordProblem('vela-roja-77', 'ana')).toBeNull();
    expect(() => assertPasswordPolicy('pw', 'admin')).toThrow(
      expect.objectContaining({ code: 'VALIDATION', message: expect.stringMatching(/^WEAK_PASSWORD\/too_short: /) }),
    );
    expect(() => assertPasswordPolicy('vela-roja-77', 'admin')).not.toThrow();
  });
});
