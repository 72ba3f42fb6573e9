import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { startEmbeddedPostgres } from './embedded.js';

// Only root hands PostgreSQL over to the `postgres` user; as anyone else the folder is theirs.
it.runIf(process.getuid?.() === 0)(
  'explains which folder the postgres user cannot enter instead of failing inside initdb',
  async () => {
    const closed = await mkdtemp(join(tmpdir(), 'mostrador-closed-')); // mode 0700
    try {
      await expect(startEmbeddedPostgres(join(closed, 'data'), 1)).rejects.toThrow(
        new RegExp(`cannot enter ${closed}.*DATABASE_URL`),
      );
    } finally {
      await rm(closed, { recursive: true, force: true });
    }
  },
);
