/**
 * Station tokens recently checked by this instance, so that the burst of pulls after every
 * notice (one per station) does not cost a database lookup each. Safe only while revocations
 * reach this instance at once, i.e. while the notifier listens: the live plugin enables it
 * on `ready`, empties and disables it on `lost`, and forgets a station on its revocation
 * notice. Entries also expire after `ttlMs`, a bound should anything be missed.
 *
 * A lookup that started before a revocation must not put the revoked station back: each
 * invalidation bumps `epoch`, and `remember` ignores answers from an older epoch.
 */
import type { StationIdentity } from '../context.js';

interface Entry {
  station: StationIdentity;
  at: number;
}

export class StationTokens {
  private readonly entries = new Map<string, Entry>();
  private enabled = false;
  private currentEpoch = 0;

  constructor(
    private readonly ttlMs = 5_000,
    private readonly maxEntries = 20_000,
  ) {}

  get epoch(): number {
    return this.currentEpoch;
  }

  lookup(tokenHash: string): StationIdentity | undefined {
    if (!this.enabled) return undefined;
    const entry = this.entries.get(tokenHash);
    if (!entry) return undefined;
    if (performance.now() - entry.at > this.ttlMs) {
      this.entries.delete(tokenHash);
      return undefined;
    }
    return entry.station;
  }

  /** `epoch` is the value read before the lookup in the database started. */
  remember(tokenHash: string, station: StationIdentity, epoch: number): void {
    if (!this.enabled || epoch !== this.currentEpoch) return;
    if (this.entries.size >= this.maxEntries) this.entries.clear();
    this.entries.set(tokenHash, { station, at: performance.now() });
  }

  forgetStation(stationId: string): void {
    this.currentEpoch++;
    for (const [hash, entry] of this.entries) if (entry.station.id === stationId) this.entries.delete(hash);
  }

  enable(on: boolean): void {
    this.currentEpoch++;
    this.entries.clear();
    this.enabled = on;
  }
}
