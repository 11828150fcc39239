import { availability, MINUTE_MS, type BookedInterval, type Resource, type ResourceAvailability } from '../../../sidecar/src/domain';
import { at, booking, EVERY_DAY_ALL_DAY, place, resource, seatPool } from './fixtures';

const NOW = at('2026-06-01 12:00');
const MONDAY = { start: at('2026-06-15 00:00'), end: at('2026-06-16 00:00') };

function one(r: Resource, bookings: BookedInterval[], extra: Partial<Parameters<typeof availability>[0]> = {}): ResourceAvailability {
  const [result] = availability({ resources: [r], place, bookings, range: MONDAY, now: NOW, audience: 'member', ...extra });
  if (!result) throw new Error('no availability returned');
  return result;
}

/** Free units of the slot starting at a Paris wall-clock time. */
function freeAt(result: ResourceAvailability, local: string): number | undefined {
  return result.slots.find((s) => s.start === at(local))?.free;
}

const spans = (result: ResourceAvailability) =>
  result.bookable.map((i) => [new Date(i.start).toISOString(), new Date(i.end).toISOString()]);

describe('availability of a room', () => {
  const room = resource({ slotMinutes: 60 });

  it('shows every open slot free when nothing is booked, and one bookable interval per window', () => {
    const result = one(room, []);
    expect(result.slots).toHaveLength(11); // 08:00 to 19:00
    expect(result.slots.every((s) => s.free === 1)).toBe(true);
    expect(result.bookable).toEqual([{ start: at('2026-06-15 08:00'), end: at('2026-06-15 19:00') }]);
  });

  it('counts confirmed, checked-in, pending-approval and live held bookings, and ignores the rest', () => {
    const result = one(room, [
      booking(room, '2026-06-15 08:00', '2026-06-15 09:00', { status: 'confirmed' }),
      booking(room, '2026-06-15 09:00', '2026-06-15 10:00', { status: 'checked_in' }),
      booking(room, '2026-06-15 10:00', '2026-06-15 11:00', { status: 'pending_approval' }),
      booking(room, '2026-06-15 11:00', '2026-06-15 12:00', { status: 'awaiting_payment', holdExpiresAt: NOW + 10 * MINUTE_MS }),
      booking(room, '2026-06-15 12:00', '2026-06-15 13:00', { status: 'awaiting_payment', holdExpiresAt: NOW }),
      booking(room, '2026-06-15 13:00', '2026-06-15 14:00', { status: 'cancelled' }),
      booking(room, '2026-06-15 14:00', '2026-06-15 15:00', { status: 'expired' }),
      booking(room, '2026-06-15 15:00', '2026-06-15 16:00', { status: 'rejected' }),
    ]);
    expect(result.slots.map((s) => s.free)).toEqual([0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1]);
    expect(result.bookable).toEqual([{ start: at('2026-06-15 12:00'), end: at('2026-06-15 19:00') }]);
  });

  it('takes a slot even when a booking only covers part of it', () => {
    const result = one(room, [booking(room, '2026-06-15 10:15', '2026-06-15 10:45')]);
    expect(freeAt(result, '2026-06-15 10:00')).toBe(0);
    expect(freeAt(result, '2026-06-15 09:00')).toBe(1);
    expect(freeAt(result, '2026-06-15 11:00')).toBe(1);
  });

  it('keeps the buffers free on both sides of every booking, including the new one', () => {
    const buffered = resource({ slotMinutes: 30, bufferBeforeMinutes: 15, bufferAfterMinutes: 30 });
    const result = one(buffered, [booking(buffered, '2026-06-15 10:00', '2026-06-15 11:00')]);
    // A new booking ending at 09:30 would need its 30 min clean-up, then the other one's 15 min set-up.
    expect(freeAt(result, '2026-06-15 09:00')).toBe(0);
    expect(freeAt(result, '2026-06-15 08:30')).toBe(1);
    // After 11:00 come 30 min of clean-up and the new booking's own 15 min set-up: 11:45 at the earliest.
    expect(freeAt(result, '2026-06-15 11:30')).toBe(0);
    expect(freeAt(result, '2026-06-15 12:00')).toBe(1);
  });

  it('blocks busy times from an external calendar', () => {
    const result = one(room, [], { busy: [{ resourceId: room.id, start: at('2026-06-15 16:00'), end: at('2026-06-15 17:30') }] });
    expect(freeAt(result, '2026-06-15 16:00')).toBe(0);
    expect(freeAt(result, '2026-06-15 17:00')).toBe(0);
    expect(freeAt(result, '2026-06-15 18:00')).toBe(1);
  });

  it('ignores bookings and busy blocks of other resources', () => {
    const other = resource({ id: 'salle-b' });
    const result = one(room, [booking(other, '2026-06-15 08:00', '2026-06-15 19:00')], {
      busy: [{ resourceId: other.id, start: at('2026-06-15 08:00'), end: at('2026-06-15 19:00') }],
    });
    expect(result.slots.every((s) => s.free === 1)).toBe(true);
  });

  it('offers no slot on closures or public holidays', () => {
    const closed = resource({ closures: [{ from: '2026-06-15', to: '2026-06-15', reason: 'Travaux' }] });
    expect(one(closed, []).slots).toEqual([]);
    expect(one(room, [], { range: { start: at('2026-07-14 00:00'), end: at('2026-07-15 00:00') } }).slots).toEqual([]);
  });

  it('leaves out of the bookable intervals what the lead time and the horizon forbid, for members only', () => {
    const strict = resource({ slotMinutes: 60, leadMinutes: 120, horizonDays: 14 });
    const now = at('2026-06-15 09:30');
    expect(one(strict, [], { now }).bookable).toEqual([{ start: at('2026-06-15 12:00'), end: at('2026-06-15 19:00') }]);
    // Managers may book from the next slot that has not started.
    expect(one(strict, [], { now, audience: 'manager' }).bookable).toEqual([{ start: at('2026-06-15 10:00'), end: at('2026-06-15 19:00') }]);
    // 14 days from 2026-06-01 is 2026-06-15: the whole day is still bookable; from 2026-05-31 it is not.
    expect(one(strict, [], { now: at('2026-06-01 12:00') }).bookable).toHaveLength(1);
    expect(one(strict, [], { now: at('2026-05-31 12:00') }).bookable).toEqual([]);
  });

  it('leaves out free runs shorter than the minimum duration', () => {
    const long = resource({ slotMinutes: 60, minMinutes: 120 });
    const result = one(long, [
      booking(long, '2026-06-15 09:00', '2026-06-15 10:00'),
      booking(long, '2026-06-15 11:00', '2026-06-15 19:00'),
    ]);
    expect(spans(result)).toEqual([]); // 08:00–09:00 and 10:00–11:00 are free but too short
    expect(result.slots.filter((s) => s.free === 1)).toHaveLength(2);
  });

  it('has nothing bookable for more people than the room holds', () => {
    expect(one(room, [], { seats: 13 }).bookable).toEqual([]);
    expect(one(room, [], { seats: 12 }).bookable).toHaveLength(1);
  });
});

