import {
  balance,
  cancellationOutcome,
  checkInDebit,
  debitForBooking,
  refundForBooking,
  ticketSettingsSchema,
  quote,
  sumCents,
  withEntries,
  type BookingDebitRequest,
  type DebitResult,
  type LedgerEntry,
  type QuoteLine,
} from '../../../sidecar/src/domain';
import { at, seatPool } from './fixtures';
import { against, credit, DAYS, HALF_DAYS, HOURS, packType } from './tickets-fixtures';

const PACKS = [HALF_DAYS, HOURS, DAYS];
const line = (uom: string, qty: number, rate: number): QuoteLine => ({ itemCode: 'COWORKING', uom, qty, rate, amount: rate * qty });
const HALF_DAY_LINE = line('Half Day', 1, 1500);

function request(extra: Partial<BookingDebitRequest> = {}): BookingDebitRequest {
  return {
    customer: 'alice',
    customerGroup: 'Adhérents',
    resource: { id: 'coworking', itemGroup: 'Coworking' },
    bookingId: 'BK-1',
    lines: [HALF_DAY_LINE],
    start: at('2026-06-15 09:00'),
    end: at('2026-06-15 12:30'),
    today: '2026-06-10',
    mode: 'all_or_nothing',
    ...extra,
  };
}

function debited(result: DebitResult) {
  if (!result.ok) throw new Error(`refused: ${result.reason.en}`);
  if (result.status !== 'debited') throw new Error('already debited');
  return result;
}

