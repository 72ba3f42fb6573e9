import {
  type Change,
  MostradorError,
  type Role,
  type SessionUser,
  unsealUserKey,
  verifyPassword,
  WITHHELD_PASSWORD_HASH,
} from '@mostrador/common';
import type { LocalStore } from './store/store.js';
import type { Actor } from './store/writer.js';

interface LocalUser {
  id: string;
  username: string;
  displayName: string;
  role: Role;
  passwordHash: string;
  publicKey: string | null;
  sealedKey: string | null;
}

/**
 * Who is working at the station. Login checks the synced password hash in the local
 * `users` table and opens the user's sealed signing key with the same password, so it works
 * offline; the key joins the store's keyring (memory only) and signs that user's writes.
 * Several users may be logged in at once (`station serve`, browser sessions); `user` is
 * the one the station acts as by default.
 */
export class Session {
  private current: SessionUser | null = null;
  private readonly byUsername;
  private readonly byId;

  constructor(private readonly store: LocalStore) {
    const columns = 'id, username, displayName, role, passwordHash, publicKey, sealedKey';
    const live = 'deletedAt IS NULL AND active = 1';
    this.byUsername = store.db.prepare<[string], LocalUser>(
      `SELECT ${columns} FROM users WHERE username = ? AND ${live}`,
    );
    this.byId = store.db.prepare<[string], LocalUser>(`SELECT ${columns} FROM users WHERE id = ? AND ${live}`);
  }

  /** Log in and act as this user from now on. */
  async login(username: string, password: string): Promise<SessionUser> {
    const user = await this.unlock(username, password);
    this.current = user;
    return user;
  }

  /**
   * Check a user's password and open their signing key, without changing who the station
   * acts as: the user may then be named by writes (`actAs`). A user without a key (created
   * before keys existed) may log in but not write until an admin sets their password.
   */
  async unlock(username: string, password: string): Promise<SessionUser> {
    const user = this.byUsername.get(username);
    // Verify against a throwaway hash when the user is unknown, so timing does not tell.
    const ok = await verifyPassword(password, user?.passwordHash ?? UNKNOWN_USER_HASH);
    if (user?.passwordHash === WITHHELD_PASSWORD_HASH) {
      // The server sends this station only the verifiers of who may log in here (issue 12).
      throw new MostradorError(
        'FORBIDDEN',
        `${user.username} (${user.role}) cannot log in at this station: it is set up for lower roles. Log in at a back-office station, or ask an admin to raise this station's use.`,
      );
    }
    if (!user || !ok) throw new MostradorError('INVALID_CREDENTIALS');
    if (user.sealedKey && user.publicKey) {
      const key = await unsealUserKey(user.sealedKey, user.publicKey, password);
      this.store.keyring.add(user.id, key);
      this.signWaitingGroups(user.id);
    }
    return publicUser(user);
  }

  /** Act as a user logged in at this station (`station serve`'s `user`, a browser session's user). */
  actAs(userId: string): SessionUser {
    const user = this.byId.get(userId);
    if (!user) throw new MostradorError('NOT_FOUND', `No active user with id ${userId} on this station.`);
    if (!this.store.keyring.has(userId)) {
      throw new MostradorError('NOT_LOGGED_IN', `${user.username} is not logged in at this station.`);
    }
    this.current = publicUser(user);
    return this.current;
  }

  /** Log the current user out: their key leaves memory. */
  logout(): void {
    if (this.current) this.store.keyring.remove(this.current.id);
    this.current = null;
  }

  get user(): SessionUser | null {
    return this.current;
  }

  /** The acting user of a write; refuses when nobody is logged in. */
  actor(): Actor {
    if (!this.current) throw new MostradorError('NOT_LOGGED_IN');
    return this.current;
  }

  /**
   * Groups the old row outbox left unsigned (see migration 002) are this user's last writes:
   * sign them with the row's current state, so they can be pushed.
   */
  private signWaitingGroups(userId: string): void {
    const waiting = this.store.outbox.unsignedOf(userId);
    if (waiting.length === 0) return;
    this.store.transaction(() => {
      for (const group of waiting) {
        const changes: Change[] = [];
        for (const { table, id, baseVersion } of group.changes) {
          const row = this.store.rows.get(table, id);
          // Edited since by someone else: that edit is its own group, already signed.
          if (row && row.updatedBy === userId) changes.push({ table, row, baseVersion });
        }
        if (changes.length === 0) {
          this.store.outbox.remove(group.seq);
          continue;
        }
        const body = { id: group.id, userId, version: group.version, changes };
        this.store.outbox.sign(group.seq, changes, this.store.signGroup(body));
      }
    });
  }
}

function publicUser({ id, username, displayName, role }: LocalUser): SessionUser {
  return { id, username, displayName, role };
}

const UNKNOWN_USER_HASH = 'scrypt$131072$8$1$AAAAAAAAAAAAAAAAAAAAAA$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA';
