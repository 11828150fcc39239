import {
  availability,
  MINUTE_MS,
  openWindows,
  parseLocalDateTime,
  parsePlace,
  parseResource,
  type BookedInterval,
  type BookingStatus,
  type BusyBlock,
  type Interval,
  type Place,
  type Resource,
  type ResourceAvailability,
} from '../../../sidecar/src/domain';
import { Rng } from '../../../tests/emulator/src/util/random';
import { defineBenchmark, type Benchmark } from './harness';

/**
 * Availability at the scale of a busy place: October 2026 (with its 25-hour Sunday), 50 resources
 * of all kinds, 10,000 existing bookings in every state, plus busy blocks from calendars. The
 * peers' figures for comparison: LibreBooking ~20 s for a week × 7 resources, cal.com ~3 s for one
 * schedule.
 */

const ZONE = 'Europe/Paris';

const WEEKDAY_HOURS = [1, 2, 3, 4, 5].flatMap((weekday) => [
  { weekday, from: '08:00', to: '12:30' },
  { weekday, from: '13:30', to: '20:00' },
]);
const SATURDAY = [{ weekday: 6, from: '09:00', to: '17:00' }];

/** 50 resources: 30 rooms, 10 seat pools, 10 machines. */
export function makeResources(count = 50): Resource[] {
  return Array.from({ length: count }, (_, i) => {
    const kind = i % 5 === 3 ? 'seat_pool' : i % 5 === 4 ? 'machine' : 'room';
    return parseResource({
      id: `res-${i}`,
      kind,
      itemCode: `ITEM-${i}`,
      capacity: kind === 'seat_pool' ? 20 : kind === 'machine' ? 1 + (i % 2) : 8,
      walkInMargin: kind === 'seat_pool' ? { seats: 3 } : { seats: 0 },
      slotMinutes: kind === 'seat_pool' ? 60 : 30,
      bufferAfterMinutes: kind === 'machine' ? 15 : 0,
      bufferBeforeMinutes: kind === 'room' && i % 3 === 0 ? 10 : 0,
      leadMinutes: 60,
      horizonDays: 90,
      timeZone: ZONE,
      openingHours: i % 2 === 0 ? [...WEEKDAY_HOURS, ...SATURDAY] : WEEKDAY_HOURS,
      closures: i % 10 === 0 ? [{ from: '2026-10-12', to: '2026-10-13', reason: 'Maintenance' }] : [],
    });
  });
}

const STATUSES: readonly [BookingStatus, number][] = [
  ['confirmed', 0.8],
  ['checked_in', 0.03],
  ['pending_approval', 0.04],
  ['awaiting_payment', 0.05],
  ['cancelled', 0.05],
  ['expired', 0.03],
];

function pickStatus(rng: Rng): BookingStatus {
  let roll = rng.next();
  for (const [status, share] of STATUSES) {
    roll -= share;
    if (roll < 0) return status;
  }
  return 'confirmed';
}

/** `count` bookings laid inside the resources' opening hours over `range`, aligned to their grids. */
export function makeBookings(resources: readonly Resource[], place: Place, range: Interval, count: number, seed = 42): BookedInterval[] {
  // Seeded, so that every run measures the same data.
  const rng = new Rng(seed);
  const windowsByResource = resources.map((r) => openWindows(r, place, range).filter((w) => w.end - w.start >= r.slotMinutes * MINUTE_MS));
  const bookings: BookedInterval[] = [];
  for (let i = 0; i < count; i++) {
    const index = Math.floor(rng.next() * resources.length);
    const resource = resources[index];
    const windows = windowsByResource[index];
    if (!resource || !windows || windows.length === 0) continue;
    const window = windows[Math.floor(rng.next() * windows.length)];
    if (!window) continue;
    const slotMs = resource.slotMinutes * MINUTE_MS;
    const slots = Math.floor((window.end - window.start) / slotMs);
    const first = Math.floor(rng.next() * slots);
    const length = 1 + Math.floor(rng.next() * Math.min(8, slots - first));
    const status = pickStatus(rng);
    bookings.push({
      id: `bk-${i}`,
      resourceId: resource.id,
      memberId: `member-${Math.floor(rng.next() * 400)}`,
      start: window.start + first * slotMs,
      end: window.start + (first + length) * slotMs,
      seats: resource.kind === 'seat_pool' ? 1 + Math.floor(rng.next() * 3) : 1,
      status,
      holdExpiresAt: status === 'awaiting_payment' ? range.start + Math.floor(rng.next() * 2) * 60 * MINUTE_MS : undefined,
    });
  }
  return bookings;
}

function makeBusy(resources: readonly Resource[], range: Interval, count: number, seed = 7): BusyBlock[] {
  // Seeded, so that every run measures the same data.
  const rng = new Rng(seed);
  return Array.from({ length: count }, () => {
    const resource = resources[Math.floor(rng.next() * resources.length)];
    const start = range.start + Math.floor(rng.next() * ((range.end - range.start) / (15 * MINUTE_MS))) * 15 * MINUTE_MS;
    return { resourceId: resource?.id ?? '', start, end: start + (1 + Math.floor(rng.next() * 8)) * 15 * MINUTE_MS };
  });
}

interface Scenario {
  readonly resources: Resource[];
  readonly place: Place;
  readonly bookings: BookedInterval[];
  readonly busy: BusyBlock[];
  readonly range: Interval;
  readonly now: number;
}

function scenario(resourceCount: number, from: string, to: string, bookingCount: number): Scenario {
  const place = parsePlace({});
  const resources = makeResources(resourceCount);
  const range = { start: parseLocalDateTime(from, ZONE), end: parseLocalDateTime(to, ZONE) };
  return {
    resources,
    place,
    bookings: makeBookings(resources, place, range, bookingCount),
    busy: makeBusy(resources, range, Math.round(bookingCount / 20)),
    range,
    now: range.start - 24 * 60 * MINUTE_MS,
  };
}

function run(s: Scenario): ResourceAvailability[] {
  return availability({ resources: s.resources, place: s.place, bookings: s.bookings, busy: s.busy, range: s.range, now: s.now, audience: 'member' });
}

function figures(s: Scenario, last: unknown): Record<string, number> {
  const results = last as ResourceAvailability[];
  return {
    resources: s.resources.length,
    bookings: s.bookings.length,
    busy: s.busy.length,
    slots: results.reduce((sum, r) => sum + r.slots.length, 0),
    bookable: results.reduce((sum, r) => sum + r.bookable.length, 0),
  };
}

export const benchmarks: Benchmark[] = [
  defineBenchmark({
    name: 'availability: month × 50 resources × 10,000 bookings',
    setup: () => scenario(50, '2026-10-01', '2026-11-01', 10_000),
    run,
    figures,
    iterations: 300,
    warmup: 30,
  }),
  defineBenchmark({
    name: 'availability: week × 7 resources (LibreBooking ~20 s)',
    setup: () => scenario(7, '2026-10-19', '2026-10-26', 300),
    run,
    figures,
    iterations: 1000,
    warmup: 100,
  }),
  defineBenchmark({
    name: 'availability: week × 1 resource (cal.com ~3 s)',
    setup: () => scenario(1, '2026-10-19', '2026-10-26', 40),
    run,
    figures,
    iterations: 2000,
    warmup: 200,
  }),
];