describe('availability of a seat pool', () => {
  it('counts free seats per slot', () => {
    const pool = seatPool({ capacity: 10 });
    const result = one(pool, [
      booking(pool, '2026-06-15 08:00', '2026-06-15 12:00', { seats: 4 }),
      booking(pool, '2026-06-15 10:00', '2026-06-15 14:00', { seats: 3 }),
    ]);
    expect(freeAt(result, '2026-06-15 09:00')).toBe(6);
    expect(freeAt(result, '2026-06-15 10:00')).toBe(3);
    expect(freeAt(result, '2026-06-15 12:00')).toBe(7);
    expect(freeAt(result, '2026-06-15 14:00')).toBe(10);
  });

  it('keeps the walk-in margin from members but not from managers', () => {
    const pool = seatPool({ capacity: 10, walkInMargin: { seats: 2 } });
    const bookings = [booking(pool, '2026-06-15 08:00', '2026-06-15 19:00', { seats: 7 })];
    const member = one(pool, bookings, { seats: 2 });
    const manager = one(pool, bookings, { seats: 2, audience: 'manager' });
    expect(member.capacity).toBe(8);
    expect(freeAt(member, '2026-06-15 09:00')).toBe(1);
    expect(member.bookable).toEqual([]);
    expect(manager.capacity).toBe(10);
    expect(freeAt(manager, '2026-06-15 09:00')).toBe(3);
    expect(manager.bookable).toHaveLength(1);
  });

  it('rounds a percentage margin up to whole seats', () => {
    const pool = seatPool({ capacity: 25, walkInMargin: { percent: 10 } });
    expect(one(pool, []).capacity).toBe(22); // 2.5 seats kept → 3
  });

  it('never reports negative free seats when managers have booked into the margin', () => {
    const pool = seatPool({ capacity: 10, walkInMargin: { seats: 2 } });
    const result = one(pool, [booking(pool, '2026-06-15 08:00', '2026-06-15 19:00', { seats: 10 })]);
    expect(result.slots.every((s) => s.free === 0)).toBe(true);
  });
});

