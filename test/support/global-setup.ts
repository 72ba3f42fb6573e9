/**
 * Vitest global setup: choose the PostgreSQL server the tests use. With DATABASE_URL set
 * (CI points it at the machine's server) tests create their databases there; without
 * it, an embedded PostgreSQL is started in a temporary folder and stopped at the end.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import { startEmbeddedPostgres } from '../../server/src/db/embedded.js';
import { freePort } from './ports.js';

declare module 'vitest' {
  export interface ProvidedContext {
    pgAdminUrl: string;
  }
}

export default async function setup(project: TestProject) {
  const url = process.env.DATABASE_URL;
  if (url) {
    project.provide('pgAdminUrl', url);
    return;
  }
  const dir = await mkdtemp(join(tmpdir(), 'mostrador-test-pg-'));
  const db = await startEmbeddedPostgres(dir, await freePort());
  project.provide('pgAdminUrl', db.url);
  return async () => {
    await db.stop();
    await rm(dir, { recursive: true, force: true });
  };
}
