/**
 * Property: whatever stations do offline and in whatever order they sync, once everyone
 * has synced, every station's `station dump` equals the server's state, and every write
 * is either current on the server, in the conflict log, or was knowingly replaced by a
 * write based on it (the same station editing again, or one that had pulled it).
 */
import { dirname } from 'node:path';
import { MostradorError } from '@mostrador/common';
import fc from 'fast-check';
import pg from 'pg';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Station } from '../desktop/src/core/index.js';
import { startTestServer, type TestServer } from '../test/support/server.js';
import { openTestStation, runStation, serverState, stationToken } from '../test/support/station.js';

let server: TestServer;
let central: pg.Client;

beforeAll(async () => {
  server = await startTestServer();
  central = new pg.Client({ connectionString: server.databaseUrl });
  await central.connect();
});
afterAll(async () => {
  await central?.end();
  await server?.close();
});

type Op =
  | { kind: 'createProduct' | 'createCustomer' | 'sync' | 'push' | 'pull'; station: number }
  | { kind: 'editProduct' | 'editCustomer'; station: number; pick: number; value: number }
  | { kind: 'deleteProduct'; station: number; pick: number }
  | { kind: 'sale'; station: number; pick: number; value: number };

const station = fc.nat({ max: 4 });
const pick = fc.nat({ max: 3 });
const value = fc.integer({ min: 1, max: 9 });
// Weighted towards edits and bare pulls: a pull landing between a local edit and its push is
// where a station could lose a write, so the runs should meet it often.
const opArb: fc.Arbitrary<Op> = fc.oneof(
  {
    weight: 2,
    arbitrary: fc.record({ kind: fc.constantFrom('createProduct' as const, 'createCustomer' as const), station }),
  },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('pull' as const), station }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constantFrom('sync' as const, 'push' as const), station }) },
  {
    weight: 4,
    arbitrary: fc.record({
      kind: fc.constantFrom('editProduct' as const, 'editCustomer' as const),
      station,
      pick,
      value,
    }),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('deleteProduct' as const), station, pick }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('sale' as const), station, pick, value }) },
);

interface Write {
  table: string;
  id: string;
  version: string;
  base: string | null;
}

class Scenario {
  readonly writes: Write[] = [];
  readonly products: string[] = [];
  readonly customers: string[] = [];
  private serial = 0;

  constructor(readonly stations: Station[]) {}

  async run(op: Op): Promise<void> {
    const s = this.stations[op.station % this.stations.length] as Station;
    try {
      await this.apply(s, op);
    } catch (error) {
      // Editing a row this station has not pulled yet, selling a deleted product: refused, nothing written.
      if (!(error instanceof MostradorError) || !['NOT_FOUND', 'VALIDATION'].includes(error.code)) throw error;
    }
  }

  private async apply(s: Station, op: Op): Promise<void> {
    this.serial += 1;
    switch (op.kind) {
      case 'sync':
        await s.sync.sync();
        return;
      case 'push':
        await s.sync.pushOutbox();
        return;
      case 'pull':
        await s.sync.pullChanges();
        return;
      case 'createProduct':
        this.products.push(
          this.write(s, 'products', {
            sku: `P-${crypto.randomUUID()}`,
            name: `Item ${this.serial}`,
            price: 100,
            active: true,
          }).id,
        );
        return;
      case 'createCustomer':
        this.customers.push(this.write(s, 'customers', { name: `Customer ${this.serial}` }).id);
        return;
      case 'editProduct':
        this.write(s, 'products', { id: this.existing(s, 'products', this.products, op.pick), price: op.value * 100 });
        return;
      case 'editCustomer':
        this.write(s, 'customers', {
          id: this.existing(s, 'customers', this.customers, op.pick),
          name: `Renamed ${this.serial}`,
        });
        return;
      case 'deleteProduct': {
        const id = this.existing(s, 'products', this.products, op.pick);
        const base = s.get('products', id)?.version ?? null;
        const row = s.delete('products', id);
        this.writes.push({ table: 'products', id, version: row.version, base });
        return;
      }
      case 'sale': {
        const productId = this.existing(s, 'products', this.products, op.pick);
        const { sale, items } = s.shop.recordSale({
          items: [{ productId, quantity: op.value }],
          paymentMethod: 'cash',
        });
        for (const [table, row] of [['sales', sale], ...items.map((i) => ['sale_items', i] as const)] as const) {
          this.writes.push({ table, id: row.id, version: row.version, base: null });
        }
      }
    }
  }

  private existing(s: Station, table: 'products' | 'customers', ids: string[], index: number): string {
    const id = ids.length > 0 ? ids[index % ids.length] : undefined;
    if (!id || !s.get(table, id)) throw new MostradorError('NOT_FOUND', 'not on this station yet');
    return id;
  }

  private write(s: Station, table: 'products' | 'customers', row: Record<string, unknown>) {
    const base = typeof row.id === 'string' ? (s.get(table, row.id)?.version ?? null) : null;
    const written = s.put(table, row);
    this.writes.push({ table, id: written.id, version: written.version, base });
    return written;
  }
}

it('converges every station to the server state and loses no acknowledged write', async () => {
  await fc.assert(
    fc.asyncProperty(
      fc.integer({ min: 3, max: 5 }),
      fc.array(opArb, { minLength: 10, maxLength: 40 }),
      async (count, ops) => {
        const stations: Station[] = [];
        for (let i = 0; i < count; i += 1) stations.push(await openTestStation(server, `prop-${i}`));
        const scenario = new Scenario(stations);
        const token = stationToken(stations[0] as Station);
        try {
          // Rows every station holds from the start, so edits meet each other from the first op.
          for (let i = 0; i < 2; i += 1) {
            await scenario.run({ kind: 'createProduct', station: 0 });
            await scenario.run({ kind: 'createCustomer', station: 0 });
          }
          for (const s of stations) await s.sync.sync();
          for (const op of ops) await scenario.run(op);
          for (let round = 0; round < 2; round += 1) for (const s of stations) await s.sync.sync();
        } finally {
          for (const s of stations) s.close();
        }
        const state = await serverState(server.url, token);
        for (const s of stations) {
          const dump = await runStation(['dump', '--data', dirname(s.store.db.name)]);
          expect(dump.error).toBeNull();
          expect(dump.json.pending).toBe(0);
          expect(dump.json.tables).toEqual(state);
        }
        const current = new Set(
          Object.entries(state).flatMap(([t, rows]) => rows.map((r) => `${t}/${r.id}/${r.version}`)),
        );
        const { rows: lost } = await central.query(
          `SELECT "tableName", "rowId", lost->>'version' AS version FROM conflicts`,
        );
        const logged = new Set(lost.map((c) => `${c.tableName}/${c.rowId}/${c.version}`));
        const replacedKnowingly = new Set(scenario.writes.map((w) => `${w.table}/${w.id}/${w.base}`));
        for (const w of scenario.writes) {
          const key = `${w.table}/${w.id}/${w.version}`;
          expect(current.has(key) || logged.has(key) || replacedKnowingly.has(key), `write ${key} vanished`).toBe(true);
        }
      },
    ),
    {
      numRuns: 8,
      endOnFailure: true,
      // Runs first: a pull landing between a local edit and its push, which random runs meet rarely.
      examples: [
        [
          3,
          [
            { kind: 'editProduct', station: 0, pick: 0, value: 2 },
            { kind: 'sync', station: 2 },
            { kind: 'editProduct', station: 1, pick: 0, value: 3 },
            { kind: 'sync', station: 1 },
            { kind: 'pull', station: 0 },
          ],
        ],
      ],
    },
  );
}, 240_000);