describe('availability of a very large seat pool', () => {
  it('counts more than a thousand seats at a time exactly', () => {
    const hall = seatPool({ capacity: 3000 });
    const result = one(hall, [
      booking(hall, '2026-06-15 08:00', '2026-06-15 12:00', { seats: 1500 }),
      booking(hall, '2026-06-15 10:00', '2026-06-15 14:00', { seats: 1200 }),
      booking(hall, '2026-06-15 12:00', '2026-06-15 13:00', { seats: 299 }),
    ]);
    expect(freeAt(result, '2026-06-15 09:00')).toBe(1500);
    expect(freeAt(result, '2026-06-15 10:00')).toBe(300);
    expect(freeAt(result, '2026-06-15 12:00')).toBe(1501);
    expect(freeAt(result, '2026-06-15 14:00')).toBe(3000);
  });
});

describe('availability of several resources', () => {
  it('answers for each resource with its own bookings, grid and zone', () => {
    const a = resource({ id: 'a', slotMinutes: 60 });
    const b = resource({ id: 'b', slotMinutes: 30, timeZone: 'America/Montreal' });
    const results = availability({
      resources: [a, b],
      place,
      bookings: [booking(a, '2026-06-15 08:00', '2026-06-15 19:00')],
      range: { start: at('2026-06-15 00:00'), end: at('2026-06-16 12:00') },
      now: NOW,
      audience: 'member',
    });
    expect(results.map((r) => r.resourceId)).toEqual(['a', 'b']);
    // Monday is fully booked; Tuesday is free from its opening to the end of the range.
    expect(results[0]?.bookable).toEqual([{ start: at('2026-06-16 08:00'), end: at('2026-06-16 12:00') }]);
    // Montreal opens at 08:00 local, 14:00 in Paris; the range ends at 12:00 Paris on the 16th (06:00 in Montreal).
    expect(results[1]?.bookable).toEqual([{ start: at('2026-06-15 14:00'), end: at('2026-06-16 01:00') }]);
  });
});

describe('availability on daylight-saving days', () => {
  const allDay = resource({ openingHours: EVERY_DAY_ALL_DAY, slotMinutes: 60 });

  it('gives 23 slots on 2026-03-29 and 25 on 2026-10-25, each one real hour', () => {
    const spring = one(allDay, [], { range: { start: at('2026-03-29 00:00'), end: at('2026-03-30 00:00') }, now: at('2026-03-01 00:00') });
    const autumn = one(allDay, [], { range: { start: at('2026-10-25 00:00'), end: at('2026-10-26 00:00') }, now: at('2026-10-01 00:00') });
    expect(spring.slots).toHaveLength(23);
    expect(autumn.slots).toHaveLength(25);
    expect([...spring.slots, ...autumn.slots].every((s) => s.end - s.start === 60 * MINUTE_MS)).toBe(true);
    expect(spring.bookable).toEqual([{ start: Date.parse('2026-03-28T23:00:00Z'), end: Date.parse('2026-03-29T22:00:00Z') }]);
  });

  it('opens at 08:00 local time on both sides of the change', () => {
    const office = resource({ openingHours: [{ weekday: 7, from: '08:00', to: '12:00' }], slotMinutes: 60 });
    const spring = one(office, [], { range: { start: at('2026-03-29 00:00'), end: at('2026-03-30 00:00') }, now: at('2026-03-01 00:00') });
    const autumn = one(office, [], { range: { start: at('2026-10-25 00:00'), end: at('2026-10-26 00:00') }, now: at('2026-10-01 00:00') });
    expect(spring.slots[0]?.start).toBe(Date.parse('2026-03-29T06:00:00Z'));
    expect(autumn.slots[0]?.start).toBe(Date.parse('2026-10-25T07:00:00Z'));
    expect(spring.slots).toHaveLength(4);
    expect(autumn.slots).toHaveLength(4);
  });

  it('counts a booking across the repeated hour of 2026-10-25 against both 02:00 slots', () => {
    const night = booking(allDay, '2026-10-25T01:30:00+02:00', '2026-10-25T02:30:00+01:00');
    const autumn = one(allDay, [night], { range: { start: at('2026-10-25 00:00'), end: at('2026-10-26 00:00') }, now: at('2026-10-01 00:00') });
    expect(autumn.slots.slice(0, 5).map((s) => s.free)).toEqual([1, 0, 0, 0, 1]);
  });
});
