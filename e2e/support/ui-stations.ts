/**
 * Real processes for the browser tests: the API server (`node server/dist/main.js`) that can
 * be stopped and started again on the same port and database, and stations in browser mode
 * (`station serve --data DIR --ui 127.0.0.1:PORT`), each its own process and data folder.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort } from '../../test/support/ports.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const SERVER_MAIN = join(ROOT, 'server/dist/main.js');
const STATION_BIN = join(ROOT, 'desktop/bin/station.js');

export { freePort };
export const RENDERER_INDEX = join(ROOT, 'desktop/dist/renderer/index.html');

async function until(what: string, check: () => Promise<boolean>, timeoutMs = 30_000): Promise<void> {
  const started = Date.now();
  while (!(await check().catch(() => false))) {
    if (Date.now() - started > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

function collectOutput(child: ChildProcess): () => string {
  let output = '';
  child.stdout?.on('data', (chunk) => {
    output += String(chunk);
  });
  child.stderr?.on('data', (chunk) => {
    output += String(chunk);
  });
  return () => output.slice(-4000);
}

async function stopChild(child: ChildProcess | null): Promise<void> {
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
  await exited;
  clearTimeout(timer);
}

export class ServerProcess {
  private child: ChildProcess | null = null;
  readonly url: string;

  constructor(
    private readonly databaseUrl: string,
    private readonly port: number,
    readonly adminPassword: string,
    private readonly jwtSecret: string,
  ) {
    this.url = `http://127.0.0.1:${port}`;
  }

  async start(): Promise<void> {
    const child = spawn(process.execPath, [SERVER_MAIN], {
      env: {
        ...process.env,
        DATABASE_URL: this.databaseUrl,
        PORT: String(this.port),
        HOST: '127.0.0.1',
        JWT_SECRET: this.jwtSecret,
        ADMIN_PASSWORD: this.adminPassword,
        LOG_LEVEL: 'warn',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.child = child;
    const output = collectOutput(child);
    await until('the API server', async () => {
      if (child.exitCode !== null) throw new Error(`server exited: ${output()}`);
      return (await fetch(`${this.url}/health`)).status === 200;
    });
  }

  async stop(): Promise<void> {
    await stopChild(this.child);
    this.child = null;
  }

  /** Freeze (SIGSTOP) or thaw (SIGCONT) the server process: it stops answering without closing a socket. */
  signal(signal: 'SIGSTOP' | 'SIGCONT'): void {
    this.child?.kill(signal);
  }
}

export class UiStation {
  private child: ChildProcess | null = null;
  readonly dataDir = join(mkdtempSync(join(tmpdir(), 'mostrador-ui-')), 'data');
  url = '';

  /** `env`: extra environment for `station serve` (e.g. MOSTRADOR_PASSWORD, the enrolling admin's password). */
  constructor(private readonly env: Record<string, string> = {}) {}

  async start(): Promise<void> {
    const port = await freePort();
    const address = `127.0.0.1:${port}`;
    const args = [STATION_BIN, 'serve', '--data', this.dataDir, '--ui', address];
    const child = spawn(process.execPath, args, {
      stdio: ['pipe', 'pipe', 'pipe'],
      env: { ...process.env, ...this.env },
    });
    this.child = child;
    const output = collectOutput(child);
    this.url = `http://${address}/`;
    await until(`the station UI at ${this.url}`, async () => {
      if (child.exitCode !== null) throw new Error(`station exited: ${output()}`);
      const response = await fetch(`${this.url}api/app:state`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: '{}',
      });
      return response.status === 200;
    });
  }

  async stop(): Promise<void> {
    await stopChild(this.child);
    this.child = null;
  }

  /** Freeze (SIGSTOP) or thaw (SIGCONT) the station process. */
  signal(signal: 'SIGSTOP' | 'SIGCONT'): void {
    this.child?.kill(signal);
  }
}
