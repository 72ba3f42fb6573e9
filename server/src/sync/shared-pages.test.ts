import { describe, expect, it } from 'vitest';
import { SharedPages } from './shared-pages.js';

function counter() {
  let builds = 0;
  return {
    get builds() {
      return builds;
    },
    build: async () => `page ${++builds}`,
  };
}

describe('shared pull pages', () => {
  it('builds a page once for every station asking within one generation', async () => {
    const pages = new SharedPages();
    const c = counter();
    const bodies = await Promise.all(Array.from({ length: 200 }, () => pages.read(7, '10:1000:columns', c.build)));
    expect(new Set(bodies)).toEqual(new Set(['page 1']));
    expect(c.builds).toBe(1);
    expect(await pages.read(7, '11:1000:columns', c.build)).toBe('page 2'); // another cursor, another page
  });

  it('builds afresh once a newer head is announced', async () => {
    const pages = new SharedPages();
    const c = counter();
    await pages.read(7, 'k', c.build);
    expect(await pages.read(8, 'k', c.build)).toBe('page 2');
  });

  it('never shares without a live generation, nor after the time limit', async () => {
    const pages = new SharedPages(20);
    const c = counter();
    await pages.read(null, 'k', c.build);
    expect(await pages.read(null, 'k', c.build)).toBe('page 2');
    await pages.read(1, 'k', c.build);
    await new Promise((r) => setTimeout(r, 40));
    expect(await pages.read(1, 'k', c.build)).toBe('page 4');
  });

  it('does not keep a failed build, nor a page too large to hold', async () => {
    const pages = new SharedPages(1_000, 64, 10);
    await expect(pages.read(1, 'k', () => Promise.reject(new Error('db down')))).rejects.toThrow('db down');
    expect(await pages.read(1, 'k', async () => 'ok')).toBe('ok');
    await pages.read(1, 'big', async () => 'x'.repeat(100));
    await new Promise((r) => setImmediate(r));
    expect(await pages.read(1, 'big', async () => 'rebuilt')).toBe('rebuilt');
  });
});
