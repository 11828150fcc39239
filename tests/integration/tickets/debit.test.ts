import type { DebitResult, QuoteLine } from '../../../sidecar/src/domain';
import type { TicketEngine } from '../../../sidecar/src/tickets';
import { at, dayAhead, eventually, startTicketPlace, type TicketTestPlace } from './support';

/**
 * Debit: a booking paid with tickets takes the units its quote bills (3 h 30 billed as a half-day
 * takes one half-day ticket, or its hours where the pack allows conversion), from the lot that
 * expires first; all or nothing, or the rest as exact online lines. A check-in without a booking
 * takes a day or half-day ticket once a day. A cancellation gives back under the policy's fee.
 * Staff corrections are adjusting entries. Each reaches the ERP once, linked to its booking.
 */

let place: TicketTestPlace;
let tickets: TicketEngine;

const HALF_DAYS = { name: 'Carnet 10 demi-journées coworking', item: 'CARNET-10-DJ', ticketsPerPack: 10, unit: 'Half Day' as const, validityDays: 365 };
const HOURS = { name: '20 heures machines', item: 'CARNET-20-H', ticketsPerPack: 20, unit: 'Hour' as const, validityDays: 90, allowConversion: true };
const DAYS = { name: 'Carnet 5 journées', item: 'CARNET-5-J', ticketsPerPack: 5, unit: 'Day' as const, validityDays: 30 };
const LASER_ONLY = { name: 'Heures laser', item: 'CARNET-LASER', ticketsPerPack: 10, unit: 'Hour' as const, validityDays: 365, eligibility: [{ applies_to: 'Resource', resource: 'Laser' }] };

const day = dayAhead(5);
const halfDay = (qty: number): QuoteLine => ({ itemCode: 'RES-COWORKING', uom: 'Half Day', qty, rate: 800, amount: 800 * qty });
const hours = (qty: number): QuoteLine => ({ itemCode: 'RES-COWORKING', uom: 'Hour', qty, rate: 300, amount: 300 * qty });

let bookingCount = 0;
/** A booking id, with its Creneau Booking in the ERP (the debit's link). */
function booking(customer: string): string {
  bookingCount++;
  const id = `bk_debittest${String(bookingCount).padStart(9, '0')}`;
  place.erpBooking(customer, id);
  return id;
}

function debit(customer: string, bookingId: string, lines: QuoteLine[], mode: 'all_or_nothing' | 'partial' = 'all_or_nothing', resourceId = 'Coworking'): Promise<DebitResult> {
  return tickets.bookings.debitForBooking({ bookingId, customer, resourceId, lines, start: at(day, '09:00'), end: at(day, '12:30'), mode });
}

async function credit(customer: string, item: string, qty = 1): Promise<void> {
  await tickets.onInvoiceChanged(await place.sellPack(customer, item, qty));
}

async function tickets_(key: string): Promise<Record<string, number>> {
  const balance = await tickets.service.balance(place.member(key));
  return Object.fromEntries(balance.packs.map((pack) => [pack.packType, pack.tickets]));
}

beforeAll(async () => {
  place = await startTicketPlace({
    packs: [HALF_DAYS, HOURS, DAYS, LASER_ONLY],
    resources: [
      { name: 'Coworking', kind: 'Seat Pool', capacity: 100, slotMinutes: 30 },
      { name: 'Laser', kind: 'Machine', capacity: 1, slotMinutes: 30 },
    ],
    members: ['alice', 'bob', 'chloe', 'dora', 'emile', 'fanny', 'gus'].map((key) => ({ key })),
  });
  tickets = await place.tickets();
});

afterAll(async () => {
  await place.close();
});

