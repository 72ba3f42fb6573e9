import { performance } from 'node:perf_hooks';

/**
 * MOSTRADOR_TRACE=1 (as for the one-shot commands): each line also says when it was written,
 * in ms since the epoch at sub-millisecond resolution (`at`), so a bench can split a change's
 * trip between processes without counting how long the reader took to read the line.
 */
const stamped = process.env.MOSTRADOR_TRACE === '1';

/** What `station serve` prints: one JSON object per line on stdout (PROTOCOL.md). */
export function write(message: Record<string, unknown>): void {
  const line = stamped ? { ...message, at: performance.timeOrigin + performance.now() } : message;
  process.stdout.write(`${JSON.stringify(line)}\n`);
}
