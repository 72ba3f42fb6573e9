import { describe, expect, it } from 'vitest';
import { adminDatabaseUrl } from '../test/support/pg.js';
import { runChaos } from './chaos/harness.js';

/**
 * The chaos harness's short profile (`npm run chaos` runs longer ones): real `station serve`
 * processes behind a fault proxy, stations and the API SIGKILLed, the notifier's session
 * terminated, bad fields written, the central database restored from a dump taken mid-run; at the end every station equals the server, nothing
 * acknowledged is lost, stock adds up and sale numbers are unique.
 */
describe('chaos, short profile', () => {
  it('converges with nothing lost after a seeded run of writes and faults', { timeout: 240_000 }, async () => {
    const report = await runChaos({
      stations: 3,
      ops: 120,
      seed: 20261201,
      restore: true,
      adminDatabaseUrl: adminDatabaseUrl(),
    });
    expect(report.problems).toEqual([]);
    expect(report.reconciled).toBeGreaterThanOrEqual(3);
    expect(report.convergeMs).not.toBeNull();
    expect(report.acknowledged).toBeGreaterThan(0);
    expect(report.refusedAtTheDoor).toBeGreaterThan(0);
    expect(Object.values(report.faults).reduce((sum, n) => sum + n, 0)).toBeGreaterThan(0);
  });
});
