/** `npm run chaos -- --stations N --ops N --seed S` (see harness.ts). Exits 1 when a check fails. */
import { parseArgs } from 'node:util';
import { runChaos } from './harness.js';

const { values } = parseArgs({
  options: {
    stations: { type: 'string', default: '3' },
    ops: { type: 'string', default: '200' },
    seed: { type: 'string', default: String(Date.now() % 100_000) },
    restore: { type: 'boolean', default: false },
  },
});
const adminDatabaseUrl = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const started = Date.now();
const report = await runChaos({
  stations: Number(values.stations),
  ops: Number(values.ops),
  seed: Number(values.seed),
  restore: values.restore,
  adminDatabaseUrl,
  log: (line) => console.error(line),
});
console.log(JSON.stringify({ ...report, totalMs: Date.now() - started }, null, 2));
process.exit(report.problems.length === 0 ? 0 : 1);
