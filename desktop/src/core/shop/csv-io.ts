/**
 * CSV export and import of products, providers and customers (issue 13). An import is
 * previewed first (what each line would do, and why a line cannot be taken), writes nothing
 * until confirmed, and then writes every good line in ONE local transaction, so it syncs as
 * one write group. Errors are codes with the field they concern; the app words them in the
 * person's language.
 */
import { type AnyRow, canWrite, MostradorError, TABLES } from '@mostrador/common';
import { formatCsv, parseCsv } from '../../shared/csv.js';
import type { Session } from '../session.js';
import type { LocalStore } from '../store/store.js';
import type { LocalWriter } from '../store/writer.js';

export type CsvTable = 'products' | 'providers' | 'customers';
export const CSV_TABLES: readonly CsvTable[] = ['products', 'providers', 'customers'];

type Kind = 'text' | 'money' | 'count' | 'boolean' | 'provider';
interface Column {
  field: string;
  kind: Kind;
  required?: boolean;
  /** Header names accepted on import besides `field` (Spanish first). */
  aliases: string[];
}

const COLUMNS: Record<CsvTable, Column[]> = {
  products: [
    { field: 'sku', kind: 'text', required: true, aliases: ['código', 'codigo', 'referencia'] },
    { field: 'barcode', kind: 'text', aliases: ['código de barras', 'codigo de barras', 'ean'] },
    { field: 'name', kind: 'text', required: true, aliases: ['nombre', 'descripción', 'descripcion'] },
    { field: 'category', kind: 'text', aliases: ['categoría', 'categoria', 'familia'] },
    { field: 'price', kind: 'money', required: true, aliases: ['precio', 'pvp'] },
    { field: 'cost', kind: 'money', aliases: ['coste', 'costo'] },
    { field: 'provider', kind: 'provider', aliases: ['proveedor'] },
    { field: 'minStock', kind: 'count', aliases: ['stock mínimo', 'stock minimo', 'mínimo', 'minimo', 'min stock'] },
    { field: 'active', kind: 'boolean', aliases: ['activo'] },
  ],
  providers: [
    { field: 'name', kind: 'text', required: true, aliases: ['nombre', 'razón social', 'razon social'] },
    { field: 'taxId', kind: 'text', aliases: ['nif', 'cif', 'nif/cif', 'tax id'] },
    { field: 'phone', kind: 'text', aliases: ['teléfono', 'telefono'] },
    { field: 'email', kind: 'text', aliases: ['correo', 'e-mail'] },
    { field: 'address', kind: 'text', aliases: ['dirección', 'direccion'] },
    { field: 'notes', kind: 'text', aliases: ['notas'] },
  ],
  customers: [
    { field: 'name', kind: 'text', required: true, aliases: ['nombre'] },
    { field: 'taxId', kind: 'text', aliases: ['nif', 'cif', 'nif/cif', 'tax id'] },
    { field: 'phone', kind: 'text', aliases: ['teléfono', 'telefono'] },
    { field: 'email', kind: 'text', aliases: ['correo', 'e-mail'] },
  ],
};

export type CsvErrorCode =
  | 'required'
  | 'notMoney'
  | 'notCount'
  | 'notBoolean'
  | 'tooLong'
  | 'unknownProvider'
  | 'duplicateInFile'
  | 'taken'
  | 'badEmail';

export interface CsvLineError {
  field: string;
  code: CsvErrorCode;
  value?: string;
}

export interface CsvPreviewLine {
  /** The line of the file (1 is the header). */
  line: number;
  action: 'create' | 'update' | 'skip';
  /** The fields as they would be written. */
  values: Record<string, unknown>;
  errors: CsvLineError[];
}

export interface CsvPreview {
  table: CsvTable;
  columns: string[];
  /** Header names that match no column; they are ignored. */
  ignoredColumns: string[];
  lines: CsvPreviewLine[];
  creates: number;
  updates: number;
  errors: number;
}

const TRUE = new Set(['1', 'true', 'sí', 'si', 's', 'yes', 'y', 'x', 'verdadero']);
const FALSE = new Set(['0', 'false', 'no', 'n', 'falso', '']);

