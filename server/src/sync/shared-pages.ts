/**
 * Pull pages shared between stations. After a `changes` notice every station asks for the
 * same page (they were all at the same cursor) within a few milliseconds; building it once
 * and handing the same body to all of them turns N identical queries into one.
 *
 * A page is a consistent snapshot, so handing out one built a moment earlier is harmless:
 * the cursor it carries is where that snapshot ends, and a station whose notice is further
 * on pulls again. To keep that moment short, pages are shared only within one
 * "generation" (the head last announced by the live channel: a new notice starts afresh),
 * for at most `ttlMs`, and never when there is no live generation (LISTEN down).
 */
export class SharedPages {
  private generation: number | null = null;
  private readonly pages = new Map<string, { body: Promise<string>; at: number }>();

  constructor(
    private readonly ttlMs = 250,
    private readonly maxPages = 64,
    private readonly maxBytes = 512 * 1024,
  ) {}

  read(generation: number | null, key: string, build: () => Promise<string>): Promise<string> {
    if (generation === null) return build();
    if (generation !== this.generation) {
      this.pages.clear();
      this.generation = generation;
    }
    const now = performance.now();
    const shared = this.pages.get(key);
    if (shared && now - shared.at <= this.ttlMs) return shared.body;
    const body = build();
    if (this.pages.size >= this.maxPages) this.evictExpired(now);
    if (this.pages.size < this.maxPages) {
      this.pages.set(key, { body, at: now });
      body.then(
        (text) => text.length > this.maxBytes && this.pages.delete(key),
        () => this.pages.delete(key),
      );
    }
    return body;
  }

  private evictExpired(now: number): void {
    for (const [key, page] of this.pages) if (now - page.at > this.ttlMs) this.pages.delete(key);
  }
}
