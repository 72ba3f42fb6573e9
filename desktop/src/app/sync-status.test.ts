import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ERRORS } from '@mostrador/common';
import i18next from 'i18next';
import { afterEach, describe, expect, it } from 'vitest';
import { offlineStation } from '../../../test/support/station.js';
import type { Station } from '../core/index.js';
import { pendingWork } from '../renderer/format.js';
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

describe('what the status bar says is waiting', () => {
  it('counts a sale as one sale, however many rows it wrote, and other writes as changes, in both languages', async () => {
    const station: Station = await offlineStation();
    cleanups.push(() => station.close());
    const i18n = i18next.createInstance();
    await i18n.init({ lng: 'es', resources: { es: { translation: es }, en: { translation: en } } });
    const says = (language: string) => {
      const status = syncStatusOf(station, null, null);
      return pendingWork({ sales: status.pendingSales, changes: status.pendingChanges }, i18n.getFixedT(language));
    };
    expect(says('es')).toBe('Todo enviado');
    const mate = station.shop.save('products', { sku: 'MATE', name: 'Mate', price: 2500, active: true });
    const yerba = station.shop.save('products', { sku: 'YERBA', name: 'Yerba', price: 4000, active: true });
    expect(says('es')).toBe('2 cambios pendientes de enviar');
    station.shop.recordSale({
      items: [
        { productId: mate.id, quantity: 2 },
        { productId: yerba.id, quantity: 1 },
      ],
      paymentMethod: 'cash',
    });
    // The sale wrote several rows (the sale, two items, their stock movements), all one sale.
    expect(syncStatusOf(station, null, null).pending).toBeGreaterThan(3);
    expect(says('es')).toBe('1 venta y 2 cambios pendientes de enviar');
    expect(says('en')).toBe('1 sale and 2 changes waiting to be sent');
    station.shop.recordSale({ items: [{ productId: mate.id, quantity: 1 }], paymentMethod: 'card' });
    station.shop.save('customers', { name: 'Lucía' });
    expect(says('es')).toBe('2 ventas y 3 cambios pendientes de enviar');
    expect(pendingWork({ sales: 2, changes: 0 }, i18n.getFixedT('en'))).toBe('2 sales waiting to be sent');
    expect(pendingWork({ sales: 1, changes: 0 }, i18n.getFixedT('es'))).toBe('1 venta pendiente de enviar');
    expect(pendingWork({ sales: 0, changes: 1 }, i18n.getFixedT('es'))).toBe('1 cambio pendiente de enviar');
  });
});
