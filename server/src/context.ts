import type { EventEmitter } from 'node:events';
import type { HybridLogicalClock, Role } from '@mostrador/common';
import type pg from 'pg';
import type { CommittedPage } from './sync/commit-page.js';
import type { GroupCommitLimits } from './sync/group-commit.js';
import type { SharedPullAnswers } from './sync/pull.js';
import type { PushLimits } from './sync/push-gate.js';

/** What the server parts share through the Fastify instance and request. */

export interface ServerSettings {
  readonly jwtSecret: string;
  /** How far ahead of the server's clock a pushed version may be stamped. */
  readonly clockAheadMs: number;
  /** User token lifetime, in seconds. */
  readonly tokenTtlSeconds: number;
  /** The server's physical clock (injected so tests can skew it). */
  readonly now: () => number;
  /** Pushes in flight per station and in all (issue 12). */
  readonly pushLimits: PushLimits;
  /** Most pushes and rows sharing one commit (group commit). */
  readonly groupCommit: GroupCommitLimits;
}

export interface CommitEvents {
  /** A commit about to be made with these rows; `committed` says whether it was. */
  committing: [page: CommittedPage, committed: Promise<boolean>];
}

/** A readiness probe for /health: true when that part of the server can serve. */
export type ReadinessCheck = () => boolean | Promise<boolean>;

export interface StationIdentity {
  readonly id: string;
  readonly name: string;
  /** The highest role whose writes it carries and who may log in there (issue 8, issue 12). */
  readonly ceiling: Role;
}

export interface TokenUser {
  readonly id: string;
  readonly username: string;
  readonly role: Role;
}

declare module 'fastify' {
  interface FastifyInstance {
    db: pg.Pool;
    settings: ServerSettings;
    /** The server's own HLC, for rows the server writes itself (the first admin). */
    hlc: HybridLogicalClock;
    /** Parts beyond the database (e.g. the LISTEN connection) register here; /health asks them all. */
    readiness: Map<string, ReadinessCheck>;
    /** Identical concurrent pulls answered from one read (sync/shared-pulls.ts). */
    sharedPulls: SharedPullAnswers;
    /** Commits this instance made whose rows it knows (sync/group-commit.ts), for its live notices. */
    commits: EventEmitter<CommitEvents>;
  }
  interface FastifyRequest {
    station: StationIdentity | null;
    user: TokenUser | null;
  }
}
