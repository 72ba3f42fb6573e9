import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { dirname } from 'node:path';
import { describe, expect, it } from 'vitest';
import { offlineStation } from '../../../../test/support/station.js';
import { Station } from '../station.js';
import type { TokenSealer } from './store.js';

/** A real sealer (AES-256-GCM under a key only this test holds), standing in for the OS keychain. */
function testSealer(): TokenSealer {
  const key = randomBytes(32);
  return {
    seal(token) {
      const iv = randomBytes(12);
      const cipher = createCipheriv('aes-256-gcm', key, iv);
      const sealed = Buffer.concat([cipher.update(token, 'utf8'), cipher.final()]);
      return Buffer.concat([iv, cipher.getAuthTag(), sealed]).toString('base64');
    },
    open(text) {
      const raw = Buffer.from(text, 'base64');
      const decipher = createDecipheriv('aes-256-gcm', key, raw.subarray(0, 12));
      decipher.setAuthTag(raw.subarray(12, 28));
      return Buffer.concat([decipher.update(raw.subarray(28)), decipher.final()]).toString('utf8');
    },
  };
}

describe('the station token at rest', () => {
  it('is sealed by the injected sealer (an old clear one on open), and a copy without the sealer cannot use it', async () => {
    const s = await offlineStation();
    const dataDir = dirname(s.store.db.name);
    expect(s.store.meta.get('stationToken')).toBe('offline');
    s.close();
    const sealer = testSealer();
    const sealed = Station.open({ dataDir, tokenSealer: sealer });
    const stored = sealed.store.meta.get('stationToken') as string;
    expect(stored).toMatch(/^sealed1:/);
    expect(stored).not.toContain('offline');
    expect(sealed.store.stationToken()).toBe('offline');
    sealed.close();
    const copy = Station.open({ dataDir });
    expect(() => copy.store.stationToken()).toThrow(expect.objectContaining({ code: 'UNAUTHORIZED' }));
    await expect(copy.sync.pushOutbox()).rejects.toMatchObject({ code: 'UNAUTHORIZED' });
    copy.close();
  });
});
