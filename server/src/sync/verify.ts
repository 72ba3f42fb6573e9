import { groupSigningBytes, verifyGroup, type WriteGroup } from '@mostrador/common';

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
