/**
 * Group commit: 200 stations each pushing a sale (one 7-row write group) as fast as they
 * are answered, against the built API on a real PostgreSQL, with group commit on (the
 * default) and off (GROUP_COMMIT_MAX_PUSHES=1: one transaction and one fsync'd commit per
 * push, as before), and with group commit paced at 1,000 pushes/s. Pushes only (no live sockets), so the figure is the push path's; the
 * load benchmark (`npm run load`) adds pulls and live notices. Short runs: figures only,
 * and this machine is shared, so compare runs side by side.
 *
 *   npm run bench -- group-commit        (GROUP_COMMIT_SECONDS, default 10)
 */
import { type LoadOptions, printLoad, runLoad } from './load.js';

const seconds = Number(process.env.GROUP_COMMIT_SECONDS ?? 10);
const base: LoadOptions = { stations: 200, seconds, items: 3, live: false };

const runs: [string, Partial<LoadOptions>][] = [
  ['group commit', {}],
  ['a commit per push', { serverEnv: { GROUP_COMMIT_MAX_PUSHES: '1' } }],
  // The same crowd offering 1,000 pushes/s: the latency at that load rather than at saturation.
  ['group commit', { rate: 1000 }],
];
for (const [label, changes] of runs) {
  const options: LoadOptions = { ...base, ...changes };
  printLoad(label, options, await runLoad(options));
}
