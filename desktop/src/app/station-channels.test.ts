import { afterEach, describe, expect, it } from 'vitest';
import { offlineStation } from '../../../test/support/station.js';
import { applyPushAnswer } from '../core/sync/push.js';
import { createStationChannels } from './station-channels.js';
import { StationHost } from './station-host.js';

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0)) await cleanup();
});

describe('refused write groups in the app', () => {
  it('lists each refused row with its group and state, and dismisses a rejected group only', async () => {
    const station = await offlineStation();
    station.store.meta.set('bootstrapped', '1');
    const host = new StationHost({ dataDir: '', station });
    const channels = createStationChannels(host);
    cleanups.push(
      () => channels.close(),
      () => station.close(),
    );
    const session = { user: station.user };
    const held = station.put('customers', { name: 'Held' });
    const rejected = station.put('customers', { name: 'Rejected' });
    const [heldGroup, rejectedGroup] = station.store.outbox.nextPage(0, 10);
    applyPushAnswer(
      station.store,
      [heldGroup, rejectedGroup].filter((g) => g !== undefined),
      {
        cursor: 1,
        applied: [],
        superseded: [],
        rejected: [],
        groups: [
          { id: heldGroup?.id as string, status: 'held', code: 'FORBIDDEN', message: 'Review.' },
          { id: rejectedGroup?.id as string, status: 'rejected', code: 'FORBIDDEN', message: 'Bad signature.' },
        ],
      },
    );
    const refused = await channels.handlers['sync:refused']({}, session);
    expect(refused.rows).toEqual([
      {
        table: 'customers',
        id: held.id,
        code: 'FORBIDDEN',
        message: 'Review.',
        groupId: heldGroup?.id,
        state: 'held',
        label: held.name,
      },
      {
        table: 'customers',
        id: rejected.id,
        code: 'FORBIDDEN',
        message: 'Bad signature.',
        groupId: rejectedGroup?.id,
        label: rejected.name,
        state: 'rejected',
      },
    ]);
    await expect(
      channels.handlers['sync:dismiss']({ groupId: heldGroup?.id as string }, session),
    ).rejects.toMatchObject({
      code: 'CONFLICT',
    });
    // Only a held group can be discarded (withdrawn on the server); a rejected one is dismissed.
    await expect(
      channels.handlers['sync:discard']({ groupId: rejectedGroup?.id as string }, session),
    ).rejects.toMatchObject({ code: 'CONFLICT' });
    const after = await channels.handlers['sync:dismiss']({ groupId: rejectedGroup?.id as string }, session);
    expect(after.rows.map((row) => row.state)).toEqual(['held']);
    expect((await channels.handlers['sync:status']({}, session)).refused).toBe(1);
  });
});
