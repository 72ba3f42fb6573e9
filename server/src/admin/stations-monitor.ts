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

export class StationsMonitor {
  private readonly senders = new Map<WebSocket, NoticeSender>();
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
  }

  add(socket: WebSocket): void {
    const sender = new NoticeSender(socket);
    this.senders.set(socket, sender);
    socket.on('close', () => this.senders.delete(socket));
    if (this.lastFrame) sender.send(Buffer.from(this.lastFrame));
    this.refresh();
  }

  get size(): number {
    return this.senders.size;
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
