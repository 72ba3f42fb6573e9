/** What the owner's page shows besides the live station list: today's sales and the latest conflicts. */
import type { Knex } from 'knex';
import { ConflictModel, SaleModel, StationModel, UserModel } from './models.js';

export interface SalesGroup {
  id: string;
  name: string;
  sales: number;
  total: number;
}

export interface OwnerSales {
  since: string;
  sales: number;
  total: number;
  byStation: SalesGroup[];
  byCashier: SalesGroup[];
  latest: { number: string; total: number; createdAt: string; station: string; cashier: string }[];
}

export interface OwnerConflict {
  table: string;
  id: string;
  at: string;
  fields: { field: string; lost: unknown; won: unknown }[];
}

interface GroupRow {
  id: string;
  sales: string | number;
  total: string | number | null;
}

export async function salesSince(knex: Knex, since: string): Promise<OwnerSales> {
  const completed = () =>
    SaleModel.bindKnex(knex)
      .query()
      .where('createdAt', '>=', since)
      .where('status', 'completed')
      .whereNull('deletedAt');
  const grouped = async (column: 'stationId' | 'userId') =>
    (await completed()
      .select(`${column} as id`)
      .count('* as sales')
      .sum('total as total')
      .groupBy(column)
      .orderBy('total', 'desc')
      .castTo<GroupRow[]>()) as unknown as GroupRow[];
  const [byStation, byCashier, latest] = await Promise.all([
    grouped('stationId'),
    grouped('userId'),
    completed().orderBy('createdAt', 'desc').limit(10),
  ]);
  const stationIds = [...new Set([...byStation.map((r) => r.id), ...latest.map((s) => s.stationId)])];
  const userIds = [...new Set([...byCashier.map((r) => r.id), ...latest.map((s) => s.userId)])];
  const [stations, users] = await Promise.all([
    StationModel.bindKnex(knex).query().select('id', 'name').whereIn('id', stationIds),
    UserModel.bindKnex(knex).query().select('id', 'username', 'displayName').whereIn('id', userIds),
  ]);
  const stationName = new Map(stations.map((s) => [s.id, s.name]));
  const userName = new Map(users.map((u) => [u.id, u.displayName || u.username]));
  const named = (rows: GroupRow[], names: Map<string, string>): SalesGroup[] =>
    rows.map((row) => ({
      id: row.id,
      name: names.get(row.id) ?? row.id.slice(0, 8),
      sales: Number(row.sales),
      total: Number(row.total ?? 0),
    }));
  const stationGroups = named(byStation, stationName);
  return {
    since,
    sales: stationGroups.reduce((sum, g) => sum + g.sales, 0),
    total: stationGroups.reduce((sum, g) => sum + g.total, 0),
    byStation: stationGroups,
    byCashier: named(byCashier, userName),
    latest: latest.map((sale) => ({
      number: sale.number,
      total: sale.total,
      createdAt: sale.createdAt,
      station: stationName.get(sale.stationId) ?? sale.stationId.slice(0, 8),
      cashier: userName.get(sale.userId) ?? sale.userId.slice(0, 8),
    })),
  };
}

const HIDDEN = new Set(['version', 'updatedAt', 'updatedBy', 'passwordHash', 'seq']);

/** The latest conflicts, each as the fields where the lost version differs from the winner. */
export async function latestConflicts(knex: Knex, limit: number): Promise<OwnerConflict[]> {
  const rows = await ConflictModel.bindKnex(knex).query().orderBy('at', 'desc').orderBy('id', 'desc').limit(limit);
  return rows.map((row) => {
    const names = [...new Set([...Object.keys(row.lost), ...Object.keys(row.won)])].filter((name) => !HIDDEN.has(name));
    return {
      table: row.tableName,
      id: row.rowId,
      at: new Date(row.at).toISOString(),
      fields: names
        .filter((name) => JSON.stringify(row.lost[name]) !== JSON.stringify(row.won[name]))
        .map((field) => ({ field, lost: row.lost[field] ?? null, won: row.won[field] ?? null })),
    };
  });
}
