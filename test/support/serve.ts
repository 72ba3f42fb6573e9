/**
 * `station serve` as a child process (the built desktop/dist), spoken to in JSON lines:
 *
 *   ServeStation.enrolled(server, name) → a data folder enrolled and bootstrapped in-process
 *   station.start(args?, env?) spawn `station serve --data DIR` (logged in as the enrolling admin
 *                              through MOSTRADOR_PASSWORD unless env says otherwise), wait for `ready`
 *   station.command(cmd)       send a command with a fresh tag, resolve with its reply
 *   station.waitFor(test, ms)  the first event (or reply) matching `test`, seen before or after the call
 *   station.pulledId(id)       the `pulled` event that carried row `id`
 *   station.stop(signal?)      SIGTERM (or another signal) and wait for the exit code
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { enrolledStation, STATION_BIN, tempDataDir } from './station.js';

export type Line = Record<string, unknown> & { event?: string; tag?: unknown; ok?: boolean };

export class ServeStation {
  readonly lines: Line[] = [];
  stderr = '';
  private child: ChildProcess | null = null;
  private waiters: Array<() => void> = [];
  private nextTag = 0;
  exitCode: number | null = null;

  constructor(
    readonly dataDir: string,
    readonly stationId: string,
    /** The enrolling user's password, given to `serve` as MOSTRADOR_PASSWORD. */
    readonly password: string | null = null,
  ) {}

  static async enrolled(server: { url: string; adminPassword: string }, name: string): Promise<ServeStation> {
    const dataDir = tempDataDir(name);
    const station = await enrolledStation(server, name, { dataDir });
    try {
      await station.sync.pullChanges();
      return new ServeStation(dataDir, station.id, server.adminPassword);
    } finally {
      station.close();
    }
  }

  get process(): ChildProcess {
    if (!this.child) throw new Error('not started');
    return this.child;
  }

  async start(extraArgs: string[] = [], env: Record<string, string | undefined> = {}): Promise<void> {
    const password = this.password === null ? {} : { MOSTRADOR_PASSWORD: this.password };
    const child = spawn(process.execPath, [STATION_BIN, 'serve', '--data', this.dataDir, ...extraArgs], {
      stdio: ['pipe', 'pipe', 'pipe'],
      env: withoutUndefined({ ...process.env, MOSTRADOR_PASSWORD: undefined, ...password, ...env }),
    });
    this.child = child;
    createInterface({ input: child.stdout }).on('line', (text) => {
      try {
        this.lines.push(JSON.parse(text) as Line);
      } catch {
        this.lines.push({ event: 'unparsed', text });
      }
      this.wake();
    });
    child.stderr.on('data', (chunk) => {
      this.stderr += String(chunk);
    });
    child.on('exit', (code) => {
      this.exitCode = code;
      this.wake();
    });
    await this.waitFor((line) => line.event === 'ready');
  }

  send(line: string): void {
    this.process.stdin?.write(`${line}\n`);
  }

  async command(command: Record<string, unknown>, ms = 10_000): Promise<Line> {
    const tag = `t${++this.nextTag}`;
    this.send(JSON.stringify({ ...command, tag }));
    return this.waitFor((line) => line.tag === tag, ms);
  }

  async waitFor(test: (line: Line) => boolean, ms = 10_000, from = 0): Promise<Line> {
    const deadline = Date.now() + ms;
    for (;;) {
      const found = this.lines.slice(from).find(test);
      if (found) return found;
      if (this.exitCode !== null) throw new Error(`station exited ${this.exitCode}: ${this.stderr.slice(-2000)}`);
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`timed out; last lines ${JSON.stringify(this.lines.slice(-5))}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  /** The next `online` event after what was seen so far. */
  nextEvent(event: string, ms = 10_000): Promise<Line> {
    return this.waitFor((line) => line.event === event, ms, this.lines.length);
  }

  pulledId(id: string, ms = 10_000): Promise<Line> {
    return this.waitFor((line) => line.event === 'pulled' && Array.isArray(line.ids) && line.ids.includes(id), ms);
  }

  async stop(signal: NodeJS.Signals = 'SIGTERM'): Promise<number | null> {
    const child = this.child;
    if (!child || this.exitCode !== null) return this.exitCode;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill(signal);
    const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
    await exited;
    clearTimeout(timer);
    return this.exitCode;
  }

  private wake(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const wake of waiters) wake();
  }
}

function withoutUndefined(env: Record<string, string | undefined>): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(env).filter(([, value]) => value !== undefined));
}
