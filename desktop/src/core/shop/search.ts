import type { AnyRow } from '@mostrador/common';
import type { Db } from '../store/database.js';
import { fromSqlRow } from '../store/rows.js';

const COLUMNS =
  'id, createdAt, updatedAt, deletedAt, version, updatedBy, sku, barcode, name, category, price, cost, providerId, active, taxRate, weighed';

type Found = Record<string, unknown>;

/** Lower case without accents: "CAFÉ" and "cafe" both read "cafe". */
export function fold(text: string): string {
  return text
    .normalize('NFD')
    .replace(/\p{Diacritic}/gu, '')
    .toLowerCase();
}

interface Entry {
  id: string;
  /** Folded name. */
  name: string;
  /** Folded SKU and barcode. */
  codes: string;
  /** Name and codes, for the match itself. */
  text: string;
  active: boolean;
}

export interface SearchOptions {
  /** Only products that can be sold (active). */
  forSale?: boolean;
}

/**
 * Product search at the counter. A scanned barcode or typed SKU is an exact index lookup and
 * answers alone. Otherwise every word typed must appear (accents and case ignored) in the
 * name or the codes, ranked: code prefix, then name prefix, then a word of the name starting
 * with it, then anywhere. The folded names live in memory (a few MB for 50,000 products) and
 * are reloaded when a product row changes, which a trigger counts. Deleted products never show.
 */
export class ProductSearch {
  private readonly exactStatement;
  private readonly byId;
  private readonly generation;
  private readonly everything;
  private loaded: Loaded = { entries: [], text: '', starts: [] };
  private loadedGeneration = -1;

  constructor(db: Db) {
    this.exactStatement = db.prepare<[string, string], Found>(
      `SELECT ${COLUMNS} FROM products WHERE sku = ? AND deletedAt IS NULL
       UNION SELECT ${COLUMNS} FROM products WHERE barcode = ? AND deletedAt IS NULL`,
    );
    this.byId = db.prepare<[string], Found>(`SELECT ${COLUMNS} FROM products WHERE id = ?`);
    this.generation = db.prepare<[], number>("SELECT n FROM local_generations WHERE name = 'products'").pluck();
    this.everything = db.prepare<[], { id: string; name: string; sku: string; barcode: string | null; active: number }>(
      'SELECT id, name, sku, barcode, active FROM products WHERE deletedAt IS NULL ORDER BY name COLLATE NOCASE',
    );
  }

  /** The products whose SKU or barcode is exactly `code` (what a scanner types). */
  exact(code: string, options: SearchOptions = {}): AnyRow[] {
    const text = code.trim();
    if (!text) return [];
    let rows = this.exactStatement.all(text, text);
    if (rows.length === 0 && text !== text.toUpperCase()) {
      rows = this.exactStatement.all(text.toUpperCase(), text.toUpperCase());
    }
    return rows.filter((row) => !options.forSale || row.active === 1).map((row) => fromSqlRow('products', row));
  }

  search(query: string, limit = 20, options: SearchOptions = {}): AnyRow[] {
    const text = query.trim();
    if (text === '' || limit <= 0) return [];
    const exact = this.exact(text, options);
    if (exact.length > 0) return exact.slice(0, limit);
    const words = fold(text).split(/\s+/).filter(Boolean);
    const first = words[0] as string;
    const phrase = words.join(' ');
    const ranks: string[][] = [[], [], [], []];
    const rest = words.slice(1);
    const { entries, text: all, starts } = this.index();
    // One native substring search over every product's folded text, jumping from match to match.
    let at = all.indexOf(first);
    while (at !== -1) {
      const index = entryAt(starts, at);
      const entry = entries[index] as Entry;
      const next = starts[index + 1] ?? all.length;
      at = all.indexOf(first, next);
      if (options.forSale && !entry.active) continue;
      if (rest.length > 0 && !rest.every((word) => entry.text.includes(word))) continue;
      const rank =
        entry.codes.startsWith(first) || entry.codes.includes(` ${first}`)
          ? 0
          : entry.name.startsWith(phrase)
            ? 1
            : entry.name.includes(` ${first}`)
              ? 2
              : 3;
      const bucket = ranks[rank] as string[];
      if (bucket.length < limit) bucket.push(entry.id);
      if ((ranks[0] as string[]).length >= limit) break;
    }
    return ranks
      .flat()
      .slice(0, limit)
      .map((id) => fromSqlRow('products', this.byId.get(id) as Found));
  }

  /** Loads the folded names now (at start), so the first search does not pay for it. */
  warm(): void {
    this.index();
  }

  private index(): Loaded {
    const generation = this.generation.get() ?? 0;
    if (generation !== this.loadedGeneration) {
      const entries = this.everything.all().map((row) => {
        const name = fold(row.name);
        const codes = fold(`${row.sku} ${row.barcode ?? ''}`);
        return { id: row.id, name, codes, text: `${name}\u0001${codes}`, active: row.active === 1 };
      });
      const starts: number[] = [];
      let offset = 0;
      for (const entry of entries) {
        starts.push(offset);
        offset += entry.text.length + 1;
      }
      // Entries joined by a separator no query contains, so a match never spans two products.
      this.loaded = { entries, text: entries.map((entry) => entry.text).join('\n'), starts };
      this.loadedGeneration = generation;
    }
    return this.loaded;
  }
}

interface Loaded {
  entries: Entry[];
  /** Every entry's text, joined by newlines. */
  text: string;
  /** Where each entry's text starts in `text`. */
  starts: number[];
}

/** The entry whose text holds position `at` (binary search over the starts). */
function entryAt(starts: number[], at: number): number {
  let low = 0;
  let high = starts.length - 1;
  while (low < high) {
    const middle = (low + high + 1) >> 1;
    if ((starts[middle] as number) <= at) low = middle;
    else high = middle - 1;
  }
  return low;
}