describe('paying a booking with tickets', () => {
  it('uses one half-day ticket for 3 h 30 billed as a half-day', () => {
    const priced = quote(seatPool(), { Hour: 500, 'Half Day': 1500, Day: 2500 }, { start: at('2026-06-15 09:00'), end: at('2026-06-15 12:30') });
    if (!priced.ok) throw new Error(priced.reason.en);
    expect(priced.quote.lines).toEqual([HALF_DAY_LINE]);
    const result = debited(debitForBooking([credit('lot', 10)], PACKS, request({ lines: priced.quote.lines })));
    expect(result.entries).toEqual([
      { key: 'debit:BK-1:lot', customer: 'alice', packType: HALF_DAYS.name, type: 'debit', quantity: -1, postingDate: '2026-06-10', lot: 'lot', booking: 'BK-1' },
    ]);
    expect(result).toMatchObject({ toPayOnline: [], coveredAmount: 1500, onlineAmount: 0 });
  });

  it('takes from the lot that expires first, then the next', () => {
    const entries = [credit('late', 5, { expiresOn: '2026-12-31' }), credit('early', 1, { expiresOn: '2026-07-31' }), credit('never', 5, { expiresOn: undefined })];
    const result = debited(debitForBooking(entries, PACKS, request({ lines: [line('Half Day', 3, 1500)] })));
    expect(result.allocation.map((a) => [a.lot, a.tickets])).toEqual([
      ['early', 1],
      ['late', 2],
    ]);
  });

  it('converts where the pack allows it: a half-day with 4 hour tickets, a day with 2 half-days', () => {
    const hours = credit('hours', 20, { packType: HOURS.name });
    const half = debited(debitForBooking([hours], PACKS, request()));
    expect(half.allocation).toEqual([{ lot: 'hours', packType: HOURS.name, unit: 'hour', expiresOn: '2026-12-31', tickets: 4, covers: [{ uom: 'Half Day', qty: 1 }] }]);
    const halfDaysConvertible = packType({ name: 'Demi-journées convertibles', itemCode: 'HD', unit: 'half_day', allowConversion: true });
    const day = debited(debitForBooking([credit('hd', 3, { packType: halfDaysConvertible.name })], [halfDaysConvertible], request({ lines: [line('Day', 1, 2500)] })));
    expect(day.entries.map((e) => e.quantity)).toEqual([-2]);
  });

  it('does not convert when the pack type does not allow it', () => {
    const result = debitForBooking([credit('hd', 10)], PACKS, request({ lines: [line('Hour', 2, 500)] }));
    expect(result).toMatchObject({ ok: false, reason: { code: 'TICKETS_INSUFFICIENT' } });
  });

  it('uses the place’s own conversion factors', () => {
    const settings = ticketSettingsSchema.parse({ factors: { halfDay: 5, day: 10 } });
    const result = debited(debitForBooking([credit('hours', 20, { packType: HOURS.name })], PACKS, request(), settings));
    expect(result.entries.map((e) => e.quantity)).toEqual([-5]);
  });

  it('never splits a ticket: a day ticket does not pay for 3 hours, the hours are paid online instead', () => {
    const dayPack = packType({ name: 'Jours convertibles', itemCode: 'JC', unit: 'day', allowConversion: true });
    const result = debited(debitForBooking([credit('days', 5, { packType: dayPack.name })], [dayPack], request({ mode: 'partial', lines: [line('Half Day', 3, 1500), line('Hour', 3, 500)] })));
    // Two half-days make one day ticket; the third half-day and the 3 hours are left to pay.
    expect(result.entries.map((e) => e.quantity)).toEqual([-1]);
    expect(result.toPayOnline).toEqual([line('Half Day', 1, 1500), line('Hour', 3, 500)]);
    expect(result).toMatchObject({ coveredAmount: 3000, onlineAmount: 3000 });
  });

  it('all or nothing: refuses when the tickets do not cover it, with the balance in French and English', () => {
    const entries = [credit('lot', 1, { expiresOn: '2026-07-31' })];
    const result = debitForBooking(entries, PACKS, request({ lines: [line('Half Day', 2, 1500)] }));
    expect(result).toMatchObject({ ok: false, reason: { code: 'TICKETS_INSUFFICIENT' } });
    if (result.ok) return;
    expect(result.reason.fr).toBe(
      'Pas assez de tickets : il faut 2 demi-journées ; votre solde utilisable ici : 1 demi-journée (Coworking 10 demi-journées, les premiers expirent le 31/07/2026)',
    );
    expect(result.reason.en).toBe(
      'Not enough tickets: this needs 2 half-days; your balance usable here: 1 half-day (Coworking 10 demi-journées, the first expire on 2026-07-31)',
    );
    const none = debitForBooking([], PACKS, request());
    expect(!none.ok && none.reason.en).toBe('Not enough tickets: this needs 1 half-day; your balance usable here: no tickets');
  });

  it('partial: debits what is there and leaves exact lines to pay online, summing to the quote minus what tickets paid', () => {
    const lines = [line('Half Day', 2, 1537), line('Hour', 3, 499)];
    const total = sumCents(lines.map((l) => l.amount));
    const result = debited(debitForBooking([credit('lot', 1)], PACKS, request({ mode: 'partial', lines })));
    expect(result.toPayOnline).toEqual([line('Half Day', 1, 1537), line('Hour', 3, 499)]);
    expect(result.onlineAmount).toBe(total - 1537);
    expect(result.coveredAmount + result.onlineAmount).toBe(total);
  });

  it('partial with no usable ticket: nothing debited, the whole quote online', () => {
    const result = debited(debitForBooking([], PACKS, request({ mode: 'partial' })));
    expect(result).toMatchObject({ entries: [], toPayOnline: [HALF_DAY_LINE], coveredAmount: 0, onlineAmount: 1500 });
  });

  it('serves each line from its own unit when taking by expiry alone would leave the quote unpaid', () => {
    // Hour tickets expire first and could pay the half-day, but then nothing could pay the 2 hours.
    const entries = [credit('hours', 4, { packType: HOURS.name, expiresOn: '2026-07-01' }), credit('half', 1, { expiresOn: '2026-12-31' })];
    const result = debited(debitForBooking(entries, PACKS, request({ lines: [line('Half Day', 1, 1500), line('Hour', 2, 500)] })));
    expect(result.allocation.map((a) => [a.lot, a.tickets])).toEqual([
      ['half', 1],
      ['hours', 2],
    ]);
  });

  it('only uses packs eligible for the resource (or its item group) and for the member’s customer group', () => {
    const machinesOnly = packType({ name: 'Machines', itemCode: 'M', unit: 'half_day', eligibility: { resources: ['laser'] } });
    const coworkingGroup = packType({ name: 'Espace', itemCode: 'E', unit: 'half_day', eligibility: { itemGroups: ['Coworking'] } });
    const membersOnly = packType({ name: 'Adhérents', itemCode: 'A', unit: 'half_day', eligibility: { customerGroups: ['Adhérents'] } });
    const packs = [machinesOnly, coworkingGroup, membersOnly];
    const entries = [credit('m', 5, { packType: 'Machines', expiresOn: '2026-07-01' }), credit('e', 5, { packType: 'Espace', expiresOn: '2026-08-01' }), credit('a', 5, { packType: 'Adhérents', expiresOn: '2026-09-01' })];
    expect(debited(debitForBooking(entries, packs, request())).allocation[0]?.lot).toBe('e');
    expect(debited(debitForBooking(entries, packs, request({ resource: { id: 'laser' } }))).allocation[0]?.lot).toBe('m');
    expect(debited(debitForBooking(entries, packs, request({ resource: { id: 'salle-b' } }))).allocation[0]?.lot).toBe('a');
    expect(debitForBooking(entries, packs, request({ resource: { id: 'salle-b' }, customerGroup: 'Visiteurs' }))).toMatchObject({ ok: false });
  });

  it('needs a ticket valid on the day it is used: a lot ending before the booking’s day is not used', () => {
    const entries = [credit('ends-before', 5, { expiresOn: '2026-06-14' }), credit('ends-that-day', 5, { expiresOn: '2026-06-15' })];
    expect(debited(debitForBooking(entries, PACKS, request())).allocation[0]?.lot).toBe('ends-that-day');
    // A booking over two days needs tickets still valid on its last day.
    const twoDays = request({ end: at('2026-06-16 12:30') });
    expect(debitForBooking(entries, PACKS, twoDays)).toMatchObject({ ok: false });
  });

  it('ignores lots of other members', () => {
    expect(debitForBooking([credit('bobs', 5, { customer: 'bob' })], PACKS, request())).toMatchObject({ ok: false });
  });

  it('debits a booking once: asked again, it says so and writes nothing', () => {
    const entries = [credit('lot', 10)];
    const first = debited(debitForBooking(entries, PACKS, request()));
    const again = debitForBooking(withEntries(entries, first.entries), PACKS, request());
    expect(again).toEqual({ ok: true, status: 'already_debited', written: first.entries });
  });

  it('a member holding 10 tickets and booking 200 times gets exactly 10 bookings paid, the others refused or sent online', () => {
    for (const mode of ['all_or_nothing', 'partial'] as const) {
      let ledger: LedgerEntry[] = [credit('lot', 10)];
      let refused = 0;
      let online = 0;
      for (let i = 0; i < 200; i++) {
        const result = debitForBooking(ledger, PACKS, request({ bookingId: `BK-${i}`, mode }));
        if (!result.ok) refused++;
        else if (result.status === 'debited') {
          if (result.toPayOnline.length > 0) online++;
          ledger = withEntries(ledger, result.entries);
        }
        expect(balance(ledger, '2026-06-10').packs[0]?.tickets).toBeGreaterThanOrEqual(0);
      }
      expect(ledger.filter((e) => e.type === 'debit').reduce((sum, e) => sum - e.quantity, 0)).toBe(10);
      expect(mode === 'all_or_nothing' ? refused : online).toBe(190);
    }
  });
});

