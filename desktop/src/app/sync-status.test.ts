import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ERRORS } from '@mostrador/common';
import { afterEach, describe, expect, it } from 'vitest';
import { offlineStation } from '../../../test/support/station.js';
import type { Station } from '../core/index.js';
import { en } from '../renderer/i18n/en.js';
import { es } from '../renderer/i18n/es.js';
import { syncStatusOf } from './sync-status.js';

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0)) await cleanup();
});

/** A server of a later protocol: it refuses this station's pushes as the real one refuses older stations. */
async function laterServer(): Promise<string> {
  const server: Server = createServer((request, response) => {
    request.resume();
    const status = request.url?.startsWith('/sync/push') ? 426 : 404;
    const code = status === 426 ? 'UPGRADE_REQUIRED' : 'NOT_FOUND';
    response.writeHead(status, { 'content-type': 'application/json' });
    response.end(JSON.stringify({ error: { code, message: ERRORS[code].message } }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  cleanups.push(() => new Promise((resolve) => server.close(resolve)));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
}

describe('the status bar’s view of sync', () => {
  it('shows UPGRADE_REQUIRED to a person, in both languages, and keeps the writes queued', async () => {
    const station: Station = await offlineStation();
    cleanups.push(() => station.close());
    station.store.meta.set('serverUrl', await laterServer());
    station.put('customers', { name: 'Waiting' });
    await expect(station.sync.pushOutbox()).rejects.toMatchObject({ code: 'UPGRADE_REQUIRED' });
    const status = syncStatusOf(station, null, null);
    expect(status.problem).toEqual({ code: 'UPGRADE_REQUIRED', message: expect.stringContaining('update') });
    expect(status.pending).toBe(1);
    expect(status.online).toBe(true);
    expect(es.errors.UPGRADE_REQUIRED).toMatch(/actualice la aplicación/);
    expect(en.errors.UPGRADE_REQUIRED).toMatch(/update this station's app/);
  });
});
