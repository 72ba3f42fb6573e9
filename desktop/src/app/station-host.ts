/**
 * The station as the app sees it across its whole life: a data folder with nothing in it
 * yet (first run), enrolling, bootstrapping with progress, then ready for logins. The core
 * does the work; this keeps the phase, and tells whoever started the app when a station
 * exists so it can take it online (live channel, pushes as writes land).
 */
import { EventEmitter } from 'node:events';
import { type Ceiling, MostradorError } from '@mostrador/common';
import { Station, type StationOptions } from '../core/index.js';
import type { AppState, StationPhase } from '../shared/channels.js';
import { finishedBootstrap } from './station-peek.js';

export interface StationHostOptions {
  dataDir: string;
  /** Already opened by the caller (`station serve`), or left to the host to open or enroll. */
  station?: Station | null;
  /** Prefilled on the first-run screen. */
  suggestedServerUrl?: string | null;
  stationOptions?: Omit<StationOptions, 'dataDir'>;
  /** Called once a station exists (opened or freshly enrolled and bootstrapped). */
  onStation?: (station: Station) => void | Promise<void>;
}

export interface EnrollInput {
  serverUrl: string;
  stationName: string;
  username: string;
  password: string;
  ceiling?: Ceiling;
}

export class StationHost extends EventEmitter<{ state: [AppState]; station: [Station] }> {
  private current: Station | null;
  private phase: StationPhase;
  private progress: { done: number; total: number } | null = null;
  private lastError: { code: string; message: string } | null = null;

  constructor(private readonly options: StationHostOptions) {
    super();
    this.current = options.station ?? openIfEnrolled(options);
    this.phase = this.current ? bootPhase(this.current) : 'firstRun';
  }

  /** Tell the caller about a station it did not open itself, and resume an interrupted bootstrap. */
  async start(): Promise<void> {
    const station = this.current;
    if (!station) return;
    if (!this.options.station) await this.options.onStation?.(station);
    this.emit('station', station);
    if (this.phase === 'bootstrapping') void this.bootstrap(station);
  }

  get station(): Station | null {
    return this.current;
  }

  /** The station, or NOT_ENROLLED while the first-run screen is still up. */
  requireStation(): Station {
    if (!this.current || this.phase !== 'ready') throw new MostradorError('NOT_ENROLLED');
    return this.current;
  }

  state(): AppState {
    const station = this.current;
    return {
      phase: this.phase,
      station: station ? { id: station.id, name: station.store.meta.get('stationName') ?? '' } : null,
      serverUrl: station?.store.meta.get('serverUrl') ?? null,
      suggestedServerUrl: this.options.suggestedServerUrl ?? null,
      bootstrap: this.progress,
      lastError: this.lastError,
    };
  }

  /**
   * Enroll with the first-run form. Answers once the server accepted the station (so a
   * wrong address or password shows on the form); the bootstrap goes on in the background,
   * reported through `state` events.
   */
  async enroll(input: EnrollInput): Promise<AppState> {
    if (this.phase !== 'firstRun') throw new MostradorError('CONFLICT', 'This station is already enrolled.');
    this.setPhase('enrolling');
    try {
      const station = await Station.enroll({
        ...this.options.stationOptions,
        dataDir: this.options.dataDir,
        serverUrl: input.serverUrl,
        name: input.stationName,
        username: input.username,
        password: input.password,
        ceiling: input.ceiling,
      });
      this.current = station;
      this.lastError = null;
      this.progress = { done: 0, total: 0 };
      this.setPhase('bootstrapping');
      void this.bootstrap(station).then(() => this.announce(station));
      return this.state();
    } catch (error) {
      this.lastError = null;
      this.setPhase('firstRun');
      throw error;
    }
  }

  private async announce(station: Station) {
    await this.options.onStation?.(station);
    this.emit('station', station);
  }

  /** Pull from cursor 0 with progress; on failure stay in this phase and retry, since the rows are still missing. */
  private async bootstrap(station: Station): Promise<void> {
    const onProgress = (progress: { done: number; total: number }) => {
      this.progress = { done: progress.done, total: progress.total };
      this.emit('state', this.state());
    };
    station.sync.on('progress', onProgress);
    try {
      for (let attempt = 0; ; attempt++) {
        try {
          await station.sync.pullChanges();
          break;
        } catch (error) {
          const failure = error instanceof MostradorError ? error : new MostradorError('INTERNAL', String(error));
          this.lastError = { code: failure.code, message: failure.message };
          this.emit('state', this.state());
          if (failure.code === 'STATION_REVOKED' || failure.code === 'UNAUTHORIZED') return;
          await new Promise((resolve) => setTimeout(resolve, Math.min(10_000, 500 * 2 ** attempt)));
        }
      }
    } finally {
      station.sync.off('progress', onProgress);
    }
    station.store.meta.set('bootstrapped', 1);
    this.lastError = null;
    this.setPhase('ready');
  }

  private setPhase(phase: StationPhase) {
    this.phase = phase;
    this.emit('state', this.state());
  }

  close(): void {
    if (!this.options.station) this.current?.close();
  }
}

function openIfEnrolled(options: StationHostOptions): Station | null {
  try {
    return Station.open({ ...options.stationOptions, dataDir: options.dataDir });
  } catch (error) {
    if (error instanceof MostradorError && error.code === 'NOT_ENROLLED') return null;
    throw error;
  }
}

function bootPhase(station: Station): StationPhase {
  return finishedBootstrap((key) => station.store.meta.get(key)) ? 'ready' : 'bootstrapping';
}
