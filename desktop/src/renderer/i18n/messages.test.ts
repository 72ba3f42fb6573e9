import { describe, expect, it } from 'vitest';
import { en } from './en.js';
import { es } from './es.js';

function keys(value: unknown, prefix = ''): string[] {
  if (typeof value !== 'object' || value === null) return [prefix];
  return Object.entries(value).flatMap(([key, inner]) => keys(inner, prefix ? `${prefix}.${key}` : key));
}

function leaves(value: unknown): unknown[] {
  if (typeof value !== 'object' || value === null) return [value];
  return Object.values(value).flatMap(leaves);
}

describe('translations', () => {
  it('Spanish and English carry the same keys', () => {
    expect(keys(en).sort()).toEqual(keys(es).sort());
  });

  it('have no empty strings', () => {
    for (const text of [...leaves(es), ...leaves(en)])
      expect(typeof text === 'string' && text.trim().length > 0).toBe(true);
  });

  it('use the same placeholders in both languages', () => {
    const placeholders = (text: unknown) => [...String(text).matchAll(/\{\{(\w+)\}\}/g)].map((m) => m[1]).sort();
    const esKeys = keys(es);
    const get = (root: unknown, path: string) =>
      path.split('.').reduce<unknown>((node, key) => (node as Record<string, unknown>)[key], root);
    for (const key of esKeys) expect(placeholders(get(en, key)), key).toEqual(placeholders(get(es, key)));
  });
});
