/**
 * The error catalogue: every code the server or a station may answer with, its HTTP
 * status, and a message that says what to do. Codes are never reused for another meaning.
 */

export const ERRORS = {
  VALIDATION: { status: 400, message: 'The request or a row does not match the expected schema.' },
  MALFORMED_JSON: { status: 400, message: 'The request body is not valid JSON.' },
  UNKNOWN_TABLE: { status: 400, message: 'The table is not one of the synced tables.' },
  CLOCK_AHEAD: {
    status: 400,
    message: "The row's version is stamped too far ahead of the server's clock; check the station's clock.",
  },
  UNAUTHORIZED: { status: 401, message: 'Missing or invalid credentials; log in or enroll the station again.' },
  INVALID_CREDENTIALS: { status: 401, message: 'Wrong username or password.' },
  TOKEN_EXPIRED: { status: 401, message: 'The token has expired; log in again.' },
  STATION_REVOKED: { status: 401, message: 'This station was revoked by an admin; enroll it again.' },
  FORBIDDEN: { status: 403, message: "The acting user's role does not allow this." },
  NOT_FOUND: { status: 404, message: 'No such route or object.' },
  UNIQUE_VIOLATION: { status: 409, message: 'Another row already uses this unique value.' },
  IMMUTABLE: { status: 409, message: 'This row cannot be changed once written (a sale can only be voided).' },
  CONFLICT: { status: 409, message: 'The request conflicts with the current state.' },
  HISTORY_CHANGED: {
    status: 409,
    message:
      "The server's database was restored or replaced since this station last synced; the station compares its rows with it, then pushes again.",
  },
  MISSING_REFERENCE: {
    status: 409,
    message:
      'A row names another that the server does not hold (yet); the group waits and applies by itself once that row arrives.',
  },
  RESYNC_REQUIRED: {
    status: 410,
    message: 'The station was offline longer than deleted rows are kept; bootstrap it again.',
  },
  UPGRADE_REQUIRED: {
    status: 426,
    message:
      "This station's app is too old for the server (it sends changes without write groups); update this station's app.",
  },
  PAYLOAD_TOO_LARGE: { status: 413, message: 'The request body is too large; send it in smaller pages.' },
  RATE_LIMITED: { status: 429, message: 'Too many attempts; wait a moment and try again.' },
  INTERNAL: { status: 500, message: 'Unexpected server error.' },
  DB_UNAVAILABLE: { status: 503, message: 'The database is unavailable; try again shortly.' },
  // Station-side codes (the `station` command and the app).
  SERVER_UNREACHABLE: { status: 503, message: 'The server cannot be reached; check the address and the network.' },
  NOT_ENROLLED: { status: 400, message: 'This data folder holds no enrolled station; run `station enroll` first.' },
  DATA_CORRUPT: { status: 500, message: 'The data folder is damaged or belongs to something else.' },
  NOT_LOGGED_IN: { status: 401, message: 'Log in first.' },
  BAD_COMMAND: { status: 400, message: 'Unknown or malformed command.' },
} as const satisfies Record<string, { status: number; message: string }>;

export type ErrorCode = keyof typeof ERRORS;

export interface ErrorBody {
  error: { code: ErrorCode; message: string };
}

/** An error that carries a catalogue code; thrown anywhere, turned into a response at the edge. */
export class MostradorError extends Error {
  readonly status: number;

  constructor(
    readonly code: ErrorCode,
    message: string = ERRORS[code].message,
  ) {
    super(message);
    this.name = 'MostradorError';
    this.status = ERRORS[code].status;
  }

  toBody(): ErrorBody {
    return { error: { code: this.code, message: this.message } };
  }
}

export function isErrorCode(code: unknown): code is ErrorCode {
  return typeof code === 'string' && code in ERRORS;
}
