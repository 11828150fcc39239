import fc from 'fast-check';
import Holidays from 'date-holidays';
import { DateTime } from 'luxon';
import {
  availability,
  capacityFor,
  checkBooking,
  MINUTE_MS,
  parsePlace,
  parseResource,
  quote,
  type BookedInterval,
  type Place,
  type Resource,
  type UnitPrices,
} from '../../../sidecar/src/domain';

/*
 * Properties checked against oracles written independently of the code under test: wall-clock
 * readings with luxon, holidays straight from date-holidays, occupancy by brute force.
 */

const ZONES = ['Europe/Paris', 'America/New_York', 'Australia/Sydney', 'Asia/Kolkata'] as const;
// Around both 2026 changes in Europe and America, and Sydney's April change.
const RANGE_STARTS = ['2026-03-07', '2026-03-27', '2026-04-03', '2026-06-12', '2026-10-23', '2026-10-30', '2026-12-24'];

const clock = (minutes: number) => `${String(Math.floor(minutes / 60)).padStart(2, '0')}:${String(minutes % 60).padStart(2, '0')}`;

/*
 * Row bounds avoid 01:00–03:00, where the zones change time: there a wall-clock time may not exist
 * or happen twice, and a wall-clock oracle cannot tell which one the code should pick.
 */
const quarter = fc.integer({ min: 0, max: 88 }).map((q) => (q < 4 ? q : q + 8));
const openingRow = fc
  .record({ weekday: fc.integer({ min: 1, max: 7 }), a: quarter, b: quarter })
  .filter(({ a, b }) => a !== b)
  .map(({ weekday, a, b }) => ({ weekday, from: clock(Math.min(a, b) * 15), to: clock(Math.max(a, b) * 15) }));

const closureRow = fc
  .record({ day: fc.integer({ min: 0, max: 9 }), hour: fc.integer({ min: 0, max: 22 }), hours: fc.integer({ min: 1, max: 30 }), wholeDays: fc.boolean() })
  .map(({ day, hour, hours, wholeDays }) => ({ day, hour, hours, wholeDays }));

interface Scenario {
  resource: Resource;
  place: Place;
  rangeStart: number;
  rangeEnd: number;
  bookings: BookedInterval[];
  closures: { start: number; end: number }[];
}

const scenario = fc
  .record({
    zone: fc.constantFrom(...ZONES),
    rows: fc.array(openingRow, { minLength: 1, maxLength: 10 }),
    slotMinutes: fc.constantFrom(15, 30, 45, 60, 90),
    kind: fc.constantFrom('room' as const, 'seat_pool' as const),
    capacity: fc.integer({ min: 1, max: 6 }),
    margin: fc.integer({ min: 0, max: 3 }),
    bufferBefore: fc.constantFrom(0, 10, 15),
    bufferAfter: fc.constantFrom(0, 15, 30),
    closures: fc.array(closureRow, { maxLength: 3 }),
    holidaysClose: fc.boolean(),
    firstDay: fc.constantFrom(...RANGE_STARTS),
    days: fc.integer({ min: 1, max: 6 }),
    bookings: fc.array(
      fc.record({
        offsetMinutes: fc.integer({ min: -120, max: 6 * 24 * 60 }),
        minutes: fc.integer({ min: 1, max: 600 }),
        seats: fc.integer({ min: 1, max: 4 }),
        status: fc.constantFrom('confirmed' as const, 'pending_approval' as const, 'cancelled' as const, 'awaiting_payment' as const),
      }),
      { maxLength: 25 },
    ),
  })
  .map((s): Scenario => {
    const base = DateTime.fromISO(s.firstDay, { zone: s.zone });
    const closures = s.closures.map((c) => {
      const from = base.plus({ days: c.day }).set({ hour: c.hour });
      return c.wholeDays
        ? { from: from.toISODate() ?? '', to: from.plus({ days: c.hours % 3 }).toISODate() ?? '' }
        : { from: from.toFormat('yyyy-MM-dd HH:mm'), to: from.plus({ hours: c.hours }).toFormat('yyyy-MM-dd HH:mm') };
    });
    const resource = parseResource({
      id: 'r',
      kind: s.kind,
      itemCode: 'R',
      capacity: s.capacity,
      walkInMargin: { seats: s.margin },
      slotMinutes: s.slotMinutes,
      bufferBeforeMinutes: s.bufferBefore,
      bufferAfterMinutes: s.bufferAfter,
      timeZone: s.zone,
      openingHours: s.rows,
      closures,
    });
    const rangeStart = base.toMillis();
    const rangeEnd = base.plus({ days: s.days }).toMillis();
    const bookings = s.bookings.map((b, i) => ({
      id: `b${i}`,
      resourceId: 'r',
      start: rangeStart + b.offsetMinutes * MINUTE_MS,
      end: rangeStart + (b.offsetMinutes + b.minutes) * MINUTE_MS,
      seats: b.seats,
      status: b.status,
      holdExpiresAt: rangeStart,
    }));
    // Oracle for closures: read the rows with luxon, independently of the domain's parser.
    const closureSpans = closures.map((c) => {
      const dateOnly = (t: string) => /^\d{4}-\d{2}-\d{2}$/.test(t);
      const start = DateTime.fromFormat(c.from, dateOnly(c.from) ? 'yyyy-MM-dd' : 'yyyy-MM-dd HH:mm', { zone: s.zone });
      const end = dateOnly(c.to)
        ? DateTime.fromFormat(c.to, 'yyyy-MM-dd', { zone: s.zone }).plus({ days: 1 })
        : DateTime.fromFormat(c.to, 'yyyy-MM-dd HH:mm', { zone: s.zone });
      return { start: start.toMillis(), end: end.toMillis() };
    });
    return { resource, place: parsePlace({ holidaysClose: s.holidaysClose }), rangeStart, rangeEnd, bookings, closures: closureSpans };
  });