function normalise(header: string): string {
  return header.trim().toLocaleLowerCase();
}

function parseMoneyText(text: string): number | null {
  let clean = text.trim().replace(/\s|€|\$/g, '');
  // "1.234,50" (Spanish) and "1,234.50" (English) both mean 1234.50.
  if (/^\d{1,3}(\.\d{3})+(,\d{1,2})?$/.test(clean)) clean = clean.replace(/\./g, '').replace(',', '.');
  else if (/^\d{1,3}(,\d{3})+(\.\d{1,2})?$/.test(clean)) clean = clean.replace(/,/g, '');
  else clean = clean.replace(',', '.');
  if (!/^\d+(\.\d{1,2})?$/.test(clean)) return null;
  return Math.round(Number(clean) * 100);
}

function moneyText(cents: unknown): string {
  return typeof cents === 'number' ? (cents / 100).toFixed(2) : '';
}

export class CsvTransfer {
  constructor(
    private readonly store: LocalStore,
    private readonly writer: LocalWriter,
    private readonly session: Session,
  ) {}

  private liveRows(table: CsvTable | 'providers'): AnyRow[] {
    return this.store.rows.all(table).filter((row) => !row.deletedAt);
  }

  /** Every live row of the table as CSV, a header of field names first; money in units with two decimals. */
  exportCsv(table: CsvTable): string {
    checkTable(table);
    this.session.actor();
    const columns = COLUMNS[table];
    const providers = new Map(this.liveRows('providers').map((p) => [p.id, String(p.name)]));
    const rows = this.liveRows(table)
      .sort((a, b) => String(a.sku ?? a.name).localeCompare(String(b.sku ?? b.name)))
      .map((row) =>
        columns.map((column) => {
          const value = row[column.field];
          if (column.kind === 'money') return moneyText(value);
          if (column.kind === 'provider') return row.providerId ? (providers.get(String(row.providerId)) ?? '') : '';
          if (column.kind === 'boolean') return value ? '1' : '0';
          return value ?? '';
        }),
      );
    return formatCsv(
      columns.map((c) => c.field),
      rows,
    );
  }

