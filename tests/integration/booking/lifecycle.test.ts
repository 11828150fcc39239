import { ConflictError, ForbiddenError, InvalidRequestError, NotFoundError, type BookingEngine, type Principal } from '../../../sidecar/src/booking';
import { accepted, at, codes, dayAhead, eventually, startPlace, type TestPlace } from './support';

/**
 * A booking's life through the engine: holds that end and give their seats back, payment,
 * approval, cancellation with its fee, moves, and members kept to their own bookings.
 */

let place: TestPlace;
let engine: BookingEngine;
let alice: Principal;
let bob: Principal;
const day = dayAhead(5);
const HOLD_MS = 1_500;

beforeAll(async () => {
  place = await startPlace({
    resources: [
      { name: 'Atelier', kind: 'Room', capacity: 6, slotMinutes: 30, prices: { Hour: 30, Day: 150 } },
      { name: 'Laser', kind: 'Machine', capacity: 1, slotMinutes: 30, prices: { Hour: 25 }, extra: { approval_required: 1, deposit_percent: 20 } },
      { name: 'Bureaux', kind: 'Seat Pool', capacity: 3, walkInMargin: 1, slotMinutes: 30, prices: { Hour: 5 } },
    ],
    settings: {
      cancellation_steps: [
        { hours_before: 48, refund_percent: 100 },
        { hours_before: 0, refund_percent: 50 },
      ],
    },
  });
  engine = await place.engine({ holdMs: HOLD_MS });
  alice = await place.principal(engine, 'alice');
  bob = await place.principal(engine, 'bob');
});

afterAll(async () => {
  await place.close();
});

describe('members and managers', () => {
  it('are recognised from the ERP: a portal user’s customer, a manager’s role', async () => {
    expect(alice).toMatchObject({ customer: 'Alice Membre', isManager: false });
    const manager = await place.principal(engine, 'manon');
    expect(manager).toMatchObject({ customer: null, isManager: true, roles: ['Creneau Manager'] });
  });
});

describe('a payment hold', () => {
  it('keeps the room while the member pays, then gives it back when it ends; the ERP sees it expire', async () => {
    const held = accepted(await engine.service.create(alice, { resourceId: 'Atelier', start: at(day, '09:00'), end: at(day, '11:00'), paymentMode: 'online' }));
    expect(held.status).toBe('awaiting_payment');
    expect(held.holdExpiresAt).toEqual(expect.any(Number));
    expect(held.quote?.total).toBe(6_000);

    const meanwhile = await engine.service.create(bob, { resourceId: 'Atelier', start: at(day, '10:00'), end: at(day, '11:00'), paymentMode: 'on_site' });
    expect(codes(meanwhile)).toEqual(['CAPACITY']);

    const expired = await eventually(async () => {
      const booking = await engine.service.get(alice, held.id);
      return booking.status === 'expired' ? booking : undefined;
    }, 'the hold to end');
    expect(expired.holdExpiresAt).toBeNull();
    const later = accepted(await engine.service.create(bob, { resourceId: 'Atelier', start: at(day, '10:00'), end: at(day, '11:00'), paymentMode: 'on_site' }));
    expect(later.status).toBe('confirmed');
    await eventually(() => place.erpBookings().find((doc) => doc.external_id === held.id && doc.status === 'Expired'), 'the ERP to show the expiry');
  });

  it('a payment received in time confirms the booking', async () => {
    const held = accepted(await engine.service.create(alice, { resourceId: 'Atelier', start: at(day, '14:00'), end: at(day, '15:00'), paymentMode: 'online' }));
    const paid = accepted(await engine.paymentReceived(held.id, 3_000));
    expect(paid).toMatchObject({ status: 'confirmed', holdExpiresAt: null });
    await new Promise((resolve) => setTimeout(resolve, HOLD_MS + 500));
    expect((await engine.service.get(alice, held.id)).status).toBe('confirmed');
  });
});

