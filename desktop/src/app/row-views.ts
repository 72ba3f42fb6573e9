/**
 * Rows as screens list them: live ones only, filtered by a search over their text fields,
 * most recently changed first (what someone just entered is on top, however long the
 * list), and never a password hash or key.
 */
import { type AnyRow, fieldsOf, type TableName } from '@mostrador/common';
import type { Station } from '../core/index.js';

const HIDDEN_FIELDS = new Set(['passwordHash', 'sealedKey', 'publicKey']);

export function withoutSecrets(row: AnyRow): AnyRow {
  return Object.fromEntries(Object.entries(row).filter(([name]) => !HIDDEN_FIELDS.has(name))) as AnyRow;
}

function textFields(table: TableName): string[] {
  return Object.entries(fieldsOf(table))
    .filter(([name, spec]) => spec.type === 'string' && !HIDDEN_FIELDS.has(name) && name !== 'version')
    .map(([name]) => name);
}

export function listRows(station: Station, table: TableName, search = '', limit = 500): AnyRow[] {
  const wanted = search.trim().toLocaleLowerCase();
  const fields = textFields(table);
  const matches = (row: AnyRow) =>
    !wanted ||
    fields.some(
      (field) => typeof row[field] === 'string' && (row[field] as string).toLocaleLowerCase().includes(wanted),
    );
  return station.store.rows
    .all(table)
    .filter((row) => !row.deletedAt && matches(row))
    .sort((a, b) => String(b.updatedAt).localeCompare(String(a.updatedAt)) || a.id.localeCompare(b.id))
    .slice(0, limit)
    .map(withoutSecrets);
}