const frenchHolidays = new Holidays('FR');
const publicHolidayDates = new Set(
  [2026, 2027].flatMap((year) => frenchHolidays.getHolidays(year).filter((h) => h.type === 'public').map((h) => h.date.slice(0, 10))),
);
const isPublicHoliday = (date: string) => publicHolidayDates.has(date);

/** The opening rows of a weekday as minute spans, overlapping or touching rows joined. */
function openSpans(r: Resource, weekday: number): [number, number][] {
  const toMinutes = (t: string) => Number(t.slice(0, 2)) * 60 + Number(t.slice(3, 5));
  const spans = r.openingHours
    .filter((row) => row.weekday === weekday)
    .map((row): [number, number] => [toMinutes(row.from), toMinutes(row.to)])
    .sort((x, y) => x[0] - y[0]);
  const joined: [number, number][] = [];
  for (const span of spans) {
    const last = joined[joined.length - 1];
    if (last && span[0] <= last[1]) last[1] = Math.max(last[1], span[1]);
    else joined.push(span);
  }
  return joined;
}

/** Is [start, end) inside the opening hours of its local day, read on the wall clock? */
function insideOpeningHours(r: Resource, start: number, end: number): boolean {
  const s = DateTime.fromMillis(start, { zone: r.timeZone });
  const e = DateTime.fromMillis(end, { zone: r.timeZone });
  const startMinute = s.hour * 60 + s.minute;
  const sameDay = e.toISODate() === s.toISODate();
  const nextMidnight = e.toISODate() === s.plus({ days: 1 }).toISODate() && e.hour === 0 && e.minute === 0;
  if (!sameDay && !nextMidnight) return false;
  const endMinute = nextMidnight ? 1440 : e.hour * 60 + e.minute;
  return openSpans(r, s.weekday).some(([from, to]) => from <= startMinute && startMinute < to && endMinute <= to);
}

/** Highest number of units taken at any instant of [from, to), by brute force over every event. */
function bruteForceUsage(r: Resource, bookings: readonly BookedInterval[], now: number, from: number, to: number): number {
  const before = r.bufferBeforeMinutes * MINUTE_MS;
  const after = r.bufferAfterMinutes * MINUTE_MS;
  const live = bookings.filter(
    (b) => b.status === 'confirmed' || b.status === 'pending_approval' || (b.status === 'awaiting_payment' && (b.holdExpiresAt ?? Infinity) > now),
  );
  const points = [from, ...live.flatMap((b) => [b.start - before, b.end + after])].filter((p) => p >= from && p < to);
  let max = 0;
  for (const p of points) {
    const used = live
      .filter((b) => b.start - before <= p && p < b.end + after)
      .reduce((sum, b) => sum + Math.min(r.kind === 'room' ? 1 : b.seats, r.compiled.units), 0);
    max = Math.max(max, used);
  }
  return max;
}

