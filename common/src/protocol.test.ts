import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { PROTOCOL_VERSION, WIRE_SCHEMAS } from './schemas.js';

/**
 * The protocol-version guard: stations and servers of different releases meet in the
 * field, so a change to any wire schema must come with a PROTOCOL_VERSION bump (and a
 * README note). When this fails: bump PROTOCOL_VERSION, then record the new hash here.
 */
const SCHEMA_HASHES: Record<number, string> = {
  1: '83d358a5ee57d7a8',
  // 2: `changes` notices may carry `from` and `page` (the changes since the previous notice).
  2: 'ba9c4e1415adf458',
  // 3: pushes carry signed write groups answered per group; users carry
  // publicKey and sealedKey; stations have a ceiling; the admins' review list (issue 8);
  // pull answers and the hello carry `epoch`; integrity routes; station health fields
  // (issue 9); the counter's tables and fields (issue 10); products.minStock and a station
  // withdrawing its own held group (issue 13); the bootstrap snapshot's query (issue 11).
  3: '5c7f298acddae203',
  // 4 (this release): a push may carry `epoch` (refused with HISTORY_CHANGED from another
  // history) and `protocol`; the code MISSING_REFERENCE, answered only to protocol 4 pushes.
  4: '656eaa6bc34beff9',
};

describe('wire protocol', () => {
  it('bumps PROTOCOL_VERSION whenever a wire schema changes', () => {
    const hash = createHash('sha256').update(JSON.stringify(WIRE_SCHEMAS)).digest('hex').slice(0, 16);
    expect({ version: PROTOCOL_VERSION, hash }).toEqual({
      version: PROTOCOL_VERSION,
      hash: SCHEMA_HASHES[PROTOCOL_VERSION],
    });
  });
});
