import type { BookingEngine, BookingView, Principal } from '../../../sidecar/src/booking';
import { accepted, at, countByExternalId, dayAhead, eventually, startPlace, type TestPlace } from './support';

/**
 * The ERP is the system of record: every accepted booking reaches it exactly once, however often
 * it fails (error statuses, timeouts, answers lost after the write was done), and the member's
 * answer never waits for it.
 */

let place: TestPlace;
let engine: BookingEngine;
const members: Principal[] = [];
const day = dayAhead(6);

beforeAll(async () => {
  place = await startPlace({
    resources: [{ name: 'Grand Plateau', kind: 'Seat Pool', capacity: 1000, slotMinutes: 30, prices: { Hour: 3.3 } }],
    members: Array.from({ length: 8 }, (_, i) => ({ key: `m${i}` })),
    // Short timeouts and backoffs: the faults below cost milliseconds, not the production seconds.
    erp: { timeoutMs: 400, retry: { maxAttempts: 2, baseDelayMs: 10, maxDelayMs: 40 } },
  });
  engine = await place.engine({ writeBackoffMs: 20, writeAttempts: 6, sweepAfterMs: 1_000, sweepEveryMs: 500 });
  for (let i = 0; i < 8; i++) members.push(await place.principal(engine, `m${i}`));
});

afterAll(async () => {
  await place.close();
});

function bookingsFor(count: number, offset: number): Promise<BookingView[]> {
  return Promise.all(
    Array.from({ length: count }, async (_, i) => {
      const slot = (offset + i) % 24;
      const start = at(day, '08:00') + slot * 30 * 60_000;
      return accepted(await engine.service.create(members[i % members.length] as Principal, { resourceId: 'Grand Plateau', start, end: start + 60 * 60_000, paymentMode: 'on_site' }));
    }),
  );
}

describe('ERP writes through failures', () => {
  it('with a fifth of the ERP calls failing (5xx, timeouts, answers lost after the write), every accepted booking is in the ERP exactly once', async () => {
    const path = '/api/resource/Creneau Booking';
    const faults = [
      place.emulator.faults.add({ match: { path }, action: { kind: 'status', status: 502 }, probability: 0.05 }),
      place.emulator.faults.add({ match: { path }, action: { kind: 'status', status: 503 }, probability: 0.04 }),
      place.emulator.faults.add({ match: { path }, action: { kind: 'status', status: 500 }, probability: 0.03 }),
      place.emulator.faults.add({ match: { path }, action: { kind: 'timeout' }, probability: 0.03 }),
      place.emulator.faults.add({ match: { path }, action: { kind: 'status', status: 504 }, when: 'after', probability: 0.04 }),
      place.emulator.faults.add({ match: { path }, action: { kind: 'timeout' }, when: 'after', probability: 0.03 }),
    ];
    const booked: BookingView[] = [];
    for (let batch = 0; batch < 5; batch++) booked.push(...(await bookingsFor(40, batch * 7)));
    expect(booked).toHaveLength(200);
    // Changes made while the first writes are still failing must land too, and still once per booking.
    const cancelled = booked.slice(0, 20);
    for (const booking of cancelled) {
      const owner = members.find((m) => m.customer === booking.customer) as Principal;
      accepted(await engine.service.cancel(owner, booking.id, {}));
    }

    await eventually(async () => ((await engine.pendingErpWrites()) === 0 ? true : undefined), 'every booking to reach the ERP', 90_000);
    for (const id of faults) place.emulator.faults.remove(id);

    // The faults did bite: writes failed and were tried again.
    expect(place.logs.filter((line) => line.msg === 'job failed, will be retried').length).toBeGreaterThan(10);

    const docs = place.erpBookings();
    const counts = countByExternalId(docs);
    expect(booked.map((b) => counts.get(b.id) ?? 0)).toEqual(booked.map(() => 1));
    expect(docs).toHaveLength(200);
    const cancelledIds = new Set(cancelled.map((b) => b.id));
    expect(docs.filter((doc) => cancelledIds.has(String(doc.external_id))).map((doc) => doc.status)).toEqual(cancelled.map(() => 'Cancelled'));
    expect(docs.filter((doc) => !cancelledIds.has(String(doc.external_id))).every((doc) => doc.status === 'Confirmed' && doc.seats === 1 && doc.quote_total === 3.3)).toBe(true);
    const views = await Promise.all(booked.map((b) => engine.service.get(place.manager, b.id)));
    expect(views.every((view) => view.erpSync === 'synced' && view.erpName?.startsWith('CRN-BKG-'))).toBe(true);
  });

  it('a member’s booking makes no ERP call once the catalog is warm, and is answered while the ERP is down', async () => {
    await eventually(async () => ((await engine.pendingErpWrites()) === 0 ? true : undefined), 'earlier writes to be done', 60_000);
    const quiet = await place.engine({ workers: false });
    const member = members[0] as Principal;
    accepted(await quiet.service.create(member, { resourceId: 'Grand Plateau', start: at(day, '18:00'), end: at(day, '19:00'), paymentMode: 'on_site' }));
    place.emulator.counters.reset();
    const down = place.emulator.faults.add({ action: { kind: 'status', status: 503 } });
    const during = await Promise.all(
      Array.from({ length: 20 }, () => quiet.service.create(member, { resourceId: 'Grand Plateau', start: at(day, '19:00'), end: at(day, '20:00'), paymentMode: 'on_site' })),
    );
    place.emulator.faults.remove(down);
    expect(during.every((outcome) => outcome.ok && outcome.value.erpSync === 'pending')).toBe(true);
    // Only the other engine's workers, writing bookings in the background, spoke to the ERP meanwhile.
    const calls = Object.entries(place.emulator.counters.snapshot()).filter(([, count]) => count > 0);
    expect(calls.filter(([shape]) => !shape.includes('/Creneau Booking'))).toEqual([]);
    // The engine that runs workers writes them once the ERP is back.
    await eventually(async () => ((await engine.pendingErpWrites()) === 0 ? true : undefined), 'the writes after the outage', 60_000);
    const counts = countByExternalId(place.erpBookings());
    expect(during.map((outcome) => (outcome.ok ? counts.get(outcome.value.id) : 0))).toEqual(during.map(() => 1));
  });
});