  /** What an import would do, line by line; writes nothing. */
  preview(table: CsvTable, text: string): CsvPreview {
    checkTable(table);
    this.requireWriter(table);
    let parsed: { line: number; cells: string[] }[];
    try {
      parsed = parseCsv(text);
    } catch (error) {
      throw new MostradorError('VALIDATION', (error as Error).message);
    }
    const [header, ...body] = parsed;
    if (!header) throw new MostradorError('VALIDATION', 'The file is empty.');
    const columns = COLUMNS[table];
    const positions = new Map<string, number>();
    const ignoredColumns: string[] = [];
    header.cells.forEach((name, index) => {
      const wanted = normalise(name);
      const column = columns.find((c) => normalise(c.field) === wanted || c.aliases.includes(wanted));
      if (column && !positions.has(column.field)) positions.set(column.field, index);
      else if (wanted) ignoredColumns.push(name.trim());
    });
    const missing = columns.filter((c) => c.required && !positions.has(c.field)).map((c) => c.field);
    if (missing.length) {
      throw new MostradorError('VALIDATION', `The file has no column for: ${missing.join(', ')}.`);
    }
    const existing = this.liveRows(table);
    const providersByName = new Map(this.liveRows('providers').map((p) => [normalise(String(p.name)), p.id]));
    const key = table === 'products' ? 'sku' : 'name';
    const byKey = new Map(existing.map((row) => [normalise(String(row[key])), row]));
    const seen = new Map<string, number>();
    const seenBarcodes = new Map<string, number>();
    const lines = body.map(({ line, cells }) => {
      const errors: CsvLineError[] = [];
      const values: Record<string, unknown> = {};
      for (const column of columns) {
        const position = positions.get(column.field);
        if (position === undefined) continue;
        const raw = (cells[position] ?? '').trim();
        const spec = (TABLES[table].fields as Record<string, { maxLength?: number }>)[column.field];
        if (raw === '') {
          if (column.required) errors.push({ field: column.field, code: 'required' });
          else if (column.kind === 'boolean') values[column.field] = true;
          else values[column.kind === 'provider' ? 'providerId' : column.field] = null;
          continue;
        }
        if (spec?.maxLength && raw.length > spec.maxLength) {
          errors.push({ field: column.field, code: 'tooLong', value: String(spec.maxLength) });
          continue;
        }
        switch (column.kind) {
          case 'money': {
            const cents = parseMoneyText(raw);
            if (cents === null) errors.push({ field: column.field, code: 'notMoney', value: raw });
            else values[column.field] = cents;
            break;
          }
          case 'count': {
            if (!/^\d+$/.test(raw)) errors.push({ field: column.field, code: 'notCount', value: raw });
            else values[column.field] = Number(raw);
            break;
          }
          case 'boolean': {
            const word = raw.toLocaleLowerCase();
            if (TRUE.has(word)) values[column.field] = true;
            else if (FALSE.has(word)) values[column.field] = false;
            else errors.push({ field: column.field, code: 'notBoolean', value: raw });
            break;
          }
          case 'provider': {
            const providerId = providersByName.get(normalise(raw));
            if (!providerId) errors.push({ field: column.field, code: 'unknownProvider', value: raw });
            else values.providerId = providerId;
            break;
          }
          default:
            if (column.field === 'email' && !/^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(raw)) {
              errors.push({ field: column.field, code: 'badEmail', value: raw });
            } else values[column.field] = raw;
        }
      }
      const keyValue = values[key] === undefined ? null : normalise(String(values[key]));
      const match = keyValue ? byKey.get(keyValue) : undefined;
      if (keyValue) {
        const earlier = seen.get(keyValue);
        if (earlier) errors.push({ field: key, code: 'duplicateInFile', value: String(earlier) });
        else seen.set(keyValue, line);
      }
      if (table === 'products' && typeof values.barcode === 'string') {
        const barcode = values.barcode;
        const owner = existing.find((row) => row.barcode === barcode && row.id !== match?.id);
        const earlier = seenBarcodes.get(barcode);
        if (owner) errors.push({ field: 'barcode', code: 'taken', value: String(owner.sku) });
        else if (earlier) errors.push({ field: 'barcode', code: 'duplicateInFile', value: String(earlier) });
        else seenBarcodes.set(barcode, line);
      }
      if (table === 'products' && values.active === undefined && !match) values.active = true;
      if (match) values.id = match.id;
      const action: CsvPreviewLine['action'] = errors.length ? 'skip' : match ? 'update' : 'create';
      return { line, action, values, errors };
    });
    return {
      table,
      columns: columns.filter((c) => positions.has(c.field)).map((c) => c.field),
      ignoredColumns,
      lines,
      creates: lines.filter((l) => l.action === 'create').length,
      updates: lines.filter((l) => l.action === 'update').length,
      errors: lines.filter((l) => l.action === 'skip').length,
    };
  }

  /**
   * Write the good lines of the file in one transaction; the lines with errors are left out
   * (the preview showed them). If a line fails on writing, nothing is written.
   */
  importCsv(table: CsvTable, text: string): { created: number; updated: number; skipped: number } {
    const preview = this.preview(table, text);
    const actor = this.session.actor();
    const good = preview.lines.filter((line) => line.action !== 'skip');
    if (good.length === 0) throw new MostradorError('VALIDATION', 'No line of the file can be imported.');
    this.store.transaction(() => {
      for (const line of good) {
        try {
          this.writer.putInTransaction(table, line.values, actor);
        } catch (error) {
          if (error instanceof MostradorError) {
            throw new MostradorError(error.code, `Line ${line.line}: ${error.message}`);
          }
          throw error;
        }
      }
    });
    return { created: preview.creates, updated: preview.updates, skipped: preview.errors };
  }

  private requireWriter(table: CsvTable) {
    const actor = this.session.actor();
    if (!canWrite(actor.role, table)) throw new MostradorError('FORBIDDEN', `Your role cannot import ${table}.`);
  }
}

function checkTable(table: string): asserts table is CsvTable {
  if (!(CSV_TABLES as readonly string[]).includes(table)) {
    throw new MostradorError('VALIDATION', `CSV import and export cover ${CSV_TABLES.join(', ')}, not ${table}.`);
  }
}
