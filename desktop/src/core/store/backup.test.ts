import { copyFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { offlineStation, tempDataDir } from '../../../../test/support/station.js';
import { Station } from '../station.js';
import { backupStation } from './backup.js';
import { DATABASE_FILE } from './database.js';

const opened: Station[] = [];
afterEach(() => {
  for (const s of opened.splice(0)) s.close();
});

describe('station backup', () => {
  it('copies the running station consistently: a station opened from the copy has every committed write', async () => {
    const s = await offlineStation();
    opened.push(s);
    const products = Array.from({ length: 200 }, (_, i) =>
      s.shop.save('products', { sku: `B-${i}`, name: `Producto ${i}`, price: 100 + i, active: true }),
    );
    s.shop.recordPurchase(products[0]?.id as string, 12, 'delivery');
    // Writes keep landing while the copy runs; the copy is one committed state, never half a write.
    const copying = backupStation(s.store);
    for (let i = 0; i < 20; i++)
      s.shop.save('products', { sku: `LATE-${i}`, name: `Tarde ${i}`, price: 5, active: true });
    const backup = await copying;
    expect(backup.file.startsWith(join(s.store.db.name, '..', 'backups'))).toBe(true);
    expect(backup.bytes).toBeGreaterThan(0);

    const restoredDir = tempDataDir('restored');
    mkdirSync(restoredDir, { recursive: true });
    copyFileSync(backup.file, join(restoredDir, DATABASE_FILE));
    const restored = Station.open({ dataDir: restoredDir });
    opened.push(restored);
    const skus = new Set(restored.dump().tables.products.map((p) => p.sku));
    for (let i = 0; i < 200; i++) expect(skus.has(`B-${i}`)).toBe(true);
    expect(restored.shop.stockOf(products[0]?.id as string)).toBe(12);
    expect(restored.id).toBe(s.id);
    // The outbox travels with the copy: what was waiting to be pushed is still waiting.
    const rows = restored.dump().tables;
    expect(restored.sync.pending).toBe(rows.products.length + rows.stock_movements.length);
  });
});
