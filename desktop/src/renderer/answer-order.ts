/**
 * Which channel answers a screen shows, when requests overlap: requests are numbered as
 * they are asked; an answer is shown only if it is newer than the one on screen (answers may
 * arrive out of order) and was asked for the current request (`restart()` when the key
 * changes or the screen closes: no answer asked before it is shown after it).
 */
export class AnswerOrder {
  private next = 0;
  private floor = 0;
  private shown = -1;

  /** A number for a request about to be sent. */
  ask(): number {
    return this.next++;
  }

  /** True when the answer to `ticket` should replace what is shown (and it is now the one shown). */
  accept(ticket: number): boolean {
    if (ticket < this.floor || ticket <= this.shown) return false;
    this.shown = ticket;
    return true;
  }

  /** The request changed (or the screen closed): answers to earlier requests are stale. */
  restart(): void {
    this.floor = this.next;
  }
}
