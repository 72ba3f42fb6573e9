import type { AnyRow } from '@mostrador/common';
import type { Db } from '../store/database.js';
import { fromSqlRow } from '../store/rows.js';

const COLUMNS =
  'id, createdAt, updatedAt, deletedAt, version, updatedBy, sku, barcode, name, category, price, cost, providerId, active';

/**
 * Product search at the counter. A scanned barcode or typed SKU is an exact index lookup;
 * a name matches by prefix through the NOCASE index first, and only when that leaves room
 * does it scan for the words anywhere in the name. Deleted products never show.
 */
export class ProductSearch {
  private readonly exact;
  private readonly prefix;
  private readonly anywhere;

  constructor(db: Db) {
    this.exact = db.prepare<[string, string], Record<string, unknown>>(
      `SELECT ${COLUMNS} FROM products WHERE deletedAt IS NULL AND (sku = ? OR barcode = ?)`,
    );
    this.prefix = db.prepare<[string, string, number], Record<string, unknown>>(
      `SELECT ${COLUMNS} FROM products WHERE deletedAt IS NULL
         AND (name LIKE ? ESCAPE '\\' OR sku LIKE ? ESCAPE '\\') ORDER BY name COLLATE NOCASE LIMIT ?`,
    );
    this.anywhere = db.prepare<[string, number], Record<string, unknown>>(
      `SELECT ${COLUMNS} FROM products WHERE deletedAt IS NULL AND name LIKE ? ESCAPE '\\' LIMIT ?`,
    );
  }

  search(query: string, limit = 20): AnyRow[] {
    const text = query.trim();
    if (text === '' || limit <= 0) return [];
    const found = new Map<string, Record<string, unknown>>();
    const add = (rows: Record<string, unknown>[]) => {
      for (const row of rows) if (found.size < limit) found.set(row.id as string, row);
    };
    add(this.exact.all(text, text));
    const pattern = escapeLike(text);
    if (found.size < limit) add(this.prefix.all(`${pattern}%`, `${pattern}%`, limit));
    if (found.size < limit) add(this.anywhere.all(`%${pattern}%`, limit + found.size));
    return [...found.values()].map((row) => fromSqlRow('products', row));
  }
}

function escapeLike(text: string): string {
  return text.replace(/[\\%_]/g, (c) => `\\${c}`);
}
