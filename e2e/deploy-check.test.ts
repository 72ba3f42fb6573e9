/**
 * The Railway deploy path, run for real: scripts/deploy-check.js copies the checkout as a
 * clean clone, runs railpack.json's install and railway.json's build, pre-deploy and start
 * commands against a fresh PostgreSQL database, and waits for /health to answer 200.
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { adminDatabaseUrl } from '../test/support/pg.js';

const REPO = fileURLToPath(new URL('..', import.meta.url));

describe('deploy check', () => {
  it('installs, builds, migrates and starts only the API from a clean clone, ending healthy', () => {
    const result = spawnSync('node', ['scripts/deploy-check.js'], {
      cwd: REPO,
      env: { ...process.env, DATABASE_URL: adminDatabaseUrl() },
      encoding: 'utf8',
      timeout: 280_000,
    });
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    const report = JSON.parse(result.stdout.trim().split('\n').at(-1) ?? '{}');
    expect(report.ok).toBe(true);
    expect(report.health).toMatchObject({ status: 'ok', db: 'ok' });
    // The API's deploy neither downloads Electron nor builds the renderer.
    expect(report.electronInstalled).toBe(false);
    expect(report.rendererBuilt).toBe(false);
  }, 300_000);
});