describe('paying a booking with tickets', () => {
  it('takes the half-day a 3 h 30 booking is billed as, from the lot that expires first, and writes it to the ERP linked to the booking', async () => {
    const alice = place.customer('alice');
    await credit(alice, HALF_DAYS.item);
    await credit(alice, DAYS.item);
    // The Day pack expires first (30 days) but is not Half Day and allows no conversion: the half-day lot pays.
    const id = booking(alice);
    const result = await debit(alice, id, [halfDay(1)]);
    expect(result).toMatchObject({ ok: true, status: 'debited', coveredAmount: 800, onlineAmount: 0, toPayOnline: [] });
    expect(await tickets_('alice')).toEqual({ [HALF_DAYS.name]: 9, [DAYS.name]: 5 });
    // Asked again (a retry): nothing more is taken.
    expect(await debit(alice, id, [halfDay(1)])).toMatchObject({ ok: true, status: 'already_debited' });
    expect(await tickets_('alice')).toEqual({ [HALF_DAYS.name]: 9, [DAYS.name]: 5 });
    const bookingName = place.base.emulator.store.list('Creneau Booking', (doc) => doc.external_id === id)[0]?.name;
    const written = await eventually(() => place.erpEntries(alice).find((doc) => doc.entry_type === 'Debit'), 'the debit in the ERP');
    const lot = place.erpEntries(alice).find((doc) => doc.entry_type === 'Credit' && doc.pack_type === HALF_DAYS.name);
    expect([written.quantity, written.booking, written.against_entry, written.lot]).toEqual([-1, bookingName, lot?.name, lot?.external_id]);
  });

  it('takes from the lot that expires first among those that can pay', async () => {
    const bob = place.customer('bob');
    await credit(bob, HALF_DAYS.item);
    // A second half-day lot, opened by a staff correction, expiring sooner.
    const soon = dayAhead(20);
    const corrected = await tickets.service.correct(place.manager, bob, { packType: HALF_DAYS.name, quantity: 3, expiresOn: soon, reason: 'Geste commercial' });
    expect(corrected.ok).toBe(true);
    const result = await debit(bob, booking(bob), [halfDay(4)]);
    expect(result.ok && result.status === 'debited' ? result.allocation.map((a) => [a.expiresOn, a.tickets]) : []).toEqual([
      [soon, 3],
      [expect.any(String), 1],
    ]);
    const balance = await tickets.service.balance(place.member('bob'));
    expect(balance.packs[0]?.byExpiry.map((bucket) => bucket.tickets)).toEqual([9]);
  });

  it('pays a half-day with four hour tickets where the pack allows conversion, never splitting a ticket', async () => {
    const chloe = place.customer('chloe');
    await credit(chloe, HOURS.item);
    const result = await debit(chloe, booking(chloe), [halfDay(2)]);
    expect(result).toMatchObject({ ok: true, status: 'debited', coveredAmount: 1600 });
    expect(await tickets_('chloe')).toEqual({ [HOURS.name]: 12 });
  });

  it('all or nothing: refuses a booking the tickets cannot pay whole, saying what it needs and the balance, and takes nothing', async () => {
    const dora = place.customer('dora');
    await credit(dora, DAYS.item);
    const result = await debit(dora, booking(dora), [hours(3)]);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.reason.code).toBe('TICKETS_INSUFFICIENT');
    expect(result.reason.fr).toMatch(/^Pas assez de tickets : il faut 3 heures ; votre solde utilisable ici : 5 journées \(Carnet 5 journées, les premiers expirent le /);
    expect(await tickets_('dora')).toEqual({ [DAYS.name]: 5 });
  });

  it('partial: tickets pay what they can, the rest is left to pay online in exact lines', async () => {
    const emile = place.customer('emile');
    await credit(emile, HALF_DAYS.item);
    // 10 half-days held; a booking of 12 half-days and 2 hours.
    const result = await debit(emile, booking(emile), [halfDay(12), hours(2)], 'partial');
    expect(result).toMatchObject({
      ok: true,
      status: 'debited',
      coveredAmount: 8000,
      onlineAmount: 2200,
      toPayOnline: [
        { uom: 'Half Day', qty: 2, rate: 800, amount: 1600 },
        { uom: 'Hour', qty: 2, rate: 300, amount: 600 },
      ],
    });
    expect(await tickets_('emile')).toEqual({ [HALF_DAYS.name]: 0 });
  });

  it('uses only the packs eligible for the resource', async () => {
    const fanny = place.customer('fanny');
    await credit(fanny, LASER_ONLY.item);
    expect((await debit(fanny, booking(fanny), [hours(1)], 'all_or_nothing', 'Coworking')).ok).toBe(false);
    expect(await debit(fanny, booking(fanny), [{ ...hours(1), itemCode: 'RES-LASER' }], 'all_or_nothing', 'Laser')).toMatchObject({ ok: true, status: 'debited' });
  });
});

