/**
 * The station hub: every open /sync/ws socket of this API instance, by station. It fans a
 * `changes` notice out to all of them, closes a revoked station's sockets, and drops
 * sockets that stop answering pings.
 */
import type { ChangesMessage } from '@mostrador/common';
import type { WebSocket } from 'ws';
import { NoticeSender } from './notice-sender.js';

/** Close code for a socket whose station token was revoked (PROTOCOL.md). */
export const CLOSE_REVOKED = 4401;

interface StationSocket {
  readonly stationId: string;
  readonly sender: NoticeSender;
  alive: boolean;
}

export class StationHub {
  private readonly sockets = new Map<WebSocket, StationSocket>();
  private pingTimer: NodeJS.Timeout | null = null;
  private lastCursor = -1;

  constructor(private readonly pingIntervalMs: number) {}

  start(): void {
    this.pingTimer = setInterval(() => this.pingAll(), this.pingIntervalMs);
    this.pingTimer.unref();
  }

  stop(): void {
    if (this.pingTimer) clearInterval(this.pingTimer);
    // "Going away": the station reconnects (with backoff) to whichever instance is up.
    for (const socket of this.sockets.keys()) socket.close(1001, 'server shutting down');
    this.sockets.clear();
  }

  /** Join a socket, greeting it with `hello` first so that no notice can overtake it. */
  add(socket: WebSocket, stationId: string, hello: string): void {
    const entry: StationSocket = { stationId, sender: new NoticeSender(socket), alive: true };
    entry.sender.send(Buffer.from(hello));
    this.sockets.set(socket, entry);
    socket.on('pong', () => {
      entry.alive = true;
    });
    socket.on('close', () => this.sockets.delete(socket));
  }

  /**
   * Tell every socket the head moved. Repeats of an already announced cursor are dropped.
   * `withPage` is the same notice carrying the changes since the previous announcement
   * (from the Announcer); a socket that missed that announcement gets the plain one.
   */
  broadcast(cursor: number, withPage: string | null = null, force = false): void {
    if (cursor <= this.lastCursor && !force) return;
    this.lastCursor = Math.max(this.lastCursor, cursor);
    const message: ChangesMessage = { type: 'changes', cursor };
    const plain = Buffer.from(JSON.stringify(message));
    const frame = withPage === null ? plain : Buffer.from(withPage);
    for (const { sender } of this.sockets.values()) sender.send(frame, plain);
  }

  /** Open sockets of one station on this instance. */
  countOf(stationId: string): number {
    let count = 0;
    for (const entry of this.sockets.values()) if (entry.stationId === stationId) count++;
    return count;
  }

  closeStation(stationId: string, code: number, reason: string): number {
    let closed = 0;
    for (const [socket, entry] of this.sockets) {
      if (entry.stationId !== stationId) continue;
      socket.close(code, reason);
      this.sockets.delete(socket);
      closed++;
    }
    return closed;
  }

  /** The newest head announced to the stations (-1 before the first notice). */
  get announced(): number {
    return this.lastCursor;
  }

  get size(): number {
    return this.sockets.size;
  }

  /** Notices held back for slow sockets, in frames: bounded by the number of sockets. */
  get heldNotices(): number {
    let held = 0;
    for (const { sender } of this.sockets.values()) held += sender.held;
    return held;
  }

  /** Per socket of a station: whether it is stalled, frames held, bytes queued in userland. */
  backlogOf(stationId: string): Array<{ stalled: boolean; held: number; bufferedBytes: number }> {
    return [...this.sockets]
      .filter(([, entry]) => entry.stationId === stationId)
      .map(([socket, { sender }]) => ({
        stalled: sender.stalled,
        held: sender.held,
        bufferedBytes: socket.bufferedAmount,
      }));
  }

  stationIds(): Set<string> {
    return new Set([...this.sockets.values()].map((entry) => entry.stationId));
  }

  // A socket that did not answer the previous ping is dead or stuck: drop it, so it costs
  // nothing more and the station reconnects (and pulls) if it is still there.
  private pingAll(): void {
    for (const [socket, entry] of this.sockets) {
      if (!entry.alive) {
        socket.terminate();
        this.sockets.delete(socket);
        continue;
      }
      entry.alive = false;
      socket.ping();
    }
  }
}
