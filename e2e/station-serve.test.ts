/**
 * `station serve` as PROTOCOL.md describes it: JSON lines in and out, tags repeated, bad
 * commands answered without stopping, stdin closing harmless, signals and `quit` clean.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ServeStation } from '../test/support/serve.js';
import { startTestServer, type TestServer } from '../test/support/server.js';
import { runStation, serverState, tempDataDir } from '../test/support/station.js';

let server: TestServer;
const running: ServeStation[] = [];

beforeAll(async () => {
  server = await startTestServer();
});
afterEach(async () => {
  await Promise.all(running.splice(0).map((s) => s.stop('SIGKILL')));
});
afterAll(async () => server?.close());

async function serve(name: string): Promise<ServeStation> {
  const station = await ServeStation.enrolled(server, name);
  running.push(station);
  await station.start();
  await station.waitFor((line) => line.event === 'online');
  return station;
}

function stationTokenOf(dataDir: string): Promise<string> {
  return import('better-sqlite3').then(({ default: Database }) => {
    const db = new Database(`${dataDir}/station.db`, { readonly: true });
    try {
      return (db.prepare("SELECT value FROM meta WHERE key = 'stationToken'").get() as { value: string }).value;
    } finally {
      db.close();
    }
  });
}

describe('station serve', () => {
  it('announces ready with its id, then online', async () => {
    const a = await serve('A');
    expect(a.lines[0]).toEqual({ event: 'ready', stationId: a.stationId });
  });

  it('puts, gets and deletes rows, repeating each tag, as the enrolling user by default', async () => {
    const a = await serve('A');
    a.send(JSON.stringify({ cmd: 'put', table: 'customers', row: { name: 'Ana' }, tag: 42 }));
    const put = await a.waitFor((line) => line.tag === 42);
    expect(put).toMatchObject({ tag: 42, ok: true, row: { name: 'Ana', deletedAt: null } });
    const row = put.row as { id: string; updatedBy: string };
    const admin = await a.command({ cmd: 'get', table: 'users', id: row.updatedBy });
    expect(admin).toMatchObject({ ok: true, row: { username: 'admin' } });

    expect(await a.command({ cmd: 'get', table: 'customers', id: row.id })).toMatchObject({
      ok: true,
      row: { id: row.id },
    });
    expect(await a.command({ cmd: 'delete', table: 'customers', id: row.id })).toEqual({
      tag: expect.any(String),
      ok: true,
    });
    const gone = await a.command({ cmd: 'get', table: 'customers', id: row.id });
    expect((gone.row as { deletedAt: string | null }).deletedAt).toEqual(expect.any(String));
    expect(
      await a.command({ cmd: 'get', table: 'customers', id: '01900000-0000-7000-8000-000000000000' }),
    ).toMatchObject({
      ok: true,
      row: null,
    });
  });

  it('writes as the user a command names', async () => {
    const a = await serve('A');
    const cashier = await a.command({
      cmd: 'put',
      table: 'users',
      row: {
        username: 'cajera',
        displayName: 'Cajera',
        role: 'cashier',
        passwordHash: 'scrypt$131072$8$1$c2FsdGMyRnNkR0V4eHh4eA$aGFzaGFHRnphQWFHRnphQWFHRnphQWFHRnphQWFHRnp',
        active: true,
      },
    });
    expect(cashier).toMatchObject({ ok: true });
    const named = await a.command({ cmd: 'put', table: 'customers', row: { name: 'Beto' }, user: 'cajera' });
    expect((named.row as { updatedBy: string }).updatedBy).toBe((cashier.row as { id: string }).id);
    // A cashier may not edit users: the station's own rules apply to the named user.
    const refused = await a.command({
      cmd: 'put',
      table: 'users',
      row: { ...(cashier.row as object), displayName: 'Jefa' },
      user: 'cajera',
    });
    expect(refused).toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } });
    const unknown = await a.command({ cmd: 'put', table: 'customers', row: { name: 'Nadie' }, user: 'nobody' });
    expect(unknown).toMatchObject({ ok: false, error: { code: 'NOT_FOUND' } });
  });

  it('answers bad commands with ok:false and a code, changes nothing, and goes on', async () => {
    const a = await serve('A');
    const before = await a.command({ cmd: 'status' });
    a.send('this is not json');
    expect(await a.waitFor((line) => line.ok === false && line.tag === undefined)).toMatchObject({
      error: { code: 'BAD_COMMAND' },
    });
    const cases: Array<[Record<string, unknown>, string]> = [
      [{ cmd: 'fly' }, 'BAD_COMMAND'],
      [{ cmd: 'put', table: 'customers' }, 'BAD_COMMAND'],
      [{ cmd: 'delete', table: 'customers' }, 'BAD_COMMAND'],
      [{ cmd: 'put', table: 'spaceships', row: { name: 'x' } }, 'UNKNOWN_TABLE'],
      [{ cmd: 'put', table: 'products', row: { name: 'sin sku ni precio' } }, 'VALIDATION'],
      [{ cmd: 'delete', table: 'customers', id: '01900000-0000-7000-8000-000000000000' }, 'NOT_FOUND'],
    ];
    for (const [command, code] of cases) {
      expect(await a.command(command), JSON.stringify(command)).toMatchObject({ ok: false, error: { code } });
    }
    const after = await a.command({ cmd: 'status' });
    expect(after).toMatchObject({ ok: true, online: true, pending: before.pending, cursor: before.cursor });
  });

  it('syncs on request and reports its status', async () => {
    const a = await serve('A');
    expect(await a.command({ cmd: 'sync' })).toMatchObject({
      ok: true,
      pushed: 0,
      pulled: 0,
      cursor: expect.any(Number),
    });
    const status = await a.command({ cmd: 'status' });
    expect(status).toEqual({
      tag: expect.any(String),
      ok: true,
      online: true,
      cursor: expect.any(Number),
      head: expect.any(Number),
      pending: 0,
    });
  });

  it('keeps running and receiving changes after its stdin closes', async () => {
    const [a, b] = [await serve('A'), await serve('B')];
    b.process.stdin?.end();
    await new Promise((r) => setTimeout(r, 300));
    expect(b.exitCode).toBeNull();
    const put = await a.command({ cmd: 'put', table: 'customers', row: { name: 'Para B' } });
    await b.pulledId((put.row as { id: string }).id);
  });

  it('stops cleanly on SIGTERM and SIGINT', async () => {
    const a = await serve('A');
    expect(await a.stop('SIGTERM')).toBe(0);
    const b = await serve('B');
    expect(await b.stop('SIGINT')).toBe(0);
  });

  it('quits with 0 after flushing its outbox to the server', async () => {
    const a = await serve('A');
    a.send(JSON.stringify({ cmd: 'put', table: 'customers', row: { name: 'Último' }, tag: 'p' }));
    a.send(JSON.stringify({ cmd: 'quit', tag: 'q' }));
    const put = await a.waitFor((line) => line.tag === 'p');
    await a.waitFor((line) => line.tag === 'q' && line.ok === true);
    await new Promise<void>((resolve) => (a.exitCode !== null ? resolve() : a.process.once('exit', () => resolve())));
    expect(a.exitCode).toBe(0);
    const state = await serverState(server.url, await stationTokenOf(a.dataDir));
    expect(state.customers.map((c) => c.id)).toContain((put.row as { id: string }).id);
  });

  it('refuses a bad command line and an unenrolled folder', async () => {
    const noData = await runStation(['serve']);
    expect(noData.code).toBe(2);
    expect(noData.error?.code).toBe('BAD_COMMAND');
    const badUi = await runStation(['serve', '--data', tempDataDir('x'), '--ui', 'nowhere']);
    expect(badUi.error?.code).toBe('BAD_COMMAND');
    const empty = await runStation(['serve', '--data', tempDataDir('empty')]);
    expect(empty.code).toBe(1);
    expect(empty.error?.code).toBe('NOT_ENROLLED');
  });
});
