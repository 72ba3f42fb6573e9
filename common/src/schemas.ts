/**
 * Wire schemas, defined once with TypeBox and derived from the table registry.
 * The server uses them as Fastify route schemas; the station uses them to check
 * what it receives. Types are inferred from the schemas, never written beside them.
 */
import { type Static, type TSchema, Type } from '@sinclair/typebox';
import { TypeCompiler } from '@sinclair/typebox/compiler';
import { ERRORS, type ErrorCode } from './errors.js';
import { isCalendarTimestamp, isVersion, VERSION_PATTERN } from './hlc.js';
import { type FieldSpec, fieldsOf, ROLES, TABLE_NAMES, type TableName } from './registry.js';

/** Bumped whenever a wire schema changes; a test fails until it is (see protocol.test.ts). */
export const PROTOCOL_VERSION = 4;

export const UUID_PATTERN = '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$';
export const TIMESTAMP_PATTERN = '^\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}\\.\\d{3}Z$';
const INT32_MAX = 2_147_483_647;

function fieldSchema(spec: FieldSpec): TSchema {
  switch (spec.type) {
    case 'uuid':
      return Type.String({ pattern: UUID_PATTERN });
    case 'timestamp':
      return Type.String({ pattern: TIMESTAMP_PATTERN });
    case 'boolean':
      return Type.Boolean();
    case 'integer':
      return Type.Integer({ minimum: spec.minimum ?? -INT32_MAX, maximum: INT32_MAX });
    case 'string':
      if (spec.enum) return Type.Union(spec.enum.map((value) => Type.Literal(value)));
      return Type.String({ maxLength: spec.maxLength ?? 1000 });
  }
}

/** The schema of one row of a table. Unknown fields are allowed (and ignored) for schema evolution. */
export function rowSchema(table: TableName): TSchema {
  const properties: Record<string, TSchema> = {};
  for (const [name, spec] of Object.entries(fieldsOf(table))) {
    const schema = name === 'version' ? Type.String({ pattern: VERSION_PATTERN.source }) : fieldSchema(spec);
    properties[name] = spec.required ? schema : Type.Optional(Type.Union([schema, Type.Null()]));
  }
  return Type.Object(properties, { additionalProperties: true });
}

const rowCheckers = new Map(TABLE_NAMES.map((table) => [table, TypeCompiler.Compile(rowSchema(table))]));

/**
 * What PostgreSQL and SQLite enforce beyond the JSON schema, so a row that passes here is
 * stored the same on both sides: text without NUL (PostgreSQL refuses it) and well-formed
 * UTF-16 (a lone surrogate has no UTF-8 form: the driver would silently replace it), and
 * timestamps and versions naming a real calendar instant (`2026-13-01` matches the pattern).
 */
// biome-ignore lint/suspicious/noControlCharactersInRegex: NUL is exactly the character PostgreSQL refuses
const RARE_CHARACTERS = /[\u0000\uD800-\uDFFF]/;
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
const fieldLists = new Map(TABLE_NAMES.map((table) => [table, Object.entries(fieldsOf(table))]));

function storableFieldProblem(spec: FieldSpec, name: string, value: unknown): string | null {
  if (typeof value !== 'string') return null;
  // One scan for the rare characters first; the precise checks only when one is there.
  if (RARE_CHARACTERS.test(value)) {
    if (value.includes('\u0000')) return `/${name}: must not contain a NUL character`;
    if (LONE_SURROGATE.test(value)) return `/${name}: must be valid Unicode text (a lone surrogate)`;
  }
  if (name === 'version') return isVersion(value) ? null : `/${name}: not a valid HLC version (date or format)`;
  if (spec.type === 'timestamp' && !isCalendarTimestamp(value)) return `/${name}: not a real calendar date`;
  return null;
}

/** Check a row against its table's schema; returns a readable reason, or null when valid. */
export function checkRow(table: TableName, row: unknown): string | null {
  const checker = rowCheckers.get(table);
  if (!checker) return `unknown table ${table}`;
  if (!checker.Check(row)) {
    const first = checker.Errors(row).First();
    if (!first) return 'invalid row';
    return `${first.path || '/'}: ${first.message}`;
  }
  const values = row as Record<string, unknown>;
  for (const [name, spec] of fieldLists.get(table) ?? []) {
    const problem = storableFieldProblem(spec, name, values[name]);
    if (problem) return problem;
  }
  return null;
}

