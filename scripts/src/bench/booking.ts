import { performance } from 'node:perf_hooks';
import { DateTime } from 'luxon';
import { createBookingEngine, type BookingEngine, type Principal } from '../../../sidecar/src/booking';
import { silentLogger } from '../../../sidecar/src/log';
import { defineBenchmark, percentile, type Benchmark } from './harness';
import { closeGround, openGround, type BenchGround } from './support/place';

/**
 * The booking engine under load, without HTTP: 500 decisions at once through the engine (real
 * Redis, the ERP emulator behind the catalog), as the sidecar's share of a booking request.
 * Workers are off, so that the ERP calls counted are those of the member's synchronous path
 * (the ERP writes happen later, in the queue) and the emulator's memory stays out of the figures.
 */

const ZONE = 'Europe/Paris';
const CONCURRENCY = 500;

interface Place extends BenchGround {
  engine: BookingEngine;
  members: Principal[];
  /** Per-decision times (ms) and the tally of every run. */
  latencies: number[];
  decisions: number;
  accepted: number;
  seconds: number;
  day: number;
  /** Runs so far; the counters start after the harness's warm-up runs. */
  runs: number;
}

function dayAhead(days: number): string {
  return DateTime.now().setZone(ZONE).startOf('day').plus({ days }).toISODate() ?? '';
}

function at(date: string, time: string): number {
  return DateTime.fromISO(`${date}T${time}`, { zone: ZONE }).toMillis();
}

async function openPlace(pool: { capacity: number; walkIn: number }, memberCount = 50): Promise<Place> {
  const ground = await openGround({ name: 'bench', placePrefix: 'bench', seed: 3 });
  const { placeId } = ground;
  const { store } = ground.emulator;
  store.update('Creneau Settings', 'Creneau Settings', { holidays_close: 0 });
  store.insert({ doctype: 'Item', item_code: 'COWORK-DAY', item_name: 'Coworking', item_group: 'Services', stock_uom: 'Hour', is_stock_item: 0 });
  store.insert({ doctype: 'Item Price', item_code: 'COWORK-DAY', uom: 'Hour', price_list: 'Standard Selling', price_list_rate: 4.5 });
  store.insert({ doctype: 'Item Price', item_code: 'COWORK-DAY', uom: 'Day', price_list: 'Standard Selling', price_list_rate: 25 });
  store.insert({
    doctype: 'Creneau Resource',
    resource_name: 'Coworking',
    item: 'COWORK-DAY',
    kind: 'Seat Pool',
    capacity: pool.capacity,
    walk_in_margin: pool.walkIn,
    slot_minutes: 60,
    horizon_days: 0,
    opening_hours: ['Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday', 'Sunday'].map((weekday) => ({ weekday, from_time: '08:00:00', to_time: '19:00:00' })),
  });
  const users: string[] = [];
  for (let i = 0; i < memberCount; i++) {
    const user = `member${i}.${placeId}@example.org`;
    users.push(user);
    store.insert({ doctype: 'User', email: user, first_name: `Member ${i}`, send_welcome_email: 0 });
    store.insert({ doctype: 'Customer', customer_name: `Member ${i}`, customer_type: 'Individual', customer_group: 'Individual', territory: 'France', portal_users: [{ user }] });
  }
  const engine = createBookingEngine({
    place: { id: placeId, name: 'Bench', timeZone: ZONE, erp: ground.erp, keys: ground.keys },
    redis: ground.redis,
    redisUrl: ground.redisServer.url,
    logger: silentLogger,
    options: { workers: false },
  });
  await engine.start();
  const members = await Promise.all(users.map((user, i) => engine.directory.principalFor(user, `Member ${i}`)));
  // Warm the catalog (members, prices) the way a running sidecar has it.
  for (const member of members) await engine.service.resources(member);
  return { ...ground, engine, members, latencies: [], decisions: 0, accepted: 0, seconds: 0, day: 2, runs: 0 };
}

async function closePlace(place: Place): Promise<void> {
  await place.engine.close();
  await closeGround(place);
}

/** 500 members' requests at once for the same day (a new day each run). */
async function burst(place: Place): Promise<void> {
  const day = dayAhead(place.day++);
  const started = performance.now();
  const outcomes = await Promise.all(
    Array.from({ length: CONCURRENCY }, async (_, i) => {
      const t0 = performance.now();
      const outcome = await place.engine.service.create(place.members[i % place.members.length] as Principal, {
        resourceId: 'Coworking',
        start: at(day, '09:00'),
        end: at(day, '17:00'),
        paymentMode: 'on_site',
      });
      place.latencies.push(performance.now() - t0);
      return outcome;
    }),
  );
  place.seconds += (performance.now() - started) / 1000;
  place.decisions += outcomes.length;
  place.accepted += outcomes.filter((outcome) => outcome.ok).length;
}

function decisionFigures(place: Place): Record<string, string | number> {
  const sorted = [...place.latencies].sort((a, b) => a - b);
  const erpCalls = place.emulator.counters.total();
  return {
    'decisions/s': Math.round(place.decisions / place.seconds),
    'decision p50 ms': Number(percentile(sorted, 50).toFixed(1)),
    'decision p99 ms': Number(percentile(sorted, 99).toFixed(1)),
    accepted: place.accepted,
    refused: place.decisions - place.accepted,
    'ERP calls on the sync path': erpCalls,
    'ERP calls per booking': Number((erpCalls / Math.max(1, place.accepted)).toFixed(3)),
  };
}

/** Counting starts once the places are warm (the catalog loaded at start and by the warm-up runs). */
function resetCounters(place: Place): Place {
  place.emulator.counters.reset();
  place.latencies.length = 0;
  place.decisions = 0;
  place.accepted = 0;
  place.seconds = 0;
  return place;
}

const WARMUP = 3;

/** One burst per run, counted from the first run after the warm-up. */
async function countedBurst(place: Place): Promise<void> {
  if (place.runs++ === WARMUP) resetCounters(place);
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
      if (place.runs === 200) resetCounters(place);
      const day = dayAhead(2 + (place.runs++ % 60));
      const member = place.members[place.runs % place.members.length] as Principal;
      const outcome = await place.engine.service.create(member, { resourceId: 'Coworking', start: at(day, '09:00'), end: at(day, '17:00'), paymentMode: 'on_site' });
      if (!outcome.ok) throw new Error(`refused: ${outcome.reasons.map((r) => r.code).join(', ')}`);
    },
    figures: (place) => ({ 'ERP calls on the sync path': place.emulator.counters.total() }),
    teardown: closePlace,
    iterations: 2_000,
    warmup: 200,
  }),
  defineBenchmark({
    name: 'booking: resident memory after 10,000 bookings (one day’s availability timed)',
    setup: async () => {
      const place = await openPlace({ capacity: 100_000, walkIn: 0 });
      resetCounters(place);
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
      bookings: place.accepted,
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