describe('availability properties', () => {
  it('never offers a slot or a bookable interval outside opening hours, closures or holidays', () => {
    fc.assert(
      fc.property(scenario, (s) => {
        const [result] = availability({
          resources: [s.resource],
          place: s.place,
          bookings: s.bookings,
          range: { start: s.rangeStart, end: s.rangeEnd },
          now: s.rangeStart - 1,
          audience: 'manager',
        });
        if (!result) return false;
        for (const slot of result.slots) {
          if (slot.start < s.rangeStart || slot.start >= s.rangeEnd) return false;
          if (slot.end - slot.start !== s.resource.slotMinutes * MINUTE_MS) return false;
          if (!insideOpeningHours(s.resource, slot.start, slot.end)) return false;
          if (s.closures.some((c) => c.start < slot.end && slot.start < c.end)) return false;
          const date = DateTime.fromMillis(slot.start, { zone: s.resource.timeZone }).toISODate() ?? '';
          if (s.place.holidaysClose && isPublicHoliday(date)) return false;
        }
        // A bookable interval is made of whole slots with room left.
        for (const interval of result.bookable) {
          const covering = result.slots.filter((x) => x.start >= interval.start && x.end <= interval.end);
          const covered = covering.reduce((sum, x) => sum + (x.end - x.start), 0);
          if (covered !== interval.end - interval.start || covering.some((x) => x.free < 1)) return false;
        }
        return true;
      }),
      { numRuns: 300 },
    );
  });

  it('reports as free exactly the capacity that brute force finds left, for members and managers', () => {
    fc.assert(
      fc.property(scenario, fc.constantFrom('member' as const, 'manager' as const), (s, audience) => {
        const now = s.rangeStart - 1;
        const [result] = availability({ resources: [s.resource], place: s.place, bookings: s.bookings, range: { start: s.rangeStart, end: s.rangeEnd }, now, audience });
        if (!result) return false;
        const capacity = capacityFor(s.resource, audience);
        return result.slots.every((slot) => {
          const used = bruteForceUsage(
            s.resource,
            s.bookings,
            now,
            slot.start - s.resource.bufferBeforeMinutes * MINUTE_MS,
            slot.end + s.resource.bufferAfterMinutes * MINUTE_MS,
          );
          return slot.free === Math.max(0, capacity - used);
        });
      }),
      { numRuns: 200 },
    );
  });
});

describe('capacity property', () => {
  it('never exceeds capacity, nor the members’ share, whatever sequence of requests the rules accept', () => {
    const requests = fc.array(
      fc.record({
        slot: fc.integer({ min: 0, max: 40 }),
        slots: fc.integer({ min: 1, max: 8 }),
        seats: fc.integer({ min: 1, max: 4 }),
        actor: fc.constantFrom('member' as const, 'manager' as const),
      }),
      { minLength: 1, maxLength: 40 },
    );
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 6 }),
        fc.integer({ min: 0, max: 3 }),
        fc.constantFrom(0, 15),
        fc.constantFrom('room' as const, 'seat_pool' as const, 'machine' as const),
        requests,
        (capacity, margin, buffer, kind, asks) => {
          const r = parseResource({
            id: 'r',
            kind,
            itemCode: 'R',
            capacity,
            walkInMargin: { seats: margin },
            slotMinutes: 15,
            bufferAfterMinutes: buffer,
            openingHours: [{ weekday: 1, from: '08:00', to: '20:00' }],
          });
          const place = parsePlace({});
          const now = Date.parse('2026-06-01T00:00:00Z');
          const opening = Date.parse('2026-06-15T06:00:00Z'); // Monday 08:00 in Paris
          const accepted: BookedInterval[] = [];
          const byMembers: BookedInterval[] = [];
          for (const [i, ask] of asks.entries()) {
            const start = opening + ask.slot * 15 * MINUTE_MS;
            const end = start + ask.slots * 15 * MINUTE_MS;
            const decision = checkBooking({ start, end, seats: ask.seats, member: { id: `m${i}` }, actor: ask.actor }, { resource: r, place, now, bookings: accepted });
            if (!decision.ok) continue;
            const booked: BookedInterval = { id: `b${i}`, resourceId: 'r', start, end, seats: ask.seats, status: 'confirmed' };
            accepted.push(booked);
            if (ask.actor === 'member') byMembers.push(booked);
          }
          const total = bruteForceUsage(r, accepted, now, opening - MINUTE_MS * 60, opening + 13 * 60 * MINUTE_MS);
          if (total > r.compiled.units) return false;
          // Units taken by members alone never eat into the walk-in margin.
          const members = bruteForceUsage(r, byMembers, now, opening - MINUTE_MS * 60, opening + 13 * 60 * MINUTE_MS);
          return members <= r.compiled.units - r.compiled.walkInUnits;
        },
      ),
      { numRuns: 300 },
    );
  });

  it('accepts any slot that availability shows as bookable', () => {
    fc.assert(
      fc.property(scenario, (s) => {
        const now = s.rangeStart - 1;
        const [result] = availability({ resources: [s.resource], place: s.place, bookings: s.bookings, range: { start: s.rangeStart, end: s.rangeEnd }, now, audience: 'member' });
        if (!result) return false;
        return result.bookable.every((interval) => {
          const end = interval.start + s.resource.slotMinutes * MINUTE_MS;
          const decision = checkBooking(
            { start: interval.start, end, member: { id: 'x' }, actor: 'member' },
            { resource: s.resource, place: s.place, now, bookings: s.bookings },
          );
          return decision.ok;
        });
      }),
      { numRuns: 200 },
    );
  });
});

