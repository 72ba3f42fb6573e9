import type { AnyRow } from '@mostrador/common';
import type { Db } from '../store/database.js';
import { fromSqlRow } from '../store/rows.js';

const COLUMNS =
  'id, createdAt, updatedAt, deletedAt, version, updatedBy, sku, barcode, name, category, price, cost, providerId, active';
/** Sorts after any character a name or SKU holds: the upper end of a prefix range. */
const RANGE_END = '\uffff';

type Found = Record<string, unknown>;

/**
 * Product search at the counter. A scanned barcode or typed SKU is an exact index lookup
 * and answers alone. Otherwise names (case-insensitive, through the NOCASE index) and SKUs
 * match by prefix as index ranges, and only when that leaves room does the search look
 * for the text anywhere in the name, scanning the name index rather than the table.
 * Deleted products never show.
 */
export class ProductSearch {
  private readonly exact;
  private readonly namePrefix;
  private readonly skuPrefix;
  private readonly anywhere;

  constructor(db: Db) {
    this.exact = db.prepare<[string, string], Found>(
      `SELECT ${COLUMNS} FROM products WHERE sku = ? AND deletedAt IS NULL
       UNION SELECT ${COLUMNS} FROM products WHERE barcode = ? AND deletedAt IS NULL`,
    );
    this.namePrefix = db.prepare<[string, string, number], Found>(
      `SELECT ${COLUMNS} FROM products INDEXED BY products_name
       WHERE name >= ? COLLATE NOCASE AND name < ? COLLATE NOCASE AND deletedAt IS NULL
       ORDER BY name COLLATE NOCASE LIMIT ?`,
    );
    this.skuPrefix = db.prepare<[string, string, number], Found>(
      `SELECT ${COLUMNS} FROM products INDEXED BY products_sku
       WHERE sku >= ? AND sku < ? AND deletedAt IS NULL ORDER BY sku LIMIT ?`,
    );
    this.anywhere = db.prepare<[string, number], Found>(
      `SELECT ${COLUMNS} FROM products WHERE id IN (
         SELECT id FROM products INDEXED BY products_name WHERE name LIKE ? ESCAPE '\\')
       AND deletedAt IS NULL LIMIT ?`,
    );
  }

  search(query: string, limit = 20): AnyRow[] {
    const text = query.trim();
    if (text === '' || limit <= 0) return [];
    const exact = this.exact.all(text, text);
    if (exact.length > 0) return exact.slice(0, limit).map((row) => fromSqlRow('products', row));
    const found = new Map<string, Found>();
    const add = (rows: Found[]) => {
      for (const row of rows) if (found.size < limit) found.set(row.id as string, row);
    };
    add(this.namePrefix.all(text, text + RANGE_END, limit));
    const sku = text.toUpperCase();
    if (found.size < limit) add(this.skuPrefix.all(sku, sku + RANGE_END, limit));
    if (found.size < limit) add(this.anywhere.all(`%${escapeLike(text)}%`, limit + found.size));
    return [...found.values()].map((row) => fromSqlRow('products', row));
  }
}

function escapeLike(text: string): string {
  return text.replace(/[\\%_]/g, (c) => `\\${c}`);
}
