/**
 * What an admin's screens need from the server itself rather than the local database:
 * the station list (live over /admin/ws) and revoking a station. Both need a user token,
 * obtained with the same credentials when the admin logs in while online; an admin who
 * logged in offline is asked to log in again once the server is back.
 */
import { EventEmitter } from 'node:events';
import {
  ConflictsResponse,
  type ConflictView,
  LoginResponse,
  MostradorError,
  StationsResponse,
  type StationView,
} from '@mostrador/common';
import { Type } from '@sinclair/typebox';
import WebSocket from 'ws';
import { ServerClient } from '../core/sync/client.js';

const Revoked = Type.Object({ stationId: Type.String() }, { additionalProperties: true });

export class AdminLink extends EventEmitter<{ stations: [StationView[]] }> {
  private token: string | null = null;
  private socket: WebSocket | null = null;
  private retry: NodeJS.Timeout | null = null;

  constructor(private readonly serverUrl: () => string | null) {
    super();
  }

  /** An admin's server token for these credentials, or null (offline, or not an admin): best effort, the local login stands anyway. */
  async login(username: string, password: string): Promise<string | null> {
    const client = this.client();
    if (!client) return null;
    try {
      const answer = await client.request(LoginResponse, 'POST', '/auth/login', { username, password });
      return answer.user.role === 'admin' ? answer.token : null;
    } catch {
      return null;
    }
  }

  async stations(token: string | null): Promise<StationView[]> {
    const { stations } = await this.client(true).request(
      StationsResponse,
      'GET',
      '/admin/stations',
      undefined,
      requireToken(token),
    );
    return stations;
  }

  async revoke(token: string | null, stationId: string): Promise<void> {
    await this.client(true).request(
      Revoked,
      'POST',
      `/admin/stations/${encodeURIComponent(stationId)}/revoke`,
      {},
      requireToken(token),
    );
  }

  /** issue 13: the server's conflict log, newest first. */
  async conflicts(token: string | null, limit: number): Promise<ConflictView[]> {
    const { conflicts } = await this.client(true).request(
      ConflictsResponse,
      'GET',
      `/admin/conflicts?limit=${limit}`,
      undefined,
      requireToken(token),
    );
    return conflicts;
  }

  /** Keep the live station list flowing (one socket, whichever admin token opened it) until `unwatch`. */
  watch(token: string): void {
    if (this.socket && this.token === token) return;
    this.token = token;
    this.disconnect();
    this.connect();
  }

  /** That admin logged out: stop using their token. */
  unwatch(token: string | null): void {
    if (!token || token !== this.token) return;
    this.token = null;
    this.disconnect();
  }

  private connect() {
    const base = this.serverUrl();
    if (!base || !this.token || this.socket) return;
    const url = new URL('/admin/ws', base);
    url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
    // In a header, never in the URL: URLs end up in logs.
    const socket = new WebSocket(url, { headers: { authorization: `Bearer ${this.token}` } });
    this.socket = socket;
    socket.on('message', (data) => {
      const message = JSON.parse(String(data)) as { type?: string; stations?: StationView[] };
      if (message.type === 'stations' && Array.isArray(message.stations)) this.emit('stations', message.stations);
    });
    socket.on('error', () => {});
    // A refused or ended session (401/403 at the upgrade, 4401 later) will not come back by
    // retrying the same token: stop until the admin logs in again.
    socket.on('unexpected-response', (_request, response) => {
      if (response.statusCode === 401 || response.statusCode === 403) this.token = null;
      socket.terminate();
    });
    socket.on('close', (code) => {
      if (this.socket !== socket) return;
      this.socket = null;
      if (code === 4401) this.token = null;
      if (this.token) this.retry = setTimeout(() => this.connect(), 2_000);
    });
  }

  private disconnect() {
    if (this.retry) clearTimeout(this.retry);
    const socket = this.socket;
    this.socket = null;
    socket?.terminate();
  }

  private client(required: true): ServerClient;
  private client(required?: false): ServerClient | null;
  private client(required = false): ServerClient | null {
    const baseUrl = this.serverUrl();
    if (!baseUrl) {
      if (required) throw new MostradorError('NOT_ENROLLED');
      return null;
    }
    return new ServerClient({ baseUrl });
  }

  close(): void {
    this.token = null;
    this.disconnect();
  }
}

function requireToken(token: string | null): string {
  if (!token) {
    throw new MostradorError(
      'UNAUTHORIZED',
      'The station monitor needs an admin login made while the server is reachable; log in again.',
    );
  }
  return token;
}
