// `npm run bench`: run every bench/*.bench.ts in turn (each prints its own figures), then
// write one Markdown report of all of them with the machine's description, so figures can
// be compared across commits: bench/REPORT.md (kept in the repository) when every bench
// ran, or bench/REPORT-<names>.md for a partial run (`npm run bench -- live`).
// Benchmarks measure; they never fail on a time. A bench that crashes fails the run.
import { execSync, spawn } from 'node:child_process';
import { readdirSync, writeFileSync } from 'node:fs';
import { cpus, freemem, totalmem } from 'node:os';
import { fileURLToPath } from 'node:url';

const dir = fileURLToPath(new URL('.', import.meta.url));
const only = process.argv.slice(2);
const benches = readdirSync(dir)
  .filter((file) => file.endsWith('.bench.ts'))
  .filter((file) => only.length === 0 || only.some((name) => file.includes(name)))
  .sort();

/** Run one bench, echoing its output as it comes, and keep the output for the report. */
function runBench(file) {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', `${dir}${file}`], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let output = '';
    child.stdout.on('data', (chunk) => {
      process.stdout.write(chunk);
      output += chunk;
    });
    child.on('close', (code) => resolve({ file, code, output }));
  });
}

function quiet(command) {
  try {
    return execSync(command, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return 'unknown';
  }
}

function machine() {
  const cpu = cpus();
  return [
    `- date: ${new Date().toISOString()}`,
    `- commit: ${quiet('git rev-parse --short HEAD')}${quiet('git status --porcelain') ? ' (with uncommitted changes)' : ''}`,
    `- cpu: ${cpu.length} × ${cpu[0]?.model ?? 'unknown'}`,
    `- memory: ${(totalmem() / 2 ** 30).toFixed(1)} GiB (${(freemem() / 2 ** 30).toFixed(1)} GiB free at start)`,
    `- load average at start: ${quiet('cut -d" " -f1-3 /proc/loadavg')}`,
    `- node ${process.version}; PostgreSQL: ${process.env.DATABASE_URL ? 'DATABASE_URL' : 'embedded'}`,
  ].join('\n');
}

const header = machine();
const results = [];
for (const file of benches) {
  console.log(`\n## ${file}`);
  results.push(await runBench(file));
}

const sections = results.map(
  ({ file, code, output }) =>
    `## ${file}${code === 0 ? '' : ` — FAILED (exit ${code})`}\n\n\`\`\`\n${output.trim()}\n\`\`\`\n`,
);
const name = only.length === 0 ? 'REPORT.md' : `REPORT-${only.join('-').replace(/[^\w-]/g, '_')}.md`;
writeFileSync(
  `${dir}${name}`,
  `# Mostrador benchmarks\n\nFigures only: benchmarks never fail on a time.\n\n${header}\n\n${sections.join('\n')}`,
);
console.log(`\nReport written to bench/${name}`);
process.exit(results.some((r) => r.code !== 0) ? 1 : 0);
