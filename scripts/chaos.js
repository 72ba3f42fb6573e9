// `npm run chaos -- --stations N --ops N --seed S`: the chaos harness (e2e/chaos/harness.ts)
// against a fresh database on DATABASE_URL's server, printing operations, faults, time to
// converge and the seed. Runs the TypeScript through tsx, like the benchmarks.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const main = fileURLToPath(new URL('../e2e/chaos/main.ts', import.meta.url));
const result = spawnSync(process.execPath, ['--import', 'tsx', main, ...process.argv.slice(2)], { stdio: 'inherit' });
process.exit(result.status ?? 1);
