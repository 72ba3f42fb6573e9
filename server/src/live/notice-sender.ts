/**
 * Sends notices to one socket without ever queueing more than one behind a frame the
 * socket has not flushed yet. A notice is only a hint ("the head is at N"), so when a
 * socket is slow only the newest one matters: it replaces any older one waiting. A stuck
 * station therefore costs at most one frame of memory, and never delays the others.
 * A notice carrying a page of changes is only sent whole if every notice before it went
 * out: once one was dropped, the socket gets the plain notice and its station pulls.
 */
import type { WebSocket } from 'ws';

export class NoticeSender {
  private inFlight = false;
  private waiting: Buffer | null = null;

  constructor(private readonly socket: WebSocket) {}

  /**
   * `frame` is the notice already serialized and encoded as UTF-8, once for every socket
   * (a string would be encoded again for each); it still goes out as a text frame.
   * `plain` is the same notice without a page: what goes out instead when an older notice
   * was dropped for it, since the page starts where that dropped notice ended.
   */
  send(frame: Buffer, plain: Buffer = frame): void {
    if (this.inFlight) {
      this.waiting = this.waiting === null ? frame : plain;
      return;
    }
    this.write(frame);
  }

  /** True while a frame waits for the kernel to take it: the peer is not reading. */
  get stalled(): boolean {
    return this.inFlight;
  }

  /** Frames held back for this socket (0 or 1): what a slow socket costs the server. */
  get held(): number {
    return this.waiting === null ? 0 : 1;
  }

  private write(frame: Buffer): void {
    if (this.socket.readyState !== this.socket.OPEN) return;
    this.inFlight = true;
    // The callback runs once the frame has left for the kernel (or the socket failed).
    this.socket.send(frame, { binary: false }, (error) => {
      this.inFlight = false;
      const next = this.waiting;
      this.waiting = null;
      if (!error && next !== null) this.write(next);
    });
  }
}
