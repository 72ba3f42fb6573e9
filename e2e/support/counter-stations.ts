/**
 * Stations in browser mode for the counter tests (issue 10), like ui-stations.ts's UiStation,
 * but started with MOSTRADOR_PASSWORD (the enrolling admin's password), which `station serve`
 * needs to sign its writes once trusted writes are in.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort } from '../../test/support/ports.js';

const STATION_BIN = fileURLToPath(new URL('../../desktop/bin/station.js', import.meta.url));

export class CounterStation {
  private child: ChildProcess | null = null;
  readonly dataDir = join(mkdtempSync(join(tmpdir(), 'mostrador-counter-')), 'data');
  url = '';

  constructor(private readonly adminPassword: string) {}

  async start(): Promise<void> {
    const port = await freePort();
    const address = `127.0.0.1:${port}`;
    const child = spawn(process.execPath, [STATION_BIN, 'serve', '--data', this.dataDir, '--ui', address], {
      stdio: ['pipe', 'pipe', 'pipe'],
      env: { ...process.env, MOSTRADOR_PASSWORD: this.adminPassword },
    });
    this.child = child;
    let output = '';
    child.stdout?.on('data', (chunk) => {
      output += String(chunk);
    });
    child.stderr?.on('data', (chunk) => {
      output += String(chunk);
    });
    this.url = `http://${address}/`;
    const started = Date.now();
    for (;;) {
      if (child.exitCode !== null) throw new Error(`station exited: ${output.slice(-4000)}`);
      const ok = await fetch(`${this.url}api/app:state`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: '{}',
      })
        .then((response) => response.status === 200)
        .catch(() => false);
      if (ok) return;
      if (Date.now() - started > 30_000) throw new Error(`timed out waiting for the station at ${this.url}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }

  async stop(): Promise<void> {
    const child = this.child;
    this.child = null;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
    await exited;
    clearTimeout(timer);
  }
}

/** The text of a PDF, page by page (pdf.js, as a reader would see it), and its first page's width. */
export async function pdfText(data: Uint8Array): Promise<{ text: string; widthMm: number }> {
  const { getDocument } = await import('pdfjs-dist/legacy/build/pdf.mjs');
  const pdf = await getDocument({ data: new Uint8Array(data), useSystemFonts: false, isEvalSupported: false }).promise;
  const [, , width = 0] = (await pdf.getPage(1)).view;
  const pages: string[] = [];
  for (let n = 1; n <= pdf.numPages; n += 1) {
    const content = await (await pdf.getPage(n)).getTextContent();
    pages.push(content.items.map((item) => ('str' in item ? item.str : '')).join(' '));
  }
  await pdf.destroy();
  return { text: pages.join('\n').replace(/[ \t]+/g, ' '), widthMm: (width / 72) * 25.4 };
}
