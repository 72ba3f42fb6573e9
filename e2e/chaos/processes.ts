/**
 * The real processes a chaos run drives: the API (`node server/dist/main.js`) on a fixed port
 * so it can be SIGKILLed and started again, and `station serve` children spoken to in JSON
 * lines. Both use the built dist/ (run `npm run build` first).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { appendFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

const SERVER_MAIN = fileURLToPath(new URL('../../server/dist/main.js', import.meta.url));
const STATION_BIN = fileURLToPath(new URL('../../desktop/bin/station.js', import.meta.url));

export type Line = Record<string, unknown> & { event?: string; tag?: unknown; ok?: boolean };

/**
 * With CHAOS_TRACE=<folder>, every command sent to a station and every line it prints are
 * appended to <folder>/trace.log, stamped and named, beside the harness's own log: the
 * story of a failed run, read after the fact.
 */
export function trace(who: string, text: string): void {
  const folder = process.env.CHAOS_TRACE;
  if (!folder) return;
  if (!traceReady) {
    mkdirSync(folder, { recursive: true });
    traceReady = true;
  }
  appendFileSync(join(folder, 'trace.log'), `${new Date().toISOString()} ${who} ${text}\n`);
}
let traceReady = false;

async function exited(child: ChildProcess | null, signal: NodeJS.Signals): Promise<void> {
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  const done = new Promise((resolve) => child.once('exit', resolve));
  child.kill(signal);
  const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
  await done;
  clearTimeout(timer);
}

export class ApiProcess {
  private child: ChildProcess | null = null;
  private output = '';

  constructor(
    readonly port: number,
    private readonly env: Record<string, string>,
  ) {}

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** Start the API, unless it is running already (a second one would orphan the first). */
  async start(): Promise<void> {
    if (this.child && this.child.exitCode === null && this.child.signalCode === null) return;
    const child = spawn(process.execPath, [SERVER_MAIN], {
      env: { ...process.env, ...this.env, PORT: String(this.port), HOST: '127.0.0.1', LOG_LEVEL: 'error' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.child = child;
    const keep = (chunk: unknown) => {
      this.output = (this.output + String(chunk)).slice(-4000);
    };
    child.stdout?.on('data', keep);
    child.stderr?.on('data', keep);
    const deadline = Date.now() + 30_000;
    for (;;) {
      if (child.exitCode !== null) throw new Error(`the API exited: ${this.output}`);
      const healthy = await fetch(`${this.url}/health`)
        .then((r) => r.status === 200)
        .catch(() => false);
      if (healthy) return;
      if (Date.now() > deadline) throw new Error(`the API did not become healthy: ${this.output}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }

  kill(): Promise<void> {
    const child = this.child;
    this.child = null;
    return exited(child, 'SIGKILL');
  }

  stop(): Promise<void> {
    const child = this.child;
    this.child = null;
    return exited(child, 'SIGTERM');
  }
}

export class StationProcess {
  private child: ChildProcess | null = null;
  private lines: Line[] = [];
  private waiters = new Map<string, { resolve: (line: Line) => void; reject: (error: Error) => void }>();
  private nextTag = 0;
  stderr = '';
  stationId = '';
  /** Events seen over every start of this station, by name. */
  readonly eventCounts = new Map<string, number>();

  /** The skew the station starts with (MOSTRADOR_CLOCK_OFFSET_MS), and the one of its next start. */
  readonly baseClockOffsetMs: number;
  clockOffsetMs: number;

  constructor(
    readonly name: string,
    readonly dataDir: string,
    private readonly env: Record<string, string>,
  ) {
    this.baseClockOffsetMs = Number(env.MOSTRADOR_CLOCK_OFFSET_MS ?? 0);
    this.clockOffsetMs = this.baseClockOffsetMs;
  }

  get running(): boolean {
    return this.child !== null;
  }

  /** Events seen since the last start (pulled, pushed, reconciled, …). */
  events(name: string): Line[] {
    return this.lines.filter((line) => line.event === name);
  }

  async start(): Promise<void> {
    const child = spawn(process.execPath, [STATION_BIN, 'serve', '--data', this.dataDir], {
      env: { ...process.env, ...this.env, MOSTRADOR_CLOCK_OFFSET_MS: String(this.clockOffsetMs) },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    this.child = child;
    this.lines = [];
    const ready = new Promise<void>((resolve, reject) => {
      createInterface({ input: child.stdout }).on('line', (text) => {
        trace(this.name, text);
        let line: Line;
        try {
          line = JSON.parse(text) as Line;
        } catch {
          return;
        }
        this.lines.push(line);
        if (line.event) this.eventCounts.set(line.event, (this.eventCounts.get(line.event) ?? 0) + 1);
        if (line.event === 'ready') {
          this.stationId = String(line.stationId);
          resolve();
        }
        const waiter = typeof line.tag === 'string' ? this.waiters.get(line.tag) : undefined;
        if (waiter && typeof line.tag === 'string') {
          this.waiters.delete(line.tag);
          waiter.resolve(line);
        }
      });
      child.once('exit', (code, signal) => {
        if (this.child === child) this.child = null;
        const error = new Error(`${this.name} exited (${code ?? signal}): ${this.stderr.slice(-1000)}`);
        for (const waiter of this.waiters.values()) waiter.reject(error);
        this.waiters.clear();
        reject(error);
      });
    });
    child.stderr?.on('data', (chunk) => {
      trace(`${this.name} stderr`, String(chunk).trimEnd());
      this.stderr = (this.stderr + String(chunk)).slice(-4000);
    });
    await ready;
  }

  /** Send a command; resolves with its reply, rejects if the process dies first or after `ms`. */
  command(command: Record<string, unknown>, ms = 30_000): Promise<Line> {
    const child = this.child;
    if (!child?.stdin) return Promise.reject(new Error(`${this.name} is not running`));
    const tag = `c${++this.nextTag}`;
    return new Promise<Line>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiters.delete(tag);
        reject(new Error(`${this.name}: no reply to ${String(command.cmd)} within ${ms} ms`));
      }, ms);
      this.waiters.set(tag, {
        resolve: (line) => {
          clearTimeout(timer);
          resolve(line);
        },
        reject: (error) => {
          clearTimeout(timer);
          reject(error);
        },
      });
      const text = JSON.stringify({ ...command, tag });
      trace(`${this.name} <`, text);
      child.stdin?.write(`${text}\n`);
    });
  }

  kill(): Promise<void> {
    const child = this.child;
    this.child = null;
    return exited(child, 'SIGKILL');
  }

  stop(): Promise<void> {
    const child = this.child;
    this.child = null;
    return exited(child, 'SIGTERM');
  }
}
