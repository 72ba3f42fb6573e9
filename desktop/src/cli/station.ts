/**
 * The `station` command: the station core without Electron, for scripts, tests and
 * benchmarks. Results are JSON on stdout; a failure prints `{"error":{"code","message"}}`
 * on stderr and exits non-zero (1 for a station or server error, 2 for a bad command line).
 */
import { parseArgs } from 'node:util';
import { MostradorError } from '@mostrador/common/errors';
import type { Flags } from './commands.js';

const USAGE = 'station <enroll|sync|dump|serve> --data DIR [options]; see PROTOCOL.md';

// Commands are imported when run, not above: `station serve --ui` listens before the
// station core loads (issue 11), and serve parses its own arguments.
async function run(argv: string[]): Promise<unknown> {
  const [command, ...args] = argv;
  if (command === 'serve') {
    const { serveCommand } = await import('./serve.js');
    await serveCommand(args);
    return undefined;
  }
  const flags = parseFlags(args);
  const { dump, enroll, sync } = await import('./commands.js');
  switch (command) {
    case 'enroll':
      return enroll(flags);
    case 'sync':
      return sync(flags);
    case 'dump':
      return dump(flags);
    default:
      throw new MostradorError('BAD_COMMAND', `Unknown command ${command ?? '(none)'}. Usage: ${USAGE}`);
  }
}

function parseFlags(args: string[]): Flags {
  try {
    const { values } = parseArgs({
      args,
      options: {
        data: { type: 'string' },
        server: { type: 'string' },
        name: { type: 'string' },
        user: { type: 'string' },
        password: { type: 'string' },
        ceiling: { type: 'string' },
        'password-file': { type: 'string' },
      },
      strict: true,
      allowPositionals: false,
    });
    return values;
  } catch (error) {
    throw new MostradorError('BAD_COMMAND', `${(error as Error).message}. Usage: ${USAGE}`);
  }
}

function fail(error: unknown): void {
  const failure =
    error instanceof MostradorError
      ? error
      : new MostradorError('INTERNAL', error instanceof Error ? error.message : String(error));
  process.stderr.write(`${JSON.stringify(failure.toBody())}\n`);
  process.exitCode = failure.code === 'BAD_COMMAND' ? 2 : 1;
}

function reportResources(): void {
  // For benchmarks: the peak memory of this very process, measured from inside it.
  if (process.env.MOSTRADOR_REPORT_RESOURCES !== '1') return;
  const { maxRSS, userCPUTime, systemCPUTime } = process.resourceUsage();
  const cpu = { userMs: Math.round(userCPUTime / 1000), systemMs: Math.round(systemCPUTime / 1000) };
  process.stderr.write(`${JSON.stringify({ resources: { maxRssKb: maxRSS, ...cpu } })}\n`);
}

try {
  const result = await run(process.argv.slice(2));
  if (result !== undefined) process.stdout.write(`${JSON.stringify(result)}\n`);
} catch (error) {
  fail(error);
} finally {
  reportResources();
}
