// `npm run backup -- [file]`: a pg_dump archive (custom format, compressed) of the central
// database in DATABASE_URL. Prints { file, bytes, tables } as JSON. `npm run restore` loads it.
import { spawnSync } from 'node:child_process';
import { mkdirSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { assertToolFits, describeUrl, pgTool, tableCounts } from './lib/pg-tools.js';

async function main() {
  const url = process.env.DATABASE_URL;
  if (!url) throw new Error('DATABASE_URL is not set: say which database to back up.');
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  const file = resolve(process.argv[2] ?? `backups/mostrador-${stamp}.dump`);
  await assertToolFits('pg_dump', url);
  mkdirSync(dirname(file), { recursive: true });
  // --no-owner/--no-privileges: the archive restores under whatever role the new server gives us (Railway's, a local one).
  const result = spawnSync(
    pgTool('pg_dump'),
    ['--format=custom', '--no-owner', '--no-privileges', `--file=${file}`, `--dbname=${url}`],
    { encoding: 'utf8' },
  );
  if (result.status !== 0) throw new Error(`pg_dump failed on ${describeUrl(url)}: ${result.stderr.trim()}`);
  console.log(JSON.stringify({ file, bytes: statSync(file).size, tables: await tableCounts(url) }));
}

main().catch((error) => {
  console.error(`backup: ${error.message}`);
  process.exit(1);
});
