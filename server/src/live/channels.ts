/**
 * The PostgreSQL NOTIFY channels the API instances talk over. Fan-out goes through the
 * database so that any number of instances serve stations connected to any of them.
 */
import type pg from 'pg';

/** Payload: the new head, as text. Sent inside the push transaction, so it exists only if the push committed. */
export { CHANGES_CHANNEL } from '../sync/apply.js';
/** Payload: a station id whose token was just revoked; every instance closes its sockets. */
export const REVOCATIONS_CHANNEL = 'mostrador_revocations';
/** Payload: a user id whose password, role, activity or deletion changed (a trigger on `users`); their sessions end. */
export const USERS_CHANNEL = 'mostrador_users';
/** Payload: a station id whose presence or status changed; admin monitors refresh. */
export const PRESENCE_CHANNEL = 'mostrador_presence';

type Queryable = Pick<pg.ClientBase, 'query'>;

export async function notifyRevocation(client: Queryable, stationId: string): Promise<void> {
  await client.query('SELECT pg_notify($1, $2)', [REVOCATIONS_CHANNEL, stationId]);
}

export async function notifyPresence(client: Queryable, stationId: string): Promise<void> {
  await client.query('SELECT pg_notify($1, $2)', [PRESENCE_CHANNEL, stationId]);
}