const Uuid = Type.String({ pattern: UUID_PATTERN });
const Cursor = Type.Integer({ minimum: 0 });
const AnyRowSchema = Type.Object({ id: Type.String(), version: Type.String() }, { additionalProperties: true });

export const Change = Type.Object({
  table: Type.String({ maxLength: 64 }),
  row: AnyRowSchema,
  /** The version this station's edit was based on (absent for a row it created): tells a
   *  successor of the stored version from a concurrent edit, for the conflict log. */
  baseVersion: Type.Optional(Type.Union([Type.String({ maxLength: 64 }), Type.Null()])),
});
export type Change = Static<typeof Change>;

export const MAX_PUSH_CHANGES = 20_000;

/**
 * A write group (protocol 3): the synced rows one local transaction wrote (a sale with its
 * items and stock movements, a void with its returns, an edit), made by one user and signed
 * with that user's key (see signing.ts). The server applies a group whole or not at all.
 * `version` is the group's time: the first version ticked in its transaction.
 */
export const WriteGroup = Type.Object({
  id: Uuid,
  userId: Uuid,
  version: Type.String({ pattern: VERSION_PATTERN.source }),
  changes: Type.Array(Change, { minItems: 1, maxItems: MAX_PUSH_CHANGES }),
  signature: Type.String({ maxLength: 200 }),
});
export type WriteGroup = Static<typeof WriteGroup>;
/** A group before it is signed: what the signature covers (with the station's id). */
export type WriteGroupBody = Omit<WriteGroup, 'signature'>;

/** At most MAX_PUSH_CHANGES changes in all the groups of one push. A body with `changes` and
 *  no `groups` (a station before protocol 3) is answered 426 UPGRADE_REQUIRED. */
export const PushRequest = Type.Object({
  batchId: Type.String({ minLength: 1, maxLength: 100 }),
  groups: Type.Array(WriteGroup, { maxItems: MAX_PUSH_CHANGES }),
  /**
   * The server epoch the station last pulled from. When the server's differs (its database
   * was restored or replaced since), the push is refused with HISTORY_CHANGED and nothing of
   * it is applied: the station reconciles first, then pushes again.
   */
  epoch: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
  /**
   * The protocol the station speaks (absent before protocol 4). A station of protocol 3
   * knows no code newer than its release: its answers carry `VALIDATION` for
   * `MISSING_REFERENCE`.
   */
  protocol: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000 })),
});
export type PushRequest = Static<typeof PushRequest>;

const RowRef = Type.Object({ table: Type.String(), id: Type.String() });
const ErrorCodeSchema = Type.Union((Object.keys(ERRORS) as ErrorCode[]).map((code) => Type.Literal(code)));

export const GroupStatus = Type.Union([Type.Literal('applied'), Type.Literal('held'), Type.Literal('rejected')]);
export type GroupStatus = Static<typeof GroupStatus>;

/**
 * What became of one pushed group. `held`: refused by authorization or a rule, kept whole
 * for an admin's review (the station keeps it, flagged). `rejected`: not a verified fact
 * (bad signature, unknown user: no `rows`), or rejected by an admin after review: then
 * `rows` holds the server's current version of each row of the group (null where the
 * server has none), so the station can undo the group whole.
 */
export const GroupOutcome = Type.Object({
  id: Type.String(),
  status: GroupStatus,
  code: Type.Optional(ErrorCodeSchema),
  message: Type.Optional(Type.String()),
  rows: Type.Optional(
    Type.Array(Type.Object({ table: Type.String(), id: Type.String(), row: Type.Union([AnyRowSchema, Type.Null()]) })),
  ),
});
export type GroupOutcome = Static<typeof GroupOutcome>;

/** `applied`/`superseded`/`rejected` keep their per-row meaning; rows of a held or rejected
 *  group are listed in `rejected`. `groups` answers each pushed group, in order. */
export const PushResponse = Type.Object({
  cursor: Cursor,
  applied: Type.Array(RowRef),
  superseded: Type.Array(Type.Object({ table: Type.String(), id: Type.String(), row: AnyRowSchema })),
  rejected: Type.Array(
    Type.Object({ table: Type.String(), id: Type.String(), code: ErrorCodeSchema, message: Type.String() }),
  ),
  groups: Type.Array(GroupOutcome),
});
export type PushResponse = Static<typeof PushResponse>;

