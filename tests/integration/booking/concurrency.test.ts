import type { BookingEngine, Principal } from '../../../sidecar/src/booking';
import { accepted, at, codes, countByExternalId, dayAhead, eventually, startPlace, type TestPlace } from './support';

/**
 * No oversell within one process: many members asking at once for the last seats of a seat pool
 * whose walk-in margin members may not use, and the Idempotency-Key that turns a retried request
 * into the same booking.
 */

let place: TestPlace;
let engine: BookingEngine;
const members: Principal[] = [];
const day = dayAhead(9);

beforeAll(async () => {
  place = await startPlace({
    resources: [
      { name: 'Open Space', kind: 'Seat Pool', capacity: 20, walkInMargin: 5, prices: { Hour: 4.5, Day: 25 } },
      { name: 'Salle Jupiter', kind: 'Room', capacity: 8, slotMinutes: 30, prices: { Hour: 20 } },
    ],
    members: Array.from({ length: 10 }, (_, i) => ({ key: `member${i}` })),
    settings: { quotas: [{ label: 'salles', period: 'Day', max_bookings: 2, resources: 'Salle Jupiter' }] },
  });
  engine = await place.engine();
  for (let i = 0; i < 10; i++) members.push(await place.principal(engine, `member${i}`));
});

afterAll(async () => {
  await place.close();
});

describe('200 members at once on a 20-seat day with 5 seats kept for walk-ins', () => {
  it('confirms exactly 15, refuses every other with the walk-in reason, and a manager can still sell the 5 kept seats, no more', async () => {
    const attempts = Array.from({ length: 200 }, (_, i) =>
      engine.service.create(members[i % members.length] as Principal, { resourceId: 'Open Space', start: at(day, '09:00'), end: at(day, '17:00'), paymentMode: 'on_site' }),
    );
    const outcomes = await Promise.all(attempts);
    const confirmed = outcomes.flatMap((o) => (o.ok ? [o.value] : []));
    const refused = outcomes.flatMap((o) => (o.ok ? [] : [o]));
    expect(confirmed).toHaveLength(15);
    expect(refused).toHaveLength(185);
    for (const refusal of refused) {
      expect(refusal.reasons.map((r) => r.code)).toEqual(['WALK_IN_MARGIN']);
      expect(refusal.reasons[0]?.en).toMatch(/5 seats are kept for walk-in visitors: 0 seats bookable online/);
    }
    expect(new Set(confirmed.map((booking) => booking.status))).toEqual(new Set(['confirmed']));

    const forWalkIns = await Promise.all(
      Array.from({ length: 8 }, () =>
        engine.service.create(place.manager, { resourceId: 'Open Space', start: at(day, '09:00'), end: at(day, '17:00'), customer: 'Member0 Membre', paymentMode: 'on_site' }),
      ),
    );
    const walkIns = forWalkIns.flatMap((o) => (o.ok ? [o.value] : []));
    expect(walkIns).toHaveLength(5);
    expect(forWalkIns.filter((o) => !o.ok).map(codes)).toEqual([['CAPACITY'], ['CAPACITY'], ['CAPACITY']]);

    const occupancy = await engine.service.occupancy(place.manager, day);
    expect(occupancy.resources.find((r) => r.resourceId === 'Open Space')).toMatchObject({ capacity: 20, walkInUnits: 5, peak: 20 });

    // Every accepted booking reaches the ERP, once.
    const ids = [...confirmed, ...walkIns].map((booking) => booking.id);
    await eventually(async () => ((await engine.pendingErpWrites()) === 0 ? true : undefined), 'the ERP writes');
    const counts = countByExternalId(place.erpBookings());
    expect(ids.map((id) => counts.get(id))).toEqual(ids.map(() => 1));
    expect(counts.size).toBe(20);
  });

  it('a room is booked whole: two overlapping bookings cannot both hold it', async () => {
    const outcomes = await Promise.all([
      engine.service.create(members[0] as Principal, { resourceId: 'Salle Jupiter', start: at(day, '10:00'), end: at(day, '11:30'), paymentMode: 'on_site' }),
      engine.service.create(members[1] as Principal, { resourceId: 'Salle Jupiter', start: at(day, '11:00'), end: at(day, '12:00'), paymentMode: 'on_site' }),
    ]);
    expect(outcomes.filter((o) => o.ok)).toHaveLength(1);
    expect(outcomes.map(codes).sort()).toEqual([[], ['CAPACITY']]);
    // Back to back is fine: [10:00, 11:30) and [11:30, 12:30) do not overlap.
    const next = await engine.service.create(members[2] as Principal, { resourceId: 'Salle Jupiter', start: at(day, '11:30'), end: at(day, '12:30'), paymentMode: 'on_site' });
    expect(next.ok).toBe(true);
  });
});

describe('Idempotency-Key', () => {
  it('a retry with the same key returns the same booking, even when both arrive at once; another member’s same key is theirs', async () => {
    const request = { resourceId: 'Salle Jupiter', start: at(day, '14:00'), end: at(day, '15:00'), paymentMode: 'on_site' as const };
    const both = await Promise.all([
      engine.service.create(members[3] as Principal, request, 'key-123'),
      engine.service.create(members[3] as Principal, request, 'key-123'),
    ]);
    const ids = both.map((outcome) => accepted(outcome).id);
    expect(ids[1]).toBe(ids[0]);
    const again = accepted(await engine.service.create(members[3] as Principal, request, 'key-123'));
    expect(again.id).toBe(ids[0]);
    // Same key from another member: a booking of their own, refused here because the room is taken.
    const other = await engine.service.create(members[4] as Principal, request, 'key-123');
    expect(other.ok).toBe(false);
    const mine = await engine.service.listMine(members[3] as Principal, { from: at(day, '00:00'), to: at(day, '23:59') });
    expect(mine.filter((booking) => booking.resourceId === 'Salle Jupiter' && booking.start === request.start)).toHaveLength(1);
  });
});

describe('a quota under concurrency', () => {
  it('ten bookings at once by one member against "2 a day": exactly 2 accepted, the others refused by the quota', async () => {
    const other = dayAhead(11);
    const member = members[5] as Principal;
    const outcomes = await Promise.all(
      Array.from({ length: 10 }, (_, i) => {
        const start = at(other, '08:00') + i * 60 * 60_000;
        return engine.service.create(member, { resourceId: 'Salle Jupiter', start, end: start + 30 * 60_000, paymentMode: 'on_site' });
      }),
    );
    expect(outcomes.filter((o) => o.ok)).toHaveLength(2);
    expect(outcomes.filter((o) => !o.ok).map(codes)).toEqual(Array.from({ length: 8 }, () => ['QUOTA_EXCEEDED']));
    // A manager is not bound by members' quotas.
    accepted(await engine.service.create(place.manager, { resourceId: 'Salle Jupiter', start: at(other, '19:00'), end: at(other, '19:30'), customer: 'Member5 Membre', paymentMode: 'on_site' }));
  });
});