describe('approval', () => {
  it('a machine needing approval waits for a manager, who approves (deposit hold) or rejects with a reason', async () => {
    const asked = accepted(await engine.service.create(alice, { resourceId: 'Laser', start: at(day, '09:00'), end: at(day, '10:00'), paymentMode: 'deposit' }));
    expect(asked.status).toBe('pending_approval');
    // A pending request holds the machine: nobody else gets it meanwhile.
    expect(codes(await engine.service.create(bob, { resourceId: 'Laser', start: at(day, '09:30'), end: at(day, '10:30'), paymentMode: 'on_site' }))).toEqual(['CAPACITY']);
    await expect(engine.service.approve(alice, asked.id)).rejects.toBeInstanceOf(ForbiddenError);
    const approved = accepted(await engine.service.approve(place.manager, asked.id));
    expect(approved.status).toBe('awaiting_payment');
    expect(accepted(await engine.paymentReceived(asked.id, 500)).status).toBe('confirmed');

    const other = accepted(await engine.service.create(bob, { resourceId: 'Laser', start: at(day, '15:00'), end: at(day, '16:00'), paymentMode: 'on_site' }));
    const rejected = accepted(await engine.service.reject(place.manager, other.id, 'Formation laser non faite'));
    expect(rejected).toMatchObject({ status: 'rejected', cancellationReason: 'Formation laser non faite' });
    expect(codes(await engine.service.approve(place.manager, other.id))).toEqual(['TRANSITION_NOT_ALLOWED']);
  });
});

describe('cancellation', () => {
  it('shows the fee first, refuses a confirmation of a fee that changed, then cancels and frees the seats', async () => {
    const tomorrow = dayAhead(1);
    const early = accepted(await engine.service.create(bob, { resourceId: 'Atelier', start: at(day, '16:00'), end: at(day, '17:00'), paymentMode: 'on_site' }));
    expect(accepted(await engine.service.cancellationPreview(bob, early.id))).toMatchObject({ fee: 0, step: { en: 'Cancelled at least 48 h before the start: 100% refunded' } });
    const booking = accepted(await engine.service.create(bob, { resourceId: 'Atelier', start: at(tomorrow, '20:00'), end: at(tomorrow, '21:00'), paymentMode: 'on_site' }));
    const preview = accepted(await engine.service.cancellationPreview(bob, booking.id));
    // Less than 48 h before: half refunded, so half of 30.00 is kept.
    expect(preview).toMatchObject({ fee: 1_500, refund: 0, step: { en: 'Cancelled less than 48 h before the start: 50% refunded' } });
    await expect(engine.service.cancel(bob, booking.id, { expectedFee: 0 })).rejects.toBeInstanceOf(ConflictError);
    const cancelled = accepted(await engine.service.cancel(bob, booking.id, { expectedFee: 1_500, reason: 'Réunion annulée' }));
    expect(cancelled).toMatchObject({ status: 'cancelled', cancellationReason: 'Réunion annulée' });
    accepted(await engine.service.create(alice, { resourceId: 'Atelier', start: at(tomorrow, '20:00'), end: at(tomorrow, '21:00'), paymentMode: 'on_site' }));
  });
});

describe('a move', () => {
  it('moves in one step when the new time is free, and refuses, leaving the booking as it was, when it is not', async () => {
    const mine = accepted(await engine.service.create(alice, { resourceId: 'Bureaux', start: at(day, '09:00'), end: at(day, '10:00'), paymentMode: 'on_site' }));
    const moved = accepted(await engine.service.reschedule(alice, mine.id, { start: at(day, '09:30'), end: at(day, '10:30') }));
    expect([moved.start, moved.end]).toEqual([at(day, '09:30'), at(day, '10:30')]);
    // The seat pool has 3 seats, 1 kept for walk-ins: two members fill what members may book at 12:00.
    accepted(await engine.service.create(bob, { resourceId: 'Bureaux', start: at(day, '12:00'), end: at(day, '13:00'), seats: 2, paymentMode: 'on_site' }));
    expect(codes(await engine.service.reschedule(alice, mine.id, { start: at(day, '12:00'), end: at(day, '13:00') }))).toEqual(['WALK_IN_MARGIN']);
    expect((await engine.service.get(alice, mine.id)).start).toBe(at(day, '09:30'));
    // Its own old time never blocks it: moving within its own interval works.
    accepted(await engine.service.reschedule(alice, mine.id, { start: at(day, '10:00'), end: at(day, '11:00') }));
  });
});