describe('cancellations', () => {
  it('give back the tickets to the lots they came from, less the fee’s share rounded down, once', async () => {
    const gus = place.customer('gus');
    await credit(gus, HALF_DAYS.item);
    const free = booking(gus);
    await debit(gus, free, [halfDay(2)]);
    const late = booking(gus);
    await debit(gus, late, [halfDay(3)]);
    expect(await tickets_('gus')).toEqual({ [HALF_DAYS.name]: 5 });
    expect(await tickets.bookings.refundForBooking({ bookingId: free, customer: gus, feePercent: 0 })).toMatchObject({ status: 'refunded', returned: 2, kept: 0 });
    // 50 % of 3 tickets: 1 kept (rounded down in the member's favour), 2 back.
    expect(await tickets.bookings.refundForBooking({ bookingId: late, customer: gus, feePercent: 50 })).toMatchObject({ status: 'refunded', returned: 2, kept: 1 });
    expect(await tickets.bookings.refundForBooking({ bookingId: late, customer: gus, feePercent: 50 })).toMatchObject({ status: 'already_refunded' });
    expect(await tickets_('gus')).toEqual({ [HALF_DAYS.name]: 9 });
    const held = await tickets.bookings.ticketsOfBooking(gus, late);
    expect(held.map((a) => [a.packType, a.tickets, typeof a.lot, typeof a.expiresOn])).toEqual([[HALF_DAYS.name, 1, 'string', 'string']]);
    await eventually(async () => ((await tickets.pendingErpWrites()) === 0 ? true : undefined), 'the refunds in the ERP');
    const refunds = place.erpEntries(gus).filter((doc) => doc.entry_type === 'Refund');
    expect(refunds.map((doc) => doc.quantity).sort()).toEqual([2, 2]);
  });
});

describe('check-in without a booking', () => {
  it('takes a day ticket before noon, the first time that day only', async () => {
    const alice = place.customer('alice');
    const morning = at(day, '09:15');
    const first = await tickets.service.checkIn(place.manager, { customer: alice, resourceId: 'Coworking', at: morning });
    expect(first).toMatchObject({ ok: true, value: { status: 'debited', unit: 'day' } });
    const again = await tickets.service.checkIn(place.manager, { customer: alice, resourceId: 'Coworking', at: morning + 3_600_000 });
    expect(again).toMatchObject({ ok: true, value: { status: 'already_debited', unit: null } });
    expect(await tickets_('alice')).toEqual({ [HALF_DAYS.name]: 9, [DAYS.name]: 4 });
  });

  it('takes a half-day ticket from noon on', async () => {
    const bob = place.customer('bob');
    const result = await tickets.service.checkIn(place.manager, { customer: bob, resourceId: 'Coworking', at: at(day, '14:00') });
    expect(result).toMatchObject({ ok: true, value: { status: 'debited', unit: 'half_day' } });
    expect(await tickets_('bob')).toEqual({ [HALF_DAYS.name]: 8 });
  });

  it('refuses a member without a usable ticket, and a member may not check anyone in', async () => {
    const result = await tickets.service.checkIn(place.manager, { customer: place.customer('fanny'), resourceId: 'Coworking', at: at(day, '10:00') });
    expect(result.ok ? '' : result.reasons[0]?.code).toBe('TICKETS_INSUFFICIENT');
    await expect(tickets.service.checkIn(place.member('fanny'), { customer: place.customer('fanny'), resourceId: 'Coworking' })).rejects.toThrow('managers');
  });
});

describe('staff corrections', () => {
  it('add a lot, take from lots earliest expiry first, and refuse to take more than the balance', async () => {
    const dora = place.customer('dora');
    const added = await tickets.service.correct(place.manager, dora, { packType: HALF_DAYS.name, quantity: 2, reason: 'Carnet papier repris' }, 'dora-add');
    expect(added).toMatchObject({ ok: true, value: { entries: [{ type: 'correction', quantity: 2, expiresOn: null }] } });
    // The same Idempotency-Key gives the same correction, not a second one.
    const again = await tickets.service.correct(place.manager, dora, { packType: HALF_DAYS.name, quantity: 2, reason: 'Carnet papier repris' }, 'dora-add');
    expect(again.ok && again.value.entries.map((e) => e.key)).toEqual(added.ok && added.value.entries.map((e) => e.key));
    const taken = await tickets.service.correct(place.manager, dora, { packType: DAYS.name, quantity: -2, reason: 'Erreur de saisie' });
    expect(taken).toMatchObject({ ok: true, value: { entries: [{ type: 'correction', quantity: -2 }] } });
    const tooMuch = await tickets.service.correct(place.manager, dora, { packType: DAYS.name, quantity: -4, reason: 'Trop' });
    expect(tooMuch.ok ? '' : tooMuch.reasons[0]?.code).toBe('CORRECTION_EXCEEDS_BALANCE');
    expect(await tickets_('dora')).toEqual({ [DAYS.name]: 3, [HALF_DAYS.name]: 2 });
  });
});
