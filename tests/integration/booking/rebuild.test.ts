import { UnavailableError, type BookingEngine, type Outcome, type BookingView, type Principal } from '../../../sidecar/src/booking';
import { LOST_REASON } from '../../../sidecar/src/booking/sync';
import { accepted, at, countByExternalId, dayAhead, eventually, privateRedis, startPlace, type TestPlace } from './support';

/**
 * Redis may be wiped at any time: the index is rebuilt from the ERP (one process rebuilds, the
 * others wait), and no seat is sold twice afterwards. These tests run on a Redis of their own,
 * since they empty it with FLUSHALL.
 */

let redisServer: { url: string; stop(): Promise<void> };
let place: TestPlace;
let a: BookingEngine;
let b: BookingEngine;
const members: Principal[] = [];
const day = dayAhead(4);
const START = (): number => at(day, '09:00');
const END = (): number => at(day, '13:00');

beforeAll(async () => {
  redisServer = await privateRedis();
  place = await startPlace({
    redisUrl: redisServer.url,
    resources: [
      { name: 'Open Space', kind: 'Seat Pool', capacity: 10, walkInMargin: 2, prices: { Hour: 5 } },
      { name: 'Salle Venus', kind: 'Room', capacity: 4, slotMinutes: 30, prices: { Hour: 15 } },
    ],
    members: Array.from({ length: 6 }, (_, i) => ({ key: `p${i}` })),
  });
  // Two engines on one Redis and one ERP, as two sidecar processes.
  a = await place.engine({ indexWaitMs: 10_000 });
  b = await place.engine({ indexWaitMs: 10_000 });
  for (let i = 0; i < 6; i++) members.push(await place.principal(a, `p${i}`));
});

afterAll(async () => {
  await place.close();
  await redisServer.stop();
});

const holdingIn = (docs: ReturnType<TestPlace['erpBookings']>, resource: string): number =>
  docs.filter((doc) => doc.resource === resource && ['Confirmed', 'Pending Approval', 'Awaiting Payment', 'Checked In'].includes(String(doc.status))).length;

async function attempt(engine: BookingEngine, member: Principal): Promise<Outcome<BookingView> | 'unavailable'> {
  try {
    return await engine.service.create(member, { resourceId: 'Open Space', start: START(), end: END(), paymentMode: 'on_site' });
  } catch (error) {
    if (error instanceof UnavailableError) return 'unavailable';
    throw error;
  }
}

