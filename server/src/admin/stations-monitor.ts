/**
 * Live station list for admin monitor screens. Any change of presence, status or head
 * (from any API instance, via the notifier) asks for a refresh; refreshes are coalesced
 * (one query in flight, at most one more queued, at most one per `minIntervalMs`), and
 * the list is sent only when it differs from the last one sent, serialized once for all.
 * A periodic refresh catches what no NOTIFY announces: an instance whose heartbeat went stale.
 */
import type { StationView } from '@mostrador/common';
import type pg from 'pg';
import type { WebSocket } from 'ws';
import { NoticeSender } from '../live/notice-sender.js';
import { listStations } from './stations-view.js';

export interface StationsMessage {
  type: 'stations';
  stations: StationView[];
}

/** Close code of a monitor socket whose user's session ended (as a revoked station's, PROTOCOL.md). */
export const CLOSE_SESSION_ENDED = 4401;

/** Who opened a monitor socket: its session ends when that user changes. */
export interface Watcher {
  readonly userId: string;
  readonly token: string;
}

export class StationsMonitor {
  private readonly senders = new Map<WebSocket, NoticeSender>();
  private readonly watchers = new Map<WebSocket, Watcher>();
  private lastFrame: string | null = null;
  private running = false;
  private queued = false;
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly db: pg.Pool,
    private readonly freshMs: number,
    private readonly minIntervalMs = 100,
    private readonly periodMs = 5_000,
  ) {}

  start(): void {
    this.timer = setInterval(() => this.refresh(), this.periodMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    for (const socket of this.senders.keys()) socket.terminate();
    this.senders.clear();
    this.watchers.clear();
  }

  add(socket: WebSocket, watcher?: Watcher): void {
    const sender = new NoticeSender(socket);
    this.senders.set(socket, sender);
    if (watcher) this.watchers.set(socket, watcher);
    socket.on('close', () => {
      this.senders.delete(socket);
      this.watchers.delete(socket);
    });
    if (this.lastFrame) sender.send(Buffer.from(this.lastFrame));
    this.refresh();
  }

  get size(): number {
    return this.senders.size;
  }

  /** That user's session ended (password, role, deactivation): close their sockets now. */
  closeUser(userId: string, reason = 'session ended'): number {
    let closed = 0;
    for (const [socket, watcher] of this.watchers) {
      if (watcher.userId !== userId) continue;
      this.end(socket, reason);
      closed++;
    }
    return closed;
  }

  /** Check every socket's token again (after notices may have been missed); close those no longer valid. */
  async recheck(stillValid: (watcher: Watcher) => Promise<boolean>): Promise<void> {
    for (const [socket, watcher] of [...this.watchers]) {
      if (!(await stillValid(watcher).catch(() => true))) this.end(socket, 'session ended');
    }
  }

  private end(socket: WebSocket, reason: string): void {
    this.watchers.delete(socket);
    this.senders.delete(socket);
    socket.close(CLOSE_SESSION_ENDED, reason);
    // A peer that never answers the close handshake is cut off anyway.
    setTimeout(() => socket.terminate(), 1_000).unref();
  }

  /** Something changed: refresh soon, once, however many times this is called meanwhile. */
  refresh(): void {
    if (this.senders.size === 0) return;
    if (this.running) {
      this.queued = true;
      return;
    }
    this.running = true;
    void this.refreshNow().finally(() => {
      setTimeout(() => {
        this.running = false;
        if (this.queued) {
          this.queued = false;
          this.refresh();
        }
      }, this.minIntervalMs).unref();
    });
  }

  private async refreshNow(): Promise<void> {
    let stations: StationView[];
    try {
      stations = await listStations(this.db, this.freshMs);
    } catch {
      return; // The database is away; the next change or period tries again.
    }
    const message: StationsMessage = { type: 'stations', stations };
    const frame = JSON.stringify(message);
    if (frame === this.lastFrame) return;
    this.lastFrame = frame;
    const encoded = Buffer.from(frame);
    for (const sender of this.senders.values()) sender.send(encoded);
  }
}
