// `npm run deploy-check`: prove the Railway deploy path before Railway runs it.
//
// From a clean copy of the checkout (the files git knows, no node_modules, no dist) it runs
// the very commands the deploy configuration names — railpack.json's install step,
// railway.json's build command, pre-deploy command and start command — against a fresh
// PostgreSQL database on the server in DATABASE_URL, and waits for the health check path
// to answer 200. It prints one JSON line with the timings and exits 0, or says which step
// failed and exits 1. The copy and the database are removed at the end (--keep keeps the copy).
import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';

const REPO = fileURLToPath(new URL('..', import.meta.url));
const keep = process.argv.includes('--keep');

class StepFailed extends Error {}

function fail(step, message) {
  throw new StepFailed(`deploy-check: ${step} failed: ${message}`);
}

function readJson(file) {
  return JSON.parse(readFileSync(join(REPO, file), 'utf8'));
}

/** The commands Railway runs, read from the repository's own deploy configuration. */
export function deployPlan() {
  const railway = readJson('railway.json');
  const railpack = readJson('railpack.json');
  if (railway.build?.builder !== 'RAILPACK' && railway.build?.builder !== 'DOCKERFILE') {
    fail('configuration', `railway.json names the builder ${railway.build?.builder}; use RAILPACK or DOCKERFILE.`);
  }
  return {
    install: railpack.steps?.install?.commands ?? [],
    build: railway.build.buildCommand ? [railway.build.buildCommand] : [],
    preDeploy: railway.deploy?.preDeployCommand ?? [],
    start: railway.deploy.startCommand,
    healthcheckPath: railway.deploy.healthcheckPath ?? '/health',
    healthcheckTimeoutMs: (railway.deploy.healthcheckTimeout ?? 300) * 1000,
  };
}

/** A clean clone of the working tree: tracked files plus new files git does not ignore. */
function cleanCopy() {
  const dir = mkdtempSync(join(tmpdir(), 'mostrador-deploy-'));
  const listed = spawnSync('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], {
    cwd: REPO,
    encoding: 'utf8',
  });
  if (listed.status !== 0) fail('copy', listed.stderr || 'git ls-files failed');
  for (const file of listed.stdout.split('\0').filter(Boolean)) {
    mkdirSync(dirname(join(dir, file)), { recursive: true });
    try {
      cpSync(join(REPO, file), join(dir, file));
    } catch (error) {
      // A file deleted in the working tree but still in the index is not part of the clone.
      if (error.code !== 'ENOENT') throw error;
    }
  }
  return dir;
}

function run(step, command, cwd, env) {
  const started = Date.now();
  const result = spawnSync(command, { cwd, env, shell: true, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  if (result.status !== 0) fail(step, `\`${command}\` exited ${result.status}\n${result.stdout}\n${result.stderr}`);
  return Date.now() - started;
}

async function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
    server.on('error', reject);
  });
}

async function withAdmin(adminUrl, sql) {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

async function waitForHealth(url, timeoutMs, server) {
  const deadline = Date.now() + timeoutMs;
  let last = 'no answer';
  while (Date.now() < deadline) {
    if (server.exitCode !== null) fail('start', `the server exited with code ${server.exitCode}: ${server.output()}`);
    try {
      const response = await fetch(url, { signal: AbortSignal.timeout(2_000) });
      if (response.status === 200) return await response.json();
      last = `${response.status} ${await response.text()}`;
    } catch (error) {
      last = error.message;
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  fail('health check', `${url} never answered 200 (last: ${last})`);
}

async function main() {
  const adminUrl = process.env.DATABASE_URL;
  if (!adminUrl) fail('configuration', 'set DATABASE_URL to a PostgreSQL server the check may create a database on.');
  const plan = deployPlan();
  const dir = cleanCopy();
  const database = `mostrador_deploy_${randomBytes(5).toString('hex')}`;
  const databaseUrl = new URL(adminUrl);
  databaseUrl.pathname = `/${database}`;
  await withAdmin(adminUrl, `CREATE DATABASE ${database}`);
  const port = await freePort();
  // What Railway sets, plus what the admin's guide tells the owner to set.
  const env = {
    ...process.env,
    DATABASE_URL: databaseUrl.toString(),
    PORT: String(port),
    NODE_ENV: 'production',
    JWT_SECRET: randomBytes(32).toString('hex'),
    ADMIN_PASSWORD: `deploy-${randomBytes(6).toString('hex')}`,
    LOG_LEVEL: 'warn',
  };
  const timings = {};
  let child = null;
  try {
    timings.installMs = plan.install.reduce((ms, command) => ms + run('install', command, dir, env), 0);
    timings.buildMs = plan.build.reduce((ms, command) => ms + run('build', command, dir, env), 0);
    timings.preDeployMs = plan.preDeploy.reduce((ms, command) => ms + run('pre-deploy', command, dir, env), 0);
    const started = Date.now();
    const output = [];
    child = spawn(plan.start, { cwd: dir, env, shell: true, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    child.stdout.on('data', (chunk) => output.push(chunk));
    child.stderr.on('data', (chunk) => output.push(chunk));
    const server = {
      get exitCode() {
        return child.exitCode;
      },
      output: () => Buffer.concat(output).toString(),
    };
    const health = await waitForHealth(
      `http://127.0.0.1:${port}${plan.healthcheckPath}`,
      plan.healthcheckTimeoutMs,
      server,
    );
    timings.healthyMs = Date.now() - started;
    const installed = (name) =>
      spawnSync('node', ['-e', `require.resolve('${name}/package.json')`], { cwd: dir }).status === 0;
    console.log(
      JSON.stringify({
        ok: true,
        health,
        electronInstalled: installed('electron'),
        rendererBuilt: spawnSync('test', ['-e', join(dir, 'desktop/dist')]).status === 0,
        ...timings,
      }),
    );
  } finally {
    if (child && child.exitCode === null) {
      process.kill(-child.pid, 'SIGTERM');
      await new Promise((resolve) => child.once('exit', resolve));
    }
    await withAdmin(adminUrl, `DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
    if (!keep) rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  try {
    await main();
  } catch (error) {
    console.error(error instanceof StepFailed ? error.message : error);
    process.exit(1);
  }
}
