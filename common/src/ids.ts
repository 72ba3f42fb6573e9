import { randomBytes } from 'node:crypto';

/**
 * A UUIDv7 (RFC 9562): 48 bits of Unix milliseconds, then random bits. Time-ordered
 * keys keep B-tree inserts local on both databases.
 */
export { v7 as newId } from 'uuid';

/** A random HLC node id: 16 hex digits. */
export function newNodeId(): string {
  return randomBytes(8).toString('hex');
}
