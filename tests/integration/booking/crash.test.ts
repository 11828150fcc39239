import type { BookingEngine } from '../../../sidecar/src/booking';
import { BookingStore } from '../../../sidecar/src/booking/store';
import { accepted, at, countByExternalId, dayAhead, eventually, startChildEngine, startPlace, type TestPlace } from './support';

/**
 * Crashes: a sidecar process killed with SIGKILL in the middle of bookings and ERP writes, and a
 * decision whose ERP write was never queued (a crash between the Lua and the queue). Another
 * process picks up what was left, and every accepted booking reaches the ERP exactly once.
 */

let place: TestPlace;
const day = dayAhead(10);

beforeAll(async () => {
  place = await startPlace({
    resources: [{ name: 'Halle', kind: 'Seat Pool', capacity: 5_000, slotMinutes: 60, prices: { Hour: 2 } }],
    members: [{ key: 'c1' }, { key: 'c2' }, { key: 'c3' }],
  });
});

afterAll(async () => {
  await place.close();
});

describe('kill -9 of a sidecar process', () => {
  it('in the middle of bookings and ERP writes: after a restart every booking it accepted is in the ERP exactly once', async () => {
    // Slow ERP inserts: the kill finds writes in flight and jobs waiting.
    const slow = place.emulator.faults.add({ match: { method: 'POST', path: '/api/resource/Creneau Booking' }, action: { kind: 'delay', ms: 80 } });
    const child = startChildEngine(place, {
      members: ['c1', 'c2', 'c3'],
      resource: 'Halle',
      starts: [9, 10, 11, 12, 13, 14].map((hour) => at(day, `${String(hour).padStart(2, '0')}:00`)),
    });
    await child.waitForAccepted(60, 30_000);
    const written = countByExternalId(place.erpBookings()).size;
    await child.kill();
    place.emulator.faults.remove(slow);
    const acceptedByChild = [...child.accepted];
    // Killed with writes still owed to the ERP.
    expect(written).toBeLessThan(acceptedByChild.length);

    const restarted: BookingEngine = await place.engine({ lockDurationMs: 1_000, stalledIntervalMs: 500, sweepAfterMs: 1_000, sweepEveryMs: 500 });
    await eventually(async () => ((await restarted.pendingErpWrites()) === 0 ? true : undefined), 'the restarted process to finish the writes', 60_000);
    const counts = countByExternalId(place.erpBookings());
    expect(acceptedByChild.map((id) => counts.get(id) ?? 0)).toEqual(acceptedByChild.map(() => 1));
    expect([...counts.values()].every((n) => n === 1)).toBe(true);
  }, 120_000);
});

describe('a crash between the decision and the queue', () => {
  it('leaves an outbox entry that the sweeper turns into the ERP write', async () => {
    const engine = await place.engine({ sweepAfterMs: 500, sweepEveryMs: 300 });
    // The decision's script ran (booking and outbox entry written) but the process died before queue.add.
    const store = new BookingStore(place.redis, place.keys);
    const member = await place.principal(engine, 'c1');
    const view = accepted(await engine.service.quote(member, { resourceId: 'Halle', start: at(day, '15:00'), end: at(day, '16:00') }));
    const result = await store.reserve({
      record: {
        id: 'bk_crashbetweenluaandq',
        resourceId: 'Halle',
        customer: member.customer ?? '',
        user: member.user,
        start: at(day, '15:00'),
        end: at(day, '16:00'),
        seats: 1,
        status: 'confirmed',
        paymentMode: 'on_site',
        quote: view,
        price: view.total,
        amountDueNow: 0,
        amountPaid: 0,
        createdAt: Date.now(),
        checkedInAt: null,
        checkedOutAt: null,
        cancellationReason: null,
        note: null,
        audience: 'member',
        erpName: null,
        erpModified: null,
      },
      capacity: { room: false, units: 5_000, capacity: 5_000, bufferBeforeMs: 0, bufferAfterMs: 0 },
    });
    expect(result.kind).toBe('ok');
    await eventually(() => place.erpBookings().find((doc) => doc.external_id === 'bk_crashbetweenluaandq'), 'the sweeper to queue the write', 20_000);
    expect((await engine.service.get(member, 'bk_crashbetweenluaandq')).erpSync).toBe('synced');
  }, 60_000);
});