describe('check-in without a booking', () => {
  const coworker = { customer: 'alice', resource: { id: 'coworking' } };
  const days = credit('days', 5, { packType: DAYS.name });
  const halves = credit('halves', 5);

  it('takes a day ticket before the configured hour, a half-day ticket from then on', () => {
    const morning = checkInDebit([days, halves], PACKS, { ...coworker, at: at('2026-06-15 09:12') });
    expect(morning).toMatchObject({ ok: true, status: 'debited', unit: 'day', entries: [{ key: 'checkin:alice:2026-06-15:days', quantity: -1, lot: 'days', postingDate: '2026-06-15' }] });
    const afternoon = checkInDebit([days, halves], PACKS, { ...coworker, at: at('2026-06-15 12:00') });
    expect(afternoon).toMatchObject({ ok: true, status: 'debited', unit: 'half_day', entries: [{ key: 'checkin:alice:2026-06-15:halves', quantity: -1 }] });
    const late = ticketSettingsSchema.parse({ checkInHalfDayFrom: '13:30' });
    expect(checkInDebit([days, halves], PACKS, { ...coworker, at: at('2026-06-15 13:00') }, late)).toMatchObject({ unit: 'day' });
  });

  it('takes nothing the second time that day, and again the next day', () => {
    const first = checkInDebit([days], PACKS, { ...coworker, at: at('2026-06-15 09:12') });
    if (!first.ok || first.status !== 'debited') throw new Error('not debited');
    const ledger = withEntries([days], first.entries);
    expect(checkInDebit(ledger, PACKS, { ...coworker, at: at('2026-06-15 15:40') })).toMatchObject({ ok: true, status: 'already_debited' });
    expect(checkInDebit(ledger, PACKS, { ...coworker, at: at('2026-06-16 08:30') })).toMatchObject({ ok: true, status: 'debited' });
  });

  it('counts the day on the place’s clock: 00:30 in Paris is the next day though UTC says otherwise', () => {
    const result = checkInDebit([days], PACKS, { ...coworker, at: at('2026-06-16 00:30') });
    expect(result).toMatchObject({ entries: [{ key: 'checkin:alice:2026-06-16:days' }] });
  });

  it('refuses a member without a usable ticket, with the balance', () => {
    const result = checkInDebit([halves], PACKS, { ...coworker, at: at('2026-06-15 09:00') });
    expect(result).toMatchObject({ ok: false, reason: { code: 'TICKETS_INSUFFICIENT' } });
    expect(!result.ok && result.reason.fr).toBe(
      'Pas assez de tickets : il faut 1 journée ; votre solde utilisable ici : 5 demi-journées (Coworking 10 demi-journées, les premiers expirent le 31/12/2026)',
    );
  });
});

