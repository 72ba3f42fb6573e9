#!/usr/bin/env node
// The `station` command; the code is in desktop/src/cli/station.ts (built to dist/).
await import('../dist/cli/station.js');
