import {
  columnsOf,
  type FieldType,
  fieldsOf,
  ROLES,
  type Role,
  rolesLoggingInAt,
  type TableName,
  uniqueFieldsOf,
  WITHHELD_PASSWORD_HASH,
} from '@mostrador/common';
import type { ElementType } from './pg-array.js';

/**
 * SQL for one synced table, generated from the registry once at start-up, so a new
 * table needs a registry entry and a migration, never new sync code.
 */

const PG_TYPES: Record<FieldType, ElementType> = {
  uuid: 'uuid',
  string: 'text',
  timestamp: 'text',
  integer: 'integer',
  boolean: 'boolean',
};

export const quote = (identifier: string): string => `"${identifier.replaceAll('"', '""')}"`;

export interface TableSql {
  readonly table: TableName;
  readonly columns: readonly string[];
  /** Each column's PostgreSQL type, as its arrays are sent (pg-array.ts). */
  readonly columnTypes: readonly ElementType[];
  /** The stored rows among `$1::uuid[]`, each with its server-only `pushedBy` last. */
  readonly selectByIds: string;
  /** Live rows holding one of `$1` in a unique field, per unique field. */
  readonly selectUniqueOwners: ReadonlyMap<string, string>;
  /**
   * Many rows from one array per column (plus seq last): arrays through `unnest` make one
   * statement and one plan for any batch size, the fast path of push. Push holds the
   * sequence lock and knows which rows are new, so it inserts those plainly (cheaper than
   * a speculative ON CONFLICT insertion) and updates the others. The pushing station
   * (`pushedBy`, server-only) is one more array after seq: a group commit writes the rows
   * of many stations' pushes with one statement.
   */
  readonly insert: string;
  readonly update: string;
  /** Insert-or-update, for the row-by-row fallback. */
  readonly upsert: string;
  /**
   * The row as a JSON object (pull's `changes`) and as a JSON array in `columns` order (the
   * columnar pull, checksums), as a station of each ceiling receives it: users' password
   * verifiers only for the roles that log in there (issue 12; common's `asSentTo`).
   */
  readonly jsonObject: Readonly<Record<Role, string>>;
  readonly jsonArray: Readonly<Record<Role, string>>;
  /** Every ceiling receives the table's rows alike (only users rows differ, by their verifiers). */
  readonly sentAlike: boolean;
  /**
   * Appended to `insert` or `update`: each written row's seq and the row as the columnar
   * pull sends it (`jsonArray`, the same text), for the live page of the commit (live/plugin.ts).
   */
  readonly returningPage: string;
}

/** A column as a station of `ceiling` receives it; `from` qualifies the columns (`"t".`) where a statement needs it. */
function sentColumn(table: TableName, column: string, ceiling: Role, from = ''): string {
  const roles = rolesLoggingInAt(ceiling);
  if (table !== 'users' || roles.length === ROLES.length) return `${from}${quote(column)}`;
  const loggingIn = `${from}"role" IN (${roles.map((role) => `'${role}'`).join(', ')})`;
  if (column === 'passwordHash')
    return `CASE WHEN ${loggingIn} THEN ${from}"passwordHash" ELSE '${WITHHELD_PASSWORD_HASH}' END`;
  if (column === 'sealedKey') return `CASE WHEN ${loggingIn} THEN ${from}"sealedKey" END`;
  return `${from}${quote(column)}`;
}

/** The row as a JSON array in `columns` order, as a station of `ceiling` receives it. */
function jsonArrayOf(table: TableName, ceiling: Role, from = ''): string {
  return `json_build_array(${columnsOf(table)
    .map((c) => sentColumn(table, c, ceiling, from))
    .join(', ')})`;
}

function perCeiling(build: (ceiling: Role) => string): Record<Role, string> {
  return Object.fromEntries(ROLES.map((ceiling) => [ceiling, build(ceiling)])) as Record<Role, string>;
}

function buildTableSql(table: TableName): TableSql {
  const fields = fieldsOf(table);
  const pgType = (column: string) => PG_TYPES[fields[column]?.type ?? 'string'];
  const columns = columnsOf(table);
  const name = quote(table);
  const list = columns.map(quote).join(', ');
  const arrays = columns.map((column, i) => `$${i + 1}::${pgType(column)}[]`);
  const changed = [...columns.filter((c) => c !== 'id'), 'seq'];
  const unnest = `unnest(${arrays.join(', ')}, $${columns.length + 1}::bigint[], $${columns.length + 2}::uuid[])`;
  const insert = `INSERT INTO ${name} (${list}, seq, "pushedBy") SELECT u.* FROM ${unnest} AS u`;
  const jsonArray = perCeiling((ceiling) => jsonArrayOf(table, ceiling));
  return {
    table,
    columns,
    columnTypes: columns.map(pgType),
    selectByIds: `SELECT ${list}, "pushedBy" FROM ${name} WHERE id = ANY($1::uuid[])`,
    selectUniqueOwners: new Map(
      uniqueFieldsOf(table).map((field) => [
        field,
        `SELECT id, ${quote(field)} AS value FROM ${name} WHERE ${quote(field)} = ANY($1::${pgType(field)}[]) AND "deletedAt" IS NULL`,
      ]),
    ),
    insert,
    update:
      `UPDATE ${name} SET ${[...changed, 'pushedBy'].map((c) => `${quote(c)} = u.${quote(c)}`).join(', ')} ` +
      `FROM ${unnest} AS u(${list}, seq, "pushedBy") WHERE ${name}.id = u.id AND u.version > ${name}.version`,
    upsert: `${insert} ON CONFLICT (id) DO UPDATE SET ${[...changed, 'pushedBy'].map((c) => `${quote(c)} = excluded.${quote(c)}`).join(', ')} WHERE excluded.version > ${name}.version`,
    jsonObject: perCeiling(
      (ceiling) => `json_build_object(${columns.map((c) => `'${c}', ${sentColumn(table, c, ceiling)}`).join(', ')})`,
    ),
    jsonArray,
    sentAlike: ROLES.every((ceiling) => jsonArray[ceiling] === jsonArray.admin),
    // Qualified: an update's FROM list has columns of the same names.
    returningPage: `RETURNING ${name}.seq, ${jsonArrayOf(table, 'admin', `${name}.`)}::text AS r`,
  };
}

const cache = new Map<TableName, TableSql>();

export function tableSql(table: TableName): TableSql {
  let sql = cache.get(table);
  if (!sql) {
    sql = buildTableSql(table);
    cache.set(table, sql);
  }
  return sql;
}
