import type { KeyObject } from 'node:crypto';

/**
 * The signing keys of the users logged in at this station, unsealed at login and kept in
 * memory only (never written anywhere). A write is signed with its user's key when its
 * transaction commits; a user with no key here cannot write (NOT_LOGGED_IN).
 */
export class Keyring {
  private readonly keys = new Map<string, KeyObject>();

  add(userId: string, privateKey: KeyObject): void {
    this.keys.set(userId, privateKey);
  }

  get(userId: string): KeyObject | null {
    return this.keys.get(userId) ?? null;
  }

  has(userId: string): boolean {
    return this.keys.has(userId);
  }

  remove(userId: string): void {
    this.keys.delete(userId);
  }

  clear(): void {
    this.keys.clear();
  }
}
