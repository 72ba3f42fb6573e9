import { join } from 'node:path';

// Apart from database.ts so that a peek at the file (app/station-peek.ts) loads nothing else.

/** The station's database file inside its data folder: the folder holds nothing else it needs. */
export const DATABASE_FILE = 'station.db';

export function databasePath(dataDir: string): string {
  return join(dataDir, DATABASE_FILE);
}
