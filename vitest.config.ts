import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  resolve: {
    // Tests import the workspaces' sources directly; only spawned processes use dist/.
    alias: [
      // The renderer imports the money rules alone (issue 10); the station's start, the errors (issue 11).
      {
        find: /^@mostrador\/common\/(money|errors)$/,
        replacement: fileURLToPath(new URL('./common/src/$1.ts', import.meta.url)),
      },
      { find: /^@mostrador\/common$/, replacement: fileURLToPath(new URL('./common/src/index.ts', import.meta.url)) },
    ],
  },
  test: {
    include: ['{common,server,desktop}/src/**/*.test.{ts,tsx}', 'e2e/**/*.test.ts'],
    globalSetup: ['test/support/global-setup.ts'],
    pool: 'forks',
    testTimeout: 60_000,
    hookTimeout: 120_000,
  },
});
