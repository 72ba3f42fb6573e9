import { MostradorError, type Role, type SessionUser, verifyPassword } from '@mostrador/common';
import type { LocalStore } from './store/store.js';
import type { Actor } from './store/writer.js';

interface LocalUser {
  id: string;
  username: string;
  displayName: string;
  role: Role;
  passwordHash: string;
}

/**
 * Who is working at the station. Login checks the synced password hash in the local
 * `users` table, so it works offline; every write is attributed to the session's user.
 */
export class Session {
  private current: SessionUser | null = null;
  private readonly byUsername;
  private readonly byId;

  constructor(store: LocalStore) {
    const columns = 'id, username, displayName, role, passwordHash';
    const live = 'deletedAt IS NULL AND active = 1';
    this.byUsername = store.db.prepare<[string], LocalUser>(
      `SELECT ${columns} FROM users WHERE username = ? AND ${live}`,
    );
    this.byId = store.db.prepare<[string], LocalUser>(`SELECT ${columns} FROM users WHERE id = ? AND ${live}`);
  }

  async login(username: string, password: string): Promise<SessionUser> {
    const user = this.byUsername.get(username);
    // Verify against a throwaway hash when the user is unknown, so timing does not tell.
    const ok = await verifyPassword(password, user?.passwordHash ?? UNKNOWN_USER_HASH);
    if (!user || !ok) throw new MostradorError('INVALID_CREDENTIALS');
    this.current = publicUser(user);
    return this.current;
  }

  /** Act as a known user without a password: the station's enrolling user in `station serve`. */
  actAs(userId: string): SessionUser {
    const user = this.byId.get(userId);
    if (!user) throw new MostradorError('NOT_FOUND', `No active user with id ${userId} on this station.`);
    this.current = publicUser(user);
    return this.current;
  }

  logout(): void {
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
}

function publicUser({ id, username, displayName, role }: LocalUser): SessionUser {
  return { id, username, displayName, role };
}

const UNKNOWN_USER_HASH = 'scrypt$131072$8$1$AAAAAAAAAAAAAAAAAAAAAA$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA';
