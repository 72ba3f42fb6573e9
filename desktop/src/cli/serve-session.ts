/**
 * Runs `station serve` commands against a station: writes are made as the enrolling user
 * unless a command names another (`"user": "<username>"`), as PROTOCOL.md says. Either must
 * be logged in here (at start with MOSTRADOR_PASSWORD, or by a `login` command): a write
 * is signed with its user's key, so otherwise it is refused with NOT_LOGGED_IN.
 */
import { MostradorError } from '@mostrador/common';
import type { Station } from '../core/index.js';
import type { LiveClient } from '../core/live/live-client.js';
import type { ServeCommand } from './serve-commands.js';

export type Reply = Record<string, unknown>;

export class ServeSession {
  private readonly userByName;

  constructor(
    private readonly station: Station,
    private readonly live: () => LiveClient | null,
  ) {
    this.userByName = station.store.db.prepare<[string], { id: string }>(
      'SELECT id FROM users WHERE username = ? AND deletedAt IS NULL AND active = 1',
    );
  }

  /** The reply's fields besides `tag` and `ok`; throws a MostradorError to refuse. */
  async run(command: Exclude<ServeCommand, { cmd: 'quit' }>): Promise<Reply> {
    switch (command.cmd) {
      case 'put':
        return { row: this.as(command.user, () => this.station.put(command.table, command.row)) };
      case 'delete':
        this.as(command.user, () => this.station.delete(command.table, command.id));
        return {};
      case 'get':
        return { row: this.station.get(command.table, command.id) };
      case 'login': {
        const { id, username, role } = await this.station.unlock(command.user, command.password);
        return { user: { id, username, role } };
      }
      case 'sale': {
        const { items, paymentMethod } = command;
        return { ...this.as(command.user, () => this.station.shop.recordSale({ items, paymentMethod })) };
      }
      case 'sync':
        return { ...(await this.station.sync.sync()) };
      case 'status': {
        const { cursor, head, pending } = this.station.sync.status();
        return { online: this.live()?.connected ?? false, cursor, head, pending };
      }
    }
  }

  private as<T>(username: string | undefined, write: () => T): T {
    this.station.actAs(this.userId(username));
    return write();
  }

  private userId(username: string | undefined): string {
    if (username === undefined) {
      const enrolledBy = this.station.enrolledBy;
      if (!enrolledBy) throw new MostradorError('NOT_ENROLLED');
      return enrolledBy;
    }
    const user = this.userByName.get(username);
    if (!user) throw new MostradorError('NOT_LOGGED_IN', `No active user named ${username} is logged in here.`);
    return user.id;
  }
}