describe('a member sees and changes only their own bookings', () => {
  it('another member’s booking, or a guessed id, is "not found" for every action; a manager sees it', async () => {
    const hers = accepted(await engine.service.create(alice, { resourceId: 'Atelier', start: at(day, '18:00'), end: at(day, '19:00'), paymentMode: 'on_site' }));
    for (const id of [hers.id, 'bk_aaaaaaaaaaaaaaaaaaaa', 'CRN-BKG-2026-00001', hers.erpName ?? 'none']) {
      await expect(engine.service.get(bob, id)).rejects.toBeInstanceOf(NotFoundError);
      await expect(engine.service.cancellationPreview(bob, id)).rejects.toBeInstanceOf(NotFoundError);
      await expect(engine.service.cancel(bob, id, {})).rejects.toBeInstanceOf(NotFoundError);
      await expect(engine.service.reschedule(bob, id, { start: at(day, '19:00'), end: at(day, '20:00') })).rejects.toBeInstanceOf(NotFoundError);
    }
    expect((await engine.service.listMine(bob, {})).map((b) => b.id)).not.toContain(hers.id);
    expect((await engine.service.get(place.manager, hers.id)).customer).toBe('Alice Membre');
    expect((await engine.service.get(alice, hers.id)).status).toBe('confirmed');
    await expect(engine.service.create(bob, { resourceId: 'Atelier', start: at(day, '20:00'), end: at(day, '20:30'), customer: 'Alice Membre' })).rejects.toBeInstanceOf(ForbiddenError);
  });
});

describe('requests the engine does not take', () => {
  it('says why: unknown resource, tickets not yet offered, a range too long, post-paid for a member without it', async () => {
    await expect(engine.service.create(alice, { resourceId: 'Nowhere', start: at(day, '09:00'), end: at(day, '10:00') })).rejects.toBeInstanceOf(NotFoundError);
    await expect(engine.service.create(alice, { resourceId: 'Atelier', start: at(day, '07:00'), end: at(day, '07:30'), paymentMode: 'tickets' })).rejects.toMatchObject({
      code: 'PAYMENT_MODE_UNAVAILABLE',
    });
    await expect(engine.service.create(alice, { resourceId: 'Atelier', start: at(day, '07:00'), end: at(day, '07:30'), paymentMode: 'post_paid' })).rejects.toBeInstanceOf(InvalidRequestError);
    await expect(engine.service.availability(alice, { from: at(day, '00:00'), to: at(day, '00:00') + 400 * 86_400_000 })).rejects.toMatchObject({ code: 'RANGE_TOO_LONG' });
    expect(codes(await engine.service.availability(alice, { from: at(day, '10:00'), to: at(day, '09:00') }))).toEqual(['END_BEFORE_START']);
    expect(codes(await engine.service.create(alice, { resourceId: 'Atelier', start: at(day, '10:00'), end: at(day, '09:00') }))).toEqual(['END_BEFORE_START']);
    expect(codes(await engine.service.create(alice, { resourceId: 'Atelier', start: at(dayAhead(-2), '10:00'), end: at(dayAhead(-2), '11:00') }))).toEqual(['IN_THE_PAST']);
    expect(codes(await engine.service.create(alice, { resourceId: 'Atelier', start: at(day, '05:00'), end: at(day, '06:00') }))).toEqual(['OUTSIDE_OPENING_HOURS']);
    for (const start of [Number.NaN, 1e20, -5, 1.5]) {
      await expect(engine.service.create(alice, { resourceId: 'Atelier', start, end: at(day, '10:00') })).rejects.toMatchObject({ code: 'INVALID_TIME' });
    }
    await expect(engine.service.availability(alice, { from: at(day, '09:00'), to: Number.POSITIVE_INFINITY })).rejects.toMatchObject({ code: 'INVALID_TIME' });
  });
});

describe('availability and resources', () => {
  it('members see the walk-in seats as taken; the resource list carries this member’s prices', async () => {
    accepted(await engine.service.create(bob, { resourceId: 'Bureaux', start: at(day, '07:00'), end: at(day, '07:30'), paymentMode: 'on_site' }));
    const [pool] = accepted(await engine.service.availability(alice, { resourceIds: ['Bureaux'], from: at(day, '07:00'), to: at(day, '08:00') }));
    const [asManager] = accepted(await engine.service.availability(place.manager, { resourceIds: ['Bureaux'], from: at(day, '07:00'), to: at(day, '08:00') }));
    expect(pool?.slots.map((slot) => slot.free)).toEqual([1, 2]);
    expect(asManager?.slots.map((slot) => slot.free)).toEqual([2, 3]);
    expect(pool?.slots[0]).toEqual({ start: at(day, '07:00'), end: at(day, '07:30'), free: 1 });
    const resources = await engine.service.resources(alice);
    expect(resources.find((r) => r.id === 'Atelier')).toMatchObject({ kind: 'room', prices: { Hour: 3_000, Day: 15_000 }, priceList: 'Standard Selling', eligible: true });
    expect(resources.find((r) => r.id === 'Bureaux')).toMatchObject({ capacity: 3, bookableCapacity: 2 });
  });
});