describe('pricing properties', () => {
  const maybePrice = fc.option(fc.integer({ min: 0, max: 20_000 }), { nil: undefined });
  const pricing = fc.record({
    hourPrice: maybePrice,
    halfDayPrice: maybePrice,
    dayPrice: maybePrice,
    pricingMode: fc.constantFrom('threshold' as const, 'cheapest' as const),
    halfDayMode: fc.constantFrom('floating' as const, 'fixed' as const),
    threshold: fc.integer({ min: 30, max: 300 }),
    halfDayLength: fc.integer({ min: 120, max: 360 }),
    dayThreshold: fc.option(fc.integer({ min: 300, max: 600 }), { nil: undefined }),
    dayMinutes: fc.option(fc.integer({ min: 360, max: 720 }), { nil: undefined }),
    zone: fc.constantFrom(...ZONES),
    date: fc.constantFrom('2026-03-29', '2026-10-25', '2026-06-15', '2026-04-05', '2026-11-01'),
    startMinute: fc.integer({ min: 0, max: 23 * 60 }),
    seats: fc.integer({ min: 1, max: 3 }),
    kind: fc.constantFrom('room' as const, 'seat_pool' as const),
  });

  type PricingCase = typeof pricing extends fc.Arbitrary<infer T> ? T : never;

  function setUp(p: PricingCase, depositPercent = 0) {
    const resource = parseResource({
      depositPercent,
      id: 'r',
      kind: p.kind,
      itemCode: 'R',
      capacity: 5,
      timeZone: p.zone,
      pricingMode: p.pricingMode,
      halfDayMode: p.halfDayMode,
      morning: '08:00-12:00',
      afternoon: '13:30-17:30',
      halfDayThresholdMinutes: p.threshold,
      halfDayMinutes: p.halfDayLength,
      dayThresholdMinutes: p.dayThreshold === undefined ? undefined : Math.max(p.dayThreshold, p.threshold),
      dayMinutes: p.dayMinutes,
      openingHours: [1, 2, 3, 4, 5, 6, 7].flatMap((weekday) => [
        { weekday, from: '07:00', to: '12:30' },
        { weekday, from: '13:30', to: '21:00' },
      ]),
    });
    const prices: Record<string, number> = {};
    if (p.hourPrice !== undefined) prices.Hour = p.hourPrice;
    if (p.halfDayPrice !== undefined) prices['Half Day'] = p.halfDayPrice;
    if (p.dayPrice !== undefined) prices.Day = p.dayPrice;
    const start = DateTime.fromISO(p.date, { zone: p.zone }).plus({ minutes: p.startMinute }).toMillis();
    return { resource, prices: prices as UnitPrices, start };
  }

  it('never lowers the price as a booking grows', () => {
    fc.assert(
      fc.property(pricing, fc.integer({ min: 1, max: 3 * 24 * 60 }), fc.integer({ min: 1, max: 12 * 60 }), (p, shorter, extra) => {
        const { resource, prices, start } = setUp(p);
        const a = quote(resource, prices, { start, end: start + shorter * MINUTE_MS, seats: p.seats });
        const b = quote(resource, prices, { start, end: start + (shorter + extra) * MINUTE_MS, seats: p.seats });
        // A booking with no open time has no price yet; one that cannot be priced stays so as it
        // grows (the unpriced time is still there).
        if (!a.ok && a.reason.code === 'OUTSIDE_OPENING_HOURS') return true;
        if (!a.ok || !b.ok) return a.ok || !b.ok;
        return a.quote.total <= b.quote.total;
      }),
      { numRuns: 400 },
    );
  });

  it('makes the lines add up to the total, each line rate × whole quantity, in integer cents', () => {
    fc.assert(
      fc.property(pricing, fc.integer({ min: 1, max: 3 * 24 * 60 }), fc.integer({ min: 0, max: 100 }), (p, minutes, deposit) => {
        const { resource, prices, start } = setUp(p, deposit);
        const result = quote(resource, prices, { start, end: start + minutes * MINUTE_MS, seats: p.seats });
        if (!result.ok) return result.reason.code === 'NO_PRICE' || result.reason.code === 'OUTSIDE_OPENING_HOURS';
        const q = result.quote;
        const sum = q.lines.reduce((total, line) => total + line.amount, 0);
        return (
          sum === q.total &&
          q.parts.reduce((total, part) => total + part.amount, 0) === q.total &&
          q.lines.every((l) => Number.isInteger(l.qty) && l.qty > 0 && Number.isSafeInteger(l.amount) && l.amount === l.rate * l.qty) &&
          Number.isSafeInteger(q.deposit) &&
          q.deposit >= 0 &&
          q.deposit <= q.total
        );
      }),
      { numRuns: 400 },
    );
  });
});
