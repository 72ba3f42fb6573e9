import { describe, expect, it } from 'vitest';
import { StationTokens } from './station-tokens.js';

const caja = { id: 'station-1', name: 'Caja 1' };

describe('recently checked station tokens', () => {
  it('answers only while enabled, and forgets everything when turned off', () => {
    const tokens = new StationTokens();
    tokens.remember('h1', caja, tokens.epoch);
    expect(tokens.lookup('h1')).toBeUndefined();
    tokens.enable(true);
    tokens.remember('h1', caja, tokens.epoch);
    expect(tokens.lookup('h1')).toEqual(caja);
    tokens.enable(false);
    expect(tokens.lookup('h1')).toBeUndefined();
  });

  it('forgets a revoked station and ignores a lookup that started before the revocation', () => {
    const tokens = new StationTokens();
    tokens.enable(true);
    tokens.remember('h1', caja, tokens.epoch);
    const started = tokens.epoch; // a database lookup for h2 begins…
    tokens.forgetStation('station-1'); // …the revocation arrives…
    tokens.remember('h2', caja, started); // …and its (stale) answer must not be kept
    expect(tokens.lookup('h1')).toBeUndefined();
    expect(tokens.lookup('h2')).toBeUndefined();
  });

  it('lets entries expire', async () => {
    const tokens = new StationTokens(10);
    tokens.enable(true);
    tokens.remember('h1', caja, tokens.epoch);
    await new Promise((r) => setTimeout(r, 30));
    expect(tokens.lookup('h1')).toBeUndefined();
  });
});
