import { createBookingEngine, type BookingEngine, type Principal } from '../../../sidecar/src/booking';
import { addMember, addResource, everyDay } from '../../../tests/support/seed';
import { at, dayAhead } from '../../../tests/support/time';
import { defineBenchmark, type Benchmark } from './harness';
import { closeGround, openGround, type BenchGround } from './support/place';
import { Tally, WARMUP } from './support/tally';

/**
 * The booking engine under load, without HTTP: 500 decisions at once through the engine (real
 * Redis, the ERP emulator behind the catalog), as the sidecar's share of a booking request.
 * Workers are off, so that the ERP calls counted are those of the member's synchronous path
 * (the ERP writes happen later, in the queue) and the emulator's memory stays out of the figures.
 */

const CONCURRENCY = 500;
/** A run of the one-at-a-time benchmark is a single decision, so its warm-up takes many more runs than a burst's. */
const ONE_AT_A_TIME_WARMUP = 200;

interface Place extends BenchGround {
  engine: BookingEngine;
  members: Principal[];
  tally: Tally;
  day: number;
}

async function openPlace(pool: { capacity: number; walkIn: number }, memberCount = 50): Promise<Place> {
  const ground = await openGround({ name: 'bench', placePrefix: 'bench', seed: 3 });
  const { placeId } = ground;
  const { store } = ground.emulator;
  store.update('Creneau Settings', 'Creneau Settings', { holidays_close: 0 });
  addResource(store, {
    name: 'Coworking',
    item: 'COWORK-DAY',
    prices: { 'Standard Selling': { Hour: 4.5, Day: 25 } },
    fields: { kind: 'Seat Pool', capacity: pool.capacity, walk_in_margin: pool.walkIn, slot_minutes: 60, opening_hours: everyDay('08:00:00', '19:00:00') },
  });
  const users: string[] = [];
  for (let i = 0; i < memberCount; i++) {
    const user = `member${i}.${placeId}@example.org`;
    users.push(user);
    addMember(store, { email: user, firstName: `Member ${i}`, customer: `Member ${i}` });
  }
  const engine = createBookingEngine(ground.engineDeps());
  await engine.start();
  const members = await Promise.all(users.map((user, i) => engine.directory.principalFor(user, `Member ${i}`)));
  // Warm the catalog (members, prices) the way a running sidecar has it.
  for (const member of members) await engine.service.resources(member);
  return { ...ground, engine, members, tally: new Tally(ground.emulator.counters), day: 2 };
}

async function closePlace(place: Place): Promise<void> {
  await place.engine.close();
  await closeGround(place);
}

/** 500 members' requests at once for the same day (a new day each run). */
async function burst(place: Place): Promise<void> {
  const day = dayAhead(place.day++);
  await place.tally.burst(
    CONCURRENCY,
    (i) =>
      place.engine.service.create(place.members[i % place.members.length] as Principal, {
        resourceId: 'Coworking',
        start: at(day, '09:00'),
        end: at(day, '17:00'),
        paymentMode: 'on_site',
      }),
    (outcome) => outcome.ok,
  );
}

function decisionFigures(place: Place): Record<string, string | number> {
  const erpCalls = place.emulator.counters.total();
  return {
    ...place.tally.figures('decision', 'accepted'),
    'ERP calls on the sync path': erpCalls,
    'ERP calls per booking': Number((erpCalls / Math.max(1, place.tally.succeeded)).toFixed(3)),
  };
}

/** One burst per run, counted from the first run after the warm-up. */
async function countedBurst(place: Place): Promise<void> {
  place.tally.startRun(WARMUP);
  await burst(place);
}

export const benchmarks: Benchmark[] = [
  defineBenchmark({
    name: 'booking: 500 concurrent decisions on a 20-seat day, 5 kept for walk-ins (15 accepted)',
    setup: () => openPlace({ capacity: 20, walkIn: 5 }),
    run: countedBurst,
    figures: decisionFigures,
    teardown: closePlace,
    iterations: 20,
    warmup: WARMUP,
  }),
  defineBenchmark({
    name: 'booking: 500 concurrent decisions, all accepted (queued for the ERP)',
    setup: () => openPlace({ capacity: 100_000, walkIn: 0 }),
    run: countedBurst,
    figures: decisionFigures,
    teardown: closePlace,
    iterations: 10,
    warmup: WARMUP,
  }),
  defineBenchmark({
    name: 'booking: one decision at a time (the engine’s own time per request)',
    setup: () => openPlace({ capacity: 100_000, walkIn: 0 }),
    run: async (place) => {
      const run = place.tally.startRun(ONE_AT_A_TIME_WARMUP);
      const day = dayAhead(2 + (run % 60));
      const member = place.members[(run + 1) % place.members.length] as Principal;
      const outcome = await place.engine.service.create(member, { resourceId: 'Coworking', start: at(day, '09:00'), end: at(day, '17:00'), paymentMode: 'on_site' });
      if (!outcome.ok) throw new Error(`refused: ${outcome.reasons.map((r) => r.code).join(', ')}`);
    },
    figures: (place) => ({ 'ERP calls on the sync path': place.emulator.counters.total() }),
    teardown: closePlace,
    iterations: 2_000,
    warmup: ONE_AT_A_TIME_WARMUP,
  }),
  defineBenchmark({
    name: 'booking: resident memory after 10,000 bookings (one day’s availability timed)',
    setup: async () => {
      const place = await openPlace({ capacity: 100_000, walkIn: 0 });
      place.tally.reset();
      const before = process.memoryUsage();
      for (let i = 0; i < 20; i++) await burst(place);
      global.gc?.();
      const after = process.memoryUsage();
      return { place, before, after, day: dayAhead(2) };
    },
    run: async ({ place, day }) => {
      const outcome = await place.engine.service.availability(place.members[0] as Principal, { resourceIds: ['Coworking'], from: at(day, '00:00'), to: at(day, '23:59') });
      if (!outcome.ok) throw new Error('availability refused');
    },
    figures: ({ place, before, after }) => ({
      bookings: place.tally.succeeded,
      'rss MB': Math.round(after.rss / 2 ** 20),
      'rss growth MB': Math.round((after.rss - before.rss) / 2 ** 20),
      'heap used MB': Math.round(after.heapUsed / 2 ** 20),
      'ERP calls on the sync path': place.emulator.counters.total(),
    }),
    teardown: ({ place }) => closePlace(place),
    iterations: 50,
    warmup: 5,
  }),
];
