import { randomBytes } from 'node:crypto';
import type { Session } from '../shared/dispatch.js';

/**
 * Browser sessions behind the bridge: a random token (in an HttpOnly cookie) per login.
 * They live in memory on purpose: restarting the station logs everyone out, like closing the app.
 */
export class BridgeSessions {
  private readonly byToken = new Map<string, Session>();

  find(token: string | null): Session | null {
    return token ? (this.byToken.get(token) ?? null) : null;
  }

  open(session: Session): string {
    const token = randomBytes(32).toString('base64url');
    this.byToken.set(token, session);
    return token;
  }

  close(token: string | null): void {
    if (token) this.byToken.delete(token);
  }
}