export const MAX_PULL_LIMIT = 50_000;
export const DEFAULT_PULL_LIMIT = 1_000;

export const PullQuery = Type.Object({
  cursor: Type.Integer({ minimum: 0, default: 0 }),
  limit: Type.Integer({ minimum: 1, maximum: MAX_PULL_LIMIT, default: DEFAULT_PULL_LIMIT }),
  /** `columns` asks for the lean columnar page below instead of `changes` (an extension). */
  format: Type.Optional(Type.Union([Type.Literal('rows'), Type.Literal('columns')])),
});
export type PullQuery = Static<typeof PullQuery>;

/**
 * (protocol 3) A bootstrap reads the whole state one table at a time in id order (GET
 * /sync/snapshot): `after` is the last id the station holds of `table` (none: from the start).
 */
export const SnapshotQuery = Type.Object({
  table: Type.String({ maxLength: 64 }),
  after: Type.Optional(Uuid),
  limit: Type.Integer({ minimum: 1, maximum: MAX_PULL_LIMIT, default: DEFAULT_PULL_LIMIT }),
});
export type SnapshotQuery = Static<typeof SnapshotQuery>;

/** (protocol 3) The server's identity: it changes when its database is replaced or restored. */
const Epoch = Type.String({ maxLength: 100 });

export const PullResponse = Type.Object({
  changes: Type.Array(Type.Object({ table: Type.String(), row: AnyRowSchema })),
  cursor: Cursor,
  head: Cursor,
  hasMore: Type.Boolean(),
  epoch: Type.Optional(Epoch),
});
export type PullResponse = Static<typeof PullResponse>;

/** Per table, its column names once and each row as an array of values in that order. */
const ColumnarTables = Type.Record(
  Type.String(),
  Type.Object({ columns: Type.Array(Type.String()), rows: Type.Array(Type.Array(Type.Unknown())) }),
);

/**
 * The columnar pull page: per table, the column names once and each row as an array
 * of values in that order. Same rows and cursor semantics as `PullResponse`; smaller
 * and much cheaper to parse, which is what makes a bootstrap fast.
 */
export const ColumnarPullResponse = Type.Object({
  tables: ColumnarTables,
  count: Type.Integer({ minimum: 0 }),
  cursor: Cursor,
  head: Cursor,
  hasMore: Type.Boolean(),
  epoch: Type.Optional(Epoch),
});
export type ColumnarPullResponse = Static<typeof ColumnarPullResponse>;

export const LoginRequest = Type.Object({
  username: Type.String({ minLength: 1, maxLength: 64 }),
  password: Type.String({ minLength: 1, maxLength: 200 }),
});
export type LoginRequest = Static<typeof LoginRequest>;

export const SessionUser = Type.Object({
  id: Uuid,
  username: Type.String(),
  displayName: Type.String(),
  role: Type.Union(ROLES.map((role) => Type.Literal(role))),
});
export type SessionUser = Static<typeof SessionUser>;

export const LoginResponse = Type.Object({ token: Type.String(), user: SessionUser });
export type LoginResponse = Static<typeof LoginResponse>;

/** The highest role whose writes a station may carry (issue 8); the default keeps enroll as it was. */
export const Ceiling = Type.Union(ROLES.map((role) => Type.Literal(role)));
export type Ceiling = Static<typeof Ceiling>;

export const EnrollRequest = Type.Object({
  name: Type.String({ minLength: 1, maxLength: 100 }),
  ceiling: Type.Optional(Ceiling),
});
export type EnrollRequest = Static<typeof EnrollRequest>;

export const EnrollResponse = Type.Object({ stationId: Uuid, stationToken: Type.String() });
export type EnrollResponse = Static<typeof EnrollResponse>;

export const ErrorResponse = Type.Object({
  error: Type.Object({ code: Type.String(), message: Type.String() }),
});

