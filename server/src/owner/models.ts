/**
 * The owner's view reads the central database through Objection models (issue 13). They are
 * read-only by use: nothing under owner/ writes; the sync path keeps its own SQL.
 */
import { Model } from 'objection';

export class SaleModel extends Model {
  static override tableName = 'sales';
  id!: string;
  createdAt!: string;
  number!: string;
  stationId!: string;
  userId!: string;
  status!: string;
  total!: number;
  deletedAt!: string | null;
}

export class UserModel extends Model {
  static override tableName = 'users';
  id!: string;
  username!: string;
  displayName!: string;
}

export class StationModel extends Model {
  static override tableName = 'stations';
  id!: string;
  name!: string;
}

export class ConflictModel extends Model {
  static override tableName = 'conflicts';
  id!: string;
  tableName!: string;
  rowId!: string;
  lost!: Record<string, unknown>;
  won!: Record<string, unknown>;
  at!: Date;
}