describe('refunds on cancellation', () => {
  const early = credit('early', 2, { expiresOn: '2026-07-31' });
  const late = credit('late', 5, { expiresOn: '2026-12-31' });
  const booked = (): LedgerEntry[] => {
    const result = debited(debitForBooking([early, late], PACKS, request({ lines: [line('Half Day', 4, 1500)] })));
    return withEntries([early, late], result.entries);
  };
  const refund = (entries: LedgerEntry[], feePercent: number, today = '2026-06-12') =>
    refundForBooking(entries, { customer: 'alice', bookingId: 'BK-1', feePercent, today });

  it('gives everything back to the lots it came from when the policy keeps nothing', () => {
    const ledger = booked();
    const result = refund(ledger, 0);
    expect(result).toMatchObject({ status: 'refunded', debited: 4, kept: 0, returned: 4, forfeited: 0 });
    expect(result.entries.map((e) => [e.key, e.lot, e.quantity])).toEqual([
      ['refund:BK-1:late', 'late', 2],
      ['refund:BK-1:early', 'early', 2],
    ]);
    expect(balance(withEntries(ledger, result.entries), '2026-06-12')).toEqual(balance([early, late], '2026-06-12'));
  });

  it('keeps the fee’s share rounded down to a whole ticket (the member’s favour), returning to the lots that expire last first', () => {
    const ledger = booked();
    expect(refund(ledger, 50)).toMatchObject({ debited: 4, kept: 2, returned: 2, entries: [{ lot: 'late', quantity: 2 }] });
    expect(refund(ledger, 30)).toMatchObject({ kept: 1, returned: 3 });
    expect(refund(ledger, 100)).toMatchObject({ kept: 4, returned: 0, entries: [] });
  });

  it('follows the place’s cancellation policy', () => {
    const booking = { status: 'confirmed' as const, start: at('2026-06-15 09:00'), price: 6000, amountPaid: 6000 };
    const { feePercent } = cancellationOutcome(booking, at('2026-06-14 08:00'));
    expect(feePercent).toBe(50);
    expect(refund(booked(), feePercent)).toMatchObject({ returned: 2 });
  });

  it('gives nothing back to a lot already past its last day: those tickets are forfeited', () => {
    const result = refund(booked(), 0, '2026-08-01');
    expect(result).toMatchObject({ returned: 2, forfeited: 2, entries: [{ lot: 'late', quantity: 2 }] });
  });

  it('refunds once', () => {
    const ledger = booked();
    const first = refund(ledger, 0);
    const after = withEntries(ledger, first.entries);
    expect(refund(after, 0)).toMatchObject({ status: 'already_refunded', entries: [], returned: 4 });
  });

  it('has nothing to give back for a booking paid otherwise', () => {
    expect(refund([early, against('debit', 'debit:other:early', early, -1)], 0)).toMatchObject({ status: 'nothing_debited', entries: [] });
  });
});