/**
 * (protocol 3) Integrity: the station and the server compare what they hold.
 * - `POST /sync/compare` `{table, rows: [[id, version, deletedAt]…]}` → the ids whose version
 *   the server lacks or holds older (`version`: the server's, or null), so a station
 *   reconciling after an epoch change re-pushes exactly those;
 * - `POST /sync/checksums` `{exclude: {<table>: [ids]}}` → per table and per bucket (the first
 *   hex digit of the id) a row count and a hash over every row's content, at `cursor`;
 * - `GET /sync/rows?table=T&bucket=H` → that bucket's rows as a columnar page, to repair it.
 */
export const CompareRequest = Type.Object({
  table: Type.String({ maxLength: 64 }),
  rows: Type.Array(Type.Tuple([Uuid, Type.String({ maxLength: 64 }), Type.Union([Type.String(), Type.Null()])]), {
    maxItems: 5_000,
  }),
});
export type CompareRequest = Static<typeof CompareRequest>;

export const CompareResponse = Type.Object({
  behind: Type.Array(Type.Object({ id: Uuid, version: Type.Union([Type.String(), Type.Null()]) })),
});
export type CompareResponse = Static<typeof CompareResponse>;

const Checksum = Type.Object({ count: Type.Integer({ minimum: 0 }), hash: Type.String() });
export const CHECKSUM_BUCKETS = 16;

export const ChecksumsRequest = Type.Object({
  exclude: Type.Optional(Type.Record(Type.String(), Type.Array(Uuid, { maxItems: 5_000 }))),
});
export type ChecksumsRequest = Static<typeof ChecksumsRequest>;

export const ChecksumsResponse = Type.Object({
  cursor: Cursor,
  epoch: Epoch,
  /** Deleted rows with an older `deletedAt` are purged; neither side counts them. */
  purgedBefore: Type.Union([Type.String(), Type.Null()]),
  tables: Type.Record(Type.String(), Type.Object({ total: Checksum, buckets: Type.Array(Checksum) })),
});
export type ChecksumsResponse = Static<typeof ChecksumsResponse>;

export const RowsQuery = Type.Object({
  table: Type.String({ maxLength: 64 }),
  bucket: Type.String({ pattern: '^[0-9a-f]$' }),
});
export type RowsQuery = Static<typeof RowsQuery>;

export const StationView = Type.Object({
  id: Uuid,
  name: Type.String(),
  online: Type.Boolean(),
  lastSeenAt: Type.Union([Type.String(), Type.Null()]),
  appVersion: Type.Union([Type.String(), Type.Null()]),
  cursor: Cursor,
  lag: Cursor,
  pending: Type.Integer({ minimum: 0 }),
  lastError: Type.Union([Type.String(), Type.Null()]),
  revokedAt: Type.Union([Type.String(), Type.Null()]),
  ceiling: Ceiling,
  /** (protocol 3) Last time the station reported being fully in sync (nothing pending, at the head). */
  syncedAt: Type.Optional(Type.Union([Type.String(), Type.Null()])),
  /** Not in sync for longer than expected (offline, behind, or with writes waiting). */
  overdue: Type.Optional(Type.Boolean()),
  /** (issue 9) How far the station's clock was ahead of the server's at its last report, in ms. */
  clockOffsetMs: Type.Optional(Type.Union([Type.Integer(), Type.Null()])),
  /** Last reconcile after the server's epoch changed; last checksum comparison; last repair. */
  reconciledAt: Type.Optional(Type.Union([Type.String(), Type.Null()])),
  checkedAt: Type.Optional(Type.Union([Type.String(), Type.Null()])),
  repairedAt: Type.Optional(Type.Union([Type.String(), Type.Null()])),
});
export type StationView = Static<typeof StationView>;

export const StationsResponse = Type.Object({ stations: Type.Array(StationView) });
export type StationsResponse = Static<typeof StationsResponse>;

export const ConflictView = Type.Object({
  table: Type.String(),
  id: Type.String(),
  lost: AnyRowSchema,
  won: AnyRowSchema,
  at: Type.String(),
});
export type ConflictView = Static<typeof ConflictView>;

export const ConflictsResponse = Type.Object({ conflicts: Type.Array(ConflictView) });
export type ConflictsResponse = Static<typeof ConflictsResponse>;

export const CeilingRequest = Type.Object({ ceiling: Ceiling });
export type CeilingRequest = Static<typeof CeilingRequest>;

