/** What `station serve` prints: one JSON object per line on stdout (PROTOCOL.md). */
export function write(message: Record<string, unknown>): void {
  process.stdout.write(`${JSON.stringify(message)}\n`);
}
