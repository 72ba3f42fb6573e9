/**
 * A `station` child process for benchmarks: the built CLI, with per-page traces and its
 * peak RSS reported on stderr, so the wall time includes the process start like a real one.
 */
import { spawn } from 'node:child_process';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';

const STATION_BIN = fileURLToPath(new URL('../desktop/bin/station.js', import.meta.url));

export interface ChildRun {
  ms: number;
  code: number | null;
  stdout: string;
  stderr: string;
}

/** BENCH_CPU_PROF=DIR: the station child writes a V8 CPU profile there (open it in Chrome's DevTools). */
function profileArgs(): string[] {
  const dir = process.env.BENCH_CPU_PROF;
  return dir ? ['--cpu-prof', `--cpu-prof-dir=${dir}`] : [];
}

export function runChild(args: string[], env: Record<string, string> = {}): Promise<ChildRun> {
  const started = performance.now();
  const child = spawn(process.execPath, [...profileArgs(), STATION_BIN, ...args], {
    env: { ...process.env, MOSTRADOR_REPORT_RESOURCES: '1', MOSTRADOR_TRACE: '1', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk) => (stdout += chunk));
  child.stderr.on('data', (chunk) => (stderr += chunk));
  return new Promise((resolve) =>
    child.on('close', (code) => resolve({ ms: performance.now() - started, code, stdout, stderr })),
  );
}

/** Sum of the station's own per-page figures (MOSTRADOR_TRACE lines): apply, and waiting for downloads. */
export function pageTimes(stderr: string): { apply: number; wait: number; pages: number } {
  const pages = stderr
    .split('\n')
    .filter((l) => l.includes('"trace":"pulled"'))
    .map((l) => JSON.parse(l) as { applyMs: number; waitMs: number });
  return {
    apply: pages.reduce((sum, p) => sum + p.applyMs, 0),
    wait: pages.reduce((sum, p) => sum + p.waitMs, 0),
    pages: pages.length,
  };
}

export function maxRssMb(stderr: string): number {
  const line = stderr.split('\n').find((l) => l.includes('"resources"'));
  return line ? JSON.parse(line).resources.maxRssKb / 1024 : Number.NaN;
}

/** The station process's own CPU time (user + system), from the same resources line. */
export function cpuMs(stderr: string): { user: number; system: number } {
  const line = stderr.split('\n').find((l) => l.includes('"resources"'));
  const resources = line ? JSON.parse(line).resources : {};
  return { user: resources.userMs ?? Number.NaN, system: resources.systemMs ?? Number.NaN };
}