export const ReviewStatus = Type.Union([Type.Literal('pending'), Type.Literal('accepted'), Type.Literal('rejected')]);
export type ReviewStatus = Static<typeof ReviewStatus>;

/** A held group in the admins' review list: who, which station, what, when, why. */
export const ReviewGroupView = Type.Object({
  id: Type.String(),
  stationId: Type.String(),
  stationName: Type.Union([Type.String(), Type.Null()]),
  userId: Type.String(),
  username: Type.Union([Type.String(), Type.Null()]),
  version: Type.String(),
  changes: Type.Array(Change),
  code: Type.String(),
  message: Type.String(),
  status: ReviewStatus,
  createdAt: Type.String(),
  decidedAt: Type.Union([Type.String(), Type.Null()]),
  decidedBy: Type.Union([Type.String(), Type.Null()]),
  decisionNote: Type.Union([Type.String(), Type.Null()]),
});
export type ReviewGroupView = Static<typeof ReviewGroupView>;

export const ReviewQuery = Type.Object({ status: Type.Optional(ReviewStatus) });
export type ReviewQuery = Static<typeof ReviewQuery>;

export const ReviewResponse = Type.Object({ groups: Type.Array(ReviewGroupView) });
export type ReviewResponse = Static<typeof ReviewResponse>;

export const ReviewRejectRequest = Type.Object({ note: Type.Optional(Type.String({ maxLength: 1000 })) });
export type ReviewRejectRequest = Static<typeof ReviewRejectRequest>;

/** Issue 13: `POST /sync/review/:id/withdraw` (station token): the station withdraws its own held group. */
export const WithdrawResponse = Type.Object({ id: Type.String(), status: Type.Literal('rejected') });
export type WithdrawResponse = Static<typeof WithdrawResponse>;

// WebSocket messages on /sync/ws.
export const HelloMessage = Type.Object({
  type: Type.Literal('hello'),
  head: Cursor,
  serverTime: Type.String(),
  epoch: Type.Optional(Epoch),
});
export type HelloMessage = Static<typeof HelloMessage>;

/**
 * `from` and `page` (protocol 2) come together, when the notice carries the changes in
 * (from, cursor] as a columnar page: a station whose cursor is `from` applies it as if it
 * had pulled it, one whose cursor is anything else pulls as before.
 */
export const ChangesMessage = Type.Object({
  type: Type.Literal('changes'),
  cursor: Cursor,
  from: Type.Optional(Cursor),
  page: Type.Optional(Type.Object({ tables: ColumnarTables, count: Type.Integer({ minimum: 0 }) })),
});
export type ChangesMessage = Static<typeof ChangesMessage>;

export const ServerMessage = Type.Union([HelloMessage, ChangesMessage]);
export type ServerMessage = Static<typeof ServerMessage>;

export const StatusMessage = Type.Object({
  type: Type.Literal('status'),
  cursor: Cursor,
  pending: Type.Integer({ minimum: 0 }),
  appVersion: Type.String({ maxLength: 40 }),
  lastError: Type.Optional(Type.Union([Type.String({ maxLength: 500 }), Type.Null()])),
  /** (issue 9) How far the station's own clock is ahead of the server's, in ms (negative: behind). */
  clockOffsetMs: Type.Optional(Type.Integer({ minimum: -1e12, maximum: 1e12 })),
});
export type StatusMessage = Static<typeof StatusMessage>;

/** Every wire schema, for the protocol-version guard. */
export const WIRE_SCHEMAS = {
  Change,
  WriteGroup,
  PushRequest,
  PushResponse,
  PullQuery,
  SnapshotQuery,
  PullResponse,
  ColumnarPullResponse,
  LoginRequest,
  LoginResponse,
  EnrollRequest,
  EnrollResponse,
  ErrorResponse,
  StationsResponse,
  ConflictsResponse,
  CeilingRequest,
  ReviewResponse,
  ReviewRejectRequest,
  WithdrawResponse,
  HelloMessage,
  ChangesMessage,
  StatusMessage,
  CompareRequest,
  CompareResponse,
  ChecksumsRequest,
  ChecksumsResponse,
  RowsQuery,
  ...Object.fromEntries(TABLE_NAMES.map((table) => [`row:${table}`, rowSchema(table)])),
};
