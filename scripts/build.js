// `npm run build`: the TypeScript projects (`tsc -b`), then the renderer and the preload
// bundles (Vite). Each step is skipped when nothing it reads or writes changed since it
// last ran: a stamp (a hash over the paths, sizes and modification times of its inputs
// and outputs) is kept in node_modules/.cache/mostrador/, so a second `npm start` with
// nothing edited goes straight to starting. The renderer's inputs are the files its last
// bundle was made of (Vite's module graph), so an edit to a server file does not rebuild it.
// `--force` rebuilds everything.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const STAMPS = join(ROOT, 'node_modules/.cache/mostrador/build-stamps.json');
const force = process.argv.includes('--force');
const require = createRequire(import.meta.url);

/** Every file and folder under `dir` (folders too: their times change when a file is added or removed). */
function walk(dir, skip = []) {
  if (!existsSync(dir)) return [`${dir} missing`];
  const found = [dir];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (skip.includes(path)) continue;
    if (entry.isDirectory()) found.push(...walk(path, skip));
    else found.push(path);
  }
  return found;
}

function fingerprint(paths) {
  const hash = createHash('sha1');
  for (const path of paths) {
    try {
      const stat = statSync(path);
      hash.update(`${relative(ROOT, path)} ${stat.size} ${stat.mtimeMs}\n`);
    } catch {
      hash.update(`${relative(ROOT, path)} missing\n`);
    }
  }
  return hash.digest('hex');
}

const at = (...parts) => join(ROOT, ...parts);
const PROJECTS = ['common', 'server', 'desktop'];
const SHARED_INPUTS = [at('package-lock.json'), at('tsconfig.base.json'), at('tsconfig.json')];
const RENDERER_OUTPUTS = [at('desktop/dist/renderer'), at('desktop/dist/electron')];

const tscInputs = () => [
  ...SHARED_INPUTS,
  ...PROJECTS.flatMap((name) => [at(name, 'tsconfig.json'), at(name, 'package.json')]),
  ...PROJECTS.flatMap((name) => walk(at(name, 'src'), [at('desktop/src/renderer')])),
];
const tscOutputs = () => [
  ...PROJECTS.map((name) => at(name, 'tsconfig.tsbuildinfo')),
  ...PROJECTS.flatMap((name) => walk(at(name, 'dist'), RENDERER_OUTPUTS)),
];

/** The renderer's inputs: what its last bundle was made of, its page, configs and the lock file. */
const rendererInputs = (modules) => [
  ...SHARED_INPUTS,
  at('desktop/package.json'),
  at('desktop/vite.config.ts'),
  at('desktop/vite.preload.config.ts'),
  at('desktop/src/renderer/index.html'),
  ...modules,
];
const rendererOutputs = () => RENDERER_OUTPUTS.flatMap((dir) => walk(dir));

function readStamps() {
  try {
    return JSON.parse(readFileSync(STAMPS, 'utf8'));
  } catch {
    return {};
  }
}

function writeStamps(stamps) {
  mkdirSync(join(STAMPS, '..'), { recursive: true });
  writeFileSync(STAMPS, `${JSON.stringify(stamps)}\n`);
}

function typescript() {
  const tsc = require.resolve('typescript/bin/tsc');
  const result = spawnSync(process.execPath, [tsc, '-b'], { cwd: ROOT, stdio: 'inherit' });
  if (result.status !== 0) process.exit(result.status ?? 1);
}

/** Both Vite builds in this process; answers the source files the bundles were made of. */
async function bundles() {
  const { build } = await import('vite');
  const desktop = at('desktop');
  // The configs' paths (root, outDir) are relative to the desktop folder, as `npm run build --workspace desktop` runs them.
  process.chdir(desktop);
  try {
    const modules = new Set();
    for (const configFile of ['vite.config.ts', 'vite.preload.config.ts']) {
      const result = await build({ configFile: join(desktop, configFile), logLevel: 'warn' });
      for (const output of [result].flat()) {
        for (const chunk of output.output ?? []) {
          for (const id of chunk.moduleIds ?? Object.keys(chunk.modules ?? {})) {
            // Packages change with the lock file; virtual modules have no file.
            if (!id.startsWith('\0') && !id.includes('/node_modules/')) modules.add(id.split('?')[0]);
          }
        }
      }
    }
    return [...modules].sort();
  } finally {
    process.chdir(ROOT);
  }
}

async function main() {
  const stamps = force ? {} : readStamps();
  const tscStamp = () => `${fingerprint(tscInputs())}/${fingerprint(tscOutputs())}`;
  if (stamps.tsc !== tscStamp()) {
    const started = Date.now();
    typescript();
    console.log(`build: TypeScript projects compiled in ${Date.now() - started} ms`);
    stamps.tsc = tscStamp();
    writeStamps(stamps);
  }
  const modules = stamps.renderer?.modules ?? [];
  const rendererStamp = () => `${fingerprint(rendererInputs(modules))}/${fingerprint(rendererOutputs())}`;
  if (!stamps.renderer || stamps.renderer.stamp !== rendererStamp()) {
    const started = Date.now();
    modules.splice(0, modules.length, ...(await bundles()));
    stamps.renderer = { modules, stamp: rendererStamp() };
    writeStamps(stamps);
    console.log(`build: renderer and preload bundled in ${Date.now() - started} ms`);
  }
}

await main();