describe('FLUSHALL in the middle of a run', () => {
  it('rebuilds the index from the ERP, loses nothing the ERP had, and never sells more than the 8 seats members may book', async () => {
    const early = await Promise.all([0, 1].map((i) => attempt(i % 2 ? a : b, members[i] as Principal)));
    expect(early.every((o) => o !== 'unavailable' && o.ok)).toBe(true);
    await eventually(async () => ((await a.pendingErpWrites()) === 0 ? true : undefined), 'the first bookings in the ERP');

    // ERP inserts take 150 ms from now on, so that the wipe finds writes in flight and bookings not yet written.
    const slow = place.emulator.faults.add({ match: { method: 'POST', path: '/api/resource/Creneau Booking' }, action: { kind: 'delay', ms: 150 } });
    const run = Array.from({ length: 30 }, async (_, i) => {
      await new Promise((resolve) => setTimeout(resolve, i * 12));
      return attempt(i % 2 ? a : b, members[i % members.length] as Principal);
    });
    const wipe = (async () => {
      await new Promise((resolve) => setTimeout(resolve, 50));
      await place.redis.flushall();
    })();
    const outcomes = await Promise.all(run);
    await wipe;
    place.emulator.faults.remove(slow);

    // Whatever happened, once the dust settles the ERP and the index hold at most 8 member seats.
    await eventually(async () => ((await a.pendingErpWrites()) === 0 && (await b.pendingErpWrites()) === 0 ? true : undefined), 'the writes after the rebuild', 60_000);
    const docs = place.erpBookings();
    expect(holdingIn(docs, 'Open Space')).toBeLessThanOrEqual(8);
    const counts = countByExternalId(docs);
    expect([...counts.values()].every((n) => n === 1)).toBe(true);
    const occupancy = await a.service.occupancy(place.manager, day);
    const pool = occupancy.resources.find((r) => r.resourceId === 'Open Space');
    expect(pool?.peak).toBeLessThanOrEqual(8);
    expect(pool?.peak).toBe(holdingIn(docs, 'Open Space'));
    // The bookings the ERP had before the wipe are all still there.
    for (const outcome of early) if (outcome !== 'unavailable' && outcome.ok) expect(counts.get(outcome.value.id)).toBe(1);
    // A booking accepted before the wipe whose seats went to others before its write could put it
    // back is cancelled in the ERP, and listed for managers with those who took its seats.
    const lost = docs.filter((doc) => doc.cancellation_reason === LOST_REASON).map((doc) => String(doc.external_id));
    const listed = (await a.service.conflicts(place.manager)).filter((conflict) => conflict.id.startsWith('cf_lost_')).map((conflict) => conflict.bookingIds[0]);
    expect(listed.sort()).toEqual(lost.sort());
    for (const id of lost) expect(await a.service.get(place.manager, id)).toMatchObject({ status: 'cancelled', cancellationReason: LOST_REASON });
    // Nothing accepted is in the ERP twice; what the wipe took before its write is the documented loss.
    const acceptedIds = outcomes.flatMap((o) => (o !== 'unavailable' && o.ok ? [o.value.id] : []));
    expect(acceptedIds.every((id) => (counts.get(id) ?? 0) <= 1)).toBe(true);

    // Asking for everything left fills the pool to exactly 8, never 9.
    const rest = await Promise.all(Array.from({ length: 12 }, (_, i) => attempt(i % 2 ? a : b, members[i % members.length] as Principal)));
    const restAccepted = rest.filter((o) => o !== 'unavailable' && o.ok).length;
    expect(restAccepted).toBe(8 - (pool?.peak ?? 0));
    await eventually(async () => ((await a.pendingErpWrites()) === 0 ? true : undefined), 'the last writes');
    expect(holdingIn(place.erpBookings(), 'Open Space')).toBe(8);
  });
});

describe('a rebuild on demand', () => {
  it('keeps the changes the ERP has not got yet, and lists what the ERP holds over capacity', async () => {
    const refuseWrites = place.emulator.faults.add({ match: { method: 'POST', path: '/api/resource/Creneau Booking' }, action: { kind: 'status', status: 503 } });
    const pending = accepted(await a.service.create(members[0] as Principal, { resourceId: 'Salle Venus', start: at(day, '15:00'), end: at(day, '16:00'), paymentMode: 'on_site' }));
    // Staff put two bookings on the same room at the same time straight into the ERP (no webhook here).
    for (const external of ['staff-v1', 'staff-v2']) {
      place.emulator.store.insert({
        doctype: 'Creneau Booking',
        resource: 'Salle Venus',
        customer: 'P1 Membre',
        starts_at: `${day} 17:00:00`,
        ends_at: `${day} 18:00:00`,
        seats: 1,
        status: 'Confirmed',
        payment_mode: 'On Site',
        external_id: external,
      });
    }
    await expect(a.service.rebuildIndex(members[0] as Principal)).rejects.toThrow(/managers/);
    const report = await b.service.rebuildIndex(place.manager);
    expect(report.conflicts).toBe(1);
    expect((await a.service.get(place.manager, pending.id)).erpSync).toBe('pending');
    expect(await a.service.conflicts(place.manager)).toEqual([expect.objectContaining({ resourceId: 'Salle Venus', bookingIds: ['staff-v1', 'staff-v2'], excess: 1, source: 'rebuild' })]);

    place.emulator.faults.remove(refuseWrites);
    await eventually(async () => ((await a.pendingErpWrites()) === 0 ? true : undefined), 'the pending booking to reach the ERP', 60_000);
    expect(countByExternalId(place.erpBookings()).get(pending.id)).toBe(1);
  });
});
