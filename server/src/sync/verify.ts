import { verify } from 'node:crypto';
import { groupSigningBytes, importPublicKey, verifyGroup, type WriteGroup } from '@mostrador/common';

/** One signature to check: the group, the station that pushed it, the key it must verify with. */
export interface ToVerify {
  readonly publicKey: string;
  readonly group: WriteGroup;
  readonly stationId: string;
}

/** Whether each group is signed by the given key over its canonical bytes (see common/src/signing.ts). */
export function verifyAll(items: readonly ToVerify[]): boolean[] {
  return items.map(({ publicKey, group, stationId }) =>
    verifyGroup(publicKey, groupSigningBytes(group, stationId), group.signature),
  );
}

function verifyOnPool(item: ToVerify): Promise<boolean> {
  const key = importPublicKey(item.publicKey);
  const signature = typeof item.group.signature === 'string' ? Buffer.from(item.group.signature, 'base64url') : null;
  if (!key || !signature || signature.length !== 64 || signature.toString('base64url') !== item.group.signature) {
    return Promise.resolve(false);
  }
  const bytes = groupSigningBytes(item.group, item.stationId);
  return new Promise((resolve) => {
    try {
      verify(null, bytes, key, signature, (error, ok) => resolve(!error && ok));
    } catch {
      resolve(false);
    }
  });
}

/**
 * The same checks on libuv's thread pool: a push's signatures are verified on every core
 * while the main thread waits on the database for the stored rows.
 */
export function verifyAllAsync(items: readonly ToVerify[]): Promise<boolean[]> {
  return Promise.all(items.map(verifyOnPool));
}
