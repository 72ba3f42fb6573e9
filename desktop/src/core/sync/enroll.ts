import { type Ceiling, EnrollResponse, LoginResponse, MostradorError, type SessionUser } from '@mostrador/common';
import type { LocalStore } from '../store/store.js';
import { ServerClient, type ServerTimeSample } from './client.js';

export interface EnrollRequest {
  serverUrl: string;
  name: string;
  username: string;
  password: string;
  /** The highest role whose writes this station may carry (a counter: cashier or manager); admin by default. */
  ceiling?: Ceiling;
}

/**
 * Enroll this station, online, with an admin's credentials: log in, ask for a station
 * token, and keep it with the station's identity in the local database. The admin's
 * token is used for this only and never stored.
 */
export async function enrollStation(
  store: LocalStore,
  request: EnrollRequest,
  onServerTime?: (sample: ServerTimeSample) => void,
): Promise<{ stationId: string; enrolledBy: SessionUser }> {
  if (store.meta.get('stationId')) {
    throw new MostradorError('CONFLICT', 'This data folder already holds an enrolled station; use another folder.');
  }
  const serverUrl = normalizeServerUrl(request.serverUrl);
  const client = new ServerClient({ baseUrl: serverUrl, onServerTime, retries: 0 });
  const login = await client.request(LoginResponse, 'POST', '/auth/login', {
    username: request.username,
    password: request.password,
  });
  if (login.user.role !== 'admin') throw new MostradorError('FORBIDDEN', 'Only an admin can enroll a station.');
  const enrolled = await client.request(
    EnrollResponse,
    'POST',
    '/stations/enroll',
    request.ceiling ? { name: request.name, ceiling: request.ceiling } : { name: request.name },
    login.token,
  );
  store.transaction(() => {
    store.meta.set('serverUrl', serverUrl);
    store.meta.set('stationId', enrolled.stationId);
    store.setStationToken(enrolled.stationToken);
    store.meta.set('stationName', request.name);
    // Receipt numbers read `<code>-<n>`; the id's random tail keeps codes apart between stations.
    store.meta.set('stationCode', enrolled.stationId.slice(-6).toUpperCase());
    store.meta.set('enrolledBy', login.user.id);
    store.meta.set('cursor', 0);
  });
  return { stationId: enrolled.stationId, enrolledBy: login.user };
}

function normalizeServerUrl(url: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new MostradorError('VALIDATION', `Not a server address: ${url}`);
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    throw new MostradorError('VALIDATION', `The server address must be http(s): ${url}`);
  }
  return parsed.toString();
}
