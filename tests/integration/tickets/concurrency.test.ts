import type { Redis } from 'ioredis';
import type { DebitResult, LedgerEntry } from '../../../sidecar/src/domain';
import { connectRedis } from '../../../sidecar/src/redis/connection';
import type { TicketEngine } from '../../../sidecar/src/tickets';
import { TicketStore } from '../../../sidecar/src/tickets/store';
import { at, dayAhead, eventually, startTicketPlace, type TicketTestPlace } from './support';

/**
 * Done-when of the issue: 200 simultaneous bookings by one member holding 10 tickets, decided by
 * four engines on their own Redis connections (as four sidecar processes): exactly 10 tickets
 * debited, the balance never negative at any moment, every other booking refused (all or nothing)
 * or left to pay online in full (partial), and the ERP holding exactly the 10 debits.
 */

const PACK = { name: 'Carnet 10 demi-journées coworking', item: 'CARNET-10-DJ', ticketsPerPack: 10, unit: 'Half Day' as const, validityDays: 365 };
const BOOKINGS = 200;
const day = dayAhead(4);

let place: TicketTestPlace;
const engines: TicketEngine[] = [];
const connections: Redis[] = [];

beforeAll(async () => {
  place = await startTicketPlace({ packs: [PACK], members: [{ key: 'alice' }, { key: 'bob' }] });
  for (let i = 0; i < 4; i++) {
    const redis = await connectRedis(place.base.redisUrl, { name: `tickets-concurrency-${String(i)}` });
    connections.push(redis);
    engines.push(await place.tickets({}, undefined, undefined, redis));
  }
}, 30_000);

afterAll(async () => {
  await place.close();
  for (const redis of connections) await redis.quit();
});

/** Watches the member's lots while the debits run: the smallest value ever seen in any lot, and in the balance. */
function watch(customer: string): { stop: () => Promise<{ lowestLot: number; lowestBalance: number; samples: number }> } {
  const store = new TicketStore(place.base.redis, place.base.keys);
  const lotsKey = store.key('c', TicketStore.customerHash(customer), 'l');
  const state = { running: true };
  let lowestLot = Number.POSITIVE_INFINITY;
  let lowestBalance = Number.POSITIVE_INFINITY;
  let samples = 0;
  const loop = (async () => {
    while (state.running) {
      const values = (await place.base.redis.hvals(lotsKey)).map(Number);
      lowestLot = Math.min(lowestLot, ...values);
      lowestBalance = Math.min(lowestBalance, values.reduce((sum, v) => sum + v, 0));
      samples++;
      await new Promise((resolve) => setImmediate(resolve));
    }
  })();
  return {
    stop: async () => {
      state.running = false;
      await loop;
      return { lowestLot, lowestBalance, samples };
    },
  };
}

function lowestWhileReplaying(entries: readonly LedgerEntry[]): { lowestLot: number; lowestBalance: number } {
  const lots = new Map<string, number>();
  let total = 0;
  let lowestLot = Number.POSITIVE_INFINITY;
  let lowestBalance = Number.POSITIVE_INFINITY;
  for (const entry of entries) {
    const lot = entry.lot ?? entry.key;
    const left = (lots.get(lot) ?? 0) + entry.quantity;
    lots.set(lot, left);
    total += entry.quantity;
    lowestLot = Math.min(lowestLot, left);
    lowestBalance = Math.min(lowestBalance, total);
  }
  return { lowestLot, lowestBalance };
}

async function twoHundredBookings(key: string, mode: 'all_or_nothing' | 'partial'): Promise<DebitResult[]> {
  const customer = place.customer(key);
  await engines[0]?.onInvoiceChanged(await place.sellPack(customer, PACK.item, 1));
  const ids = Array.from({ length: BOOKINGS }, (_, i) => `bk_conc${key}${mode.slice(0, 3)}${String(i).padStart(8, '0')}`);
  for (const id of ids) place.erpBooking(customer, id);
  const watcher = watch(customer);
  const results = await Promise.all(
    ids.map((bookingId, i) =>
      (engines[i % engines.length] as TicketEngine).bookings.debitForBooking({
        bookingId,
        customer,
        resourceId: 'Coworking',
        lines: [{ itemCode: 'RES-COWORKING', uom: 'Half Day', qty: 1, rate: 800, amount: 800 }],
        start: at(day, '08:00'),
        end: at(day, '12:00'),
        mode,
      }),
    ),
  );
  const seen = await watcher.stop();
  expect(seen.samples).toBeGreaterThan(0);
  expect(seen.lowestLot).toBeGreaterThanOrEqual(0);
  expect(seen.lowestBalance).toBeGreaterThanOrEqual(0);
  // Redis keeps the entries in the order they were applied: replaying them is the balance at every
  // moment, sampled or not.
  const replay = lowestWhileReplaying((await place.redisLedger(customer)).entries);
  expect(replay).toEqual({ lowestLot: 0, lowestBalance: 0 });
  return results;
}

describe('200 simultaneous bookings by one member holding 10 tickets', () => {
  it('all or nothing: exactly 10 are paid with tickets, 190 are refused with the reason, the balance ends at 0', async () => {
    const results = await twoHundredBookings('alice', 'all_or_nothing');
    const debited = results.filter((r) => r.ok && r.status === 'debited');
    const refused = results.filter((r) => !r.ok);
    expect(debited).toHaveLength(10);
    expect(refused).toHaveLength(190);
    expect(new Set(refused.map((r) => r.reason.code))).toEqual(new Set(['TICKETS_INSUFFICIENT']));
    const balance = await engines[1]?.service.balance(place.member('alice'));
    expect(balance?.packs.map((p) => p.tickets)).toEqual([0]);

    const alice = place.customer('alice');
    const ledger = await place.redisLedger(alice);
    expect(ledger.entries.filter((e) => e.type === 'debit').reduce((sum, e) => sum + e.quantity, 0)).toBe(-10);
    await eventually(async () => ((await engines[0]?.pendingErpWrites()) === 0 ? true : undefined), 'the debits in the ERP', 60_000);
    const erpDebits = place.erpEntries(alice).filter((doc) => doc.entry_type === 'Debit');
    expect(erpDebits).toHaveLength(10);
    expect(erpDebits.reduce((sum, doc) => sum + Number(doc.quantity), 0)).toBe(-10);
  }, 60_000);

  it('partial: exactly 10 are paid with tickets, the 190 others are left to pay online in full', async () => {
    const results = await twoHundredBookings('bob', 'partial');
    const covered = results.filter((r) => r.ok && r.status === 'debited' && r.onlineAmount === 0);
    const online = results.filter((r) => r.ok && r.status === 'debited' && r.coveredAmount === 0);
    expect(covered).toHaveLength(10);
    expect(online).toHaveLength(190);
    expect(online.every((r) => r.ok && r.status === 'debited' && r.onlineAmount === 800 && r.entries.length === 0)).toBe(true);
    const balance = await engines[2]?.service.balance(place.member('bob'));
    expect(balance?.packs.map((p) => p.tickets)).toEqual([0]);
  }, 60_000);
});
