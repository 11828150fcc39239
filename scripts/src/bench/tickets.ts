import { DateTime } from 'luxon';
import type { Principal } from '../../../sidecar/src/booking';
import { createTicketEngine, type TicketEngine } from '../../../sidecar/src/tickets';
import { PARIS } from '../../../tests/support/time';
import { defineBenchmark, type Benchmark } from './harness';
import { closeGround, openGround, type BenchGround } from './support/place';
import { Tally, WARMUP } from './support/tally';

/** Warm-up runs of the one-at-a-time benchmark, left out of its figures like the harness leaves them out of its times. */
const ONE_AT_A_TIME_WARMUP = 50;

/**
 * The ticket ledger under load, without HTTP: debits decided through the engine on real Redis
 * (one Lua script per movement), as the ledger's share of a booking paid with tickets. Workers are
 * off: the ERP writes happen later, in the queue, and are not what is measured here.
 */

const PACK = 'Carnet 10 demi-journées';
const MANAGER: Principal = { user: 'bench-manager', fullName: 'Bench', customer: null, roles: ['Creneau Manager'], isManager: true };

interface Place extends BenchGround {
  tickets: TicketEngine;
  customers: string[];
  tally: Tally;
  next: number;
}

const day = DateTime.now().setZone(PARIS).startOf('day').plus({ days: 5 });
const start = day.set({ hour: 9 }).toMillis();
const end = day.set({ hour: 12, minute: 30 }).toMillis();

async function openPlace(memberCount: number): Promise<Place> {
  const ground = await openGround({ name: 'bench-tickets', placePrefix: 'bench-tk', seed: 7 });
  const { store } = ground.emulator;
  store.insert({ doctype: 'Item', item_code: 'COWORK', item_name: 'Coworking', item_group: 'Services', stock_uom: 'Hour', is_stock_item: 0 });
  store.insert({
    doctype: 'Creneau Resource',
    resource_name: 'Coworking',
    item: 'COWORK',
    kind: 'Seat Pool',
    capacity: 100,
    slot_minutes: 30,
    opening_hours: ['Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday'].map((weekday) => ({ weekday, from_time: '08:00:00', to_time: '20:00:00' })),
  });
  store.insert({ doctype: 'Item', item_code: 'CARNET-10', item_name: PACK, item_group: 'Services', stock_uom: 'Nos', is_stock_item: 0 });
  store.insert({ doctype: 'Creneau Ticket Pack Type', pack_type_name: PACK, item: 'CARNET-10', tickets_per_pack: 10, ticket_unit: 'Half Day', validity_days: 365 });
  const customers: string[] = [];
  for (let i = 0; i < memberCount; i++) {
    const name = `Membre ${String(i)}`;
    store.insert({ doctype: 'Customer', customer_name: name, customer_type: 'Individual', customer_group: 'Individual', territory: 'France' });
    customers.push(name);
  }
  const tickets = createTicketEngine(ground.engineDeps());
  await tickets.start();
  return { ...ground, tickets, customers, tally: new Tally(ground.emulator.counters), next: 0 };
}

async function closePlace(place: Place): Promise<void> {
  await place.tickets.close();
  await closeGround(place);
}

async function credit(place: Place, customer: string, tickets: number): Promise<void> {
  const result = await place.tickets.service.correct(MANAGER, customer, { packType: PACK, quantity: tickets, reason: 'bench' });
  if (!result.ok) throw new Error(`credit refused: ${result.reasons.map((r) => r.code).join(', ')}`);
}

/** `count` debits of one half-day at once, member i % members; their times and outcomes counted. */
async function burst(place: Place, count: number, members: readonly string[]): Promise<void> {
  await place.tally.burst(
    count,
    (i) =>
      place.tickets.bookings.debitForBooking({
        bookingId: `bk_bench${String(place.next++).padStart(12, '0')}`,
        customer: members[i % members.length] ?? '',
        resourceId: 'Coworking',
        lines: [{ itemCode: 'COWORK', uom: 'Half Day', qty: 1, rate: 800, amount: 800 }],
        start,
        end,
        mode: 'all_or_nothing',
      }),
    (r) => r.ok && r.status === 'debited',
  );
}

function figures(place: Place): Record<string, string | number> {
  return {
    ...place.tally.figures('debit', 'debited'),
    'ERP calls on the sync path': place.emulator.counters.total(),
  };
}

export const benchmarks: Benchmark[] = [
  defineBenchmark({
    name: 'tickets: 200 debits at once by one member holding 10 tickets (contention on one lot)',
    setup: () => openPlace(1),
    run: async (place) => {
      place.tally.startRun(WARMUP);
      const member = place.customers[0] ?? '';
      await credit(place, member, 10);
      await burst(place, 200, [member]);
    },
    figures,
    teardown: closePlace,
    iterations: 20,
    warmup: WARMUP,
  }),
  defineBenchmark({
    name: 'tickets: 500 debits at once over 500 members (no contention)',
    setup: async () => {
      const place = await openPlace(500);
      for (const customer of place.customers) await credit(place, customer, 1_000);
      return place;
    },
    run: async (place) => {
      place.tally.startRun(WARMUP);
      await burst(place, 500, place.customers);
    },
    figures,
    teardown: closePlace,
    iterations: 20,
    warmup: WARMUP,
  }),
  defineBenchmark({
    name: 'tickets: one debit at a time by a member with 1,000 entries already',
    setup: async () => {
      const place = await openPlace(1);
      const member = place.customers[0] ?? '';
      await credit(place, member, 100_000);
      for (let i = 0; i < 10; i++) await burst(place, 100, [member]);
      return place;
    },
    run: async (place) => {
      place.tally.startRun(ONE_AT_A_TIME_WARMUP);
      await burst(place, 1, place.customers);
    },
    figures,
    teardown: closePlace,
    iterations: 500,
    warmup: ONE_AT_A_TIME_WARMUP,
  }),
];
