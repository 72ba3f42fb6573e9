import pg from 'pg';

const INT8_OID = 20;

/**
 * The server's connection pool. Sequence numbers are bigint in PostgreSQL but stay far
 * below 2^53, so they are parsed as numbers rather than strings.
 */
export function createPool(databaseUrl: string, max = 10): pg.Pool {
  const pool = new pg.Pool({
    connectionString: databaseUrl,
    max,
    connectionTimeoutMillis: 5_000,
    types: {
      getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
        oid === INT8_OID ? Number : pg.types.getTypeParser(oid, format)) as typeof pg.types.getTypeParser,
    },
  });
  // An idle client losing its connection (database restarted or dropped) must not crash
  // the process; the next query fails and is answered with DB_UNAVAILABLE.
  pool.on('error', () => {});
  return pool;
}

/** Run `work` in one transaction on one pooled client; roll back if it throws. */
export async function inTransaction<T>(
  pool: pg.Pool,
  begin: string,
  work: (client: pg.PoolClient) => Promise<T>,
): Promise<T> {
  const client = await pool.connect();
  let broken = false;
  try {
    await client.query(begin);
    const result = await work(client);
    await client.query('COMMIT');
    return result;
  } catch (error) {
    try {
      await client.query('ROLLBACK');
    } catch {
      broken = true;
    }
    throw error;
  } finally {
    client.release(broken);
  }
}
