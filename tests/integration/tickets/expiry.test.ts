import { DateTime } from 'luxon';
import type { TicketEngine } from '../../../sidecar/src/tickets';
import { eventually, PARIS, startTicketPlace, type TicketTestPlace } from './support';

/**
 * Expiry: a daily run at a fixed local time writes an Expiry entry for what is left in each lot past
 * its last day (never a deletion), on DST days too: a lot is valid through the end of its last local
 * day, 23 or 25 hours long. Before it, members are reminded once, in the ERP (a Communication on the
 * Customer) and in the balance the API shows.
 */

const PACK = { name: 'Carnet 10 demi-journées', item: 'CARNET-10-DJ', ticketsPerPack: 10, unit: 'Half Day' as const, validityDays: 365 };

let place: TicketTestPlace;
let tickets: TicketEngine;
const clock = { now: DateTime.fromISO('2027-03-10T10:00', { zone: PARIS }).toMillis() };
const paris = (text: string): number => DateTime.fromISO(text, { zone: PARIS }).toMillis();

beforeAll(async () => {
  place = await startTicketPlace({ packs: [PACK], members: [{ key: 'alice' }, { key: 'bob' }, { key: 'chloe' }] });
  tickets = await place.tickets({}, () => clock.now);
});

afterAll(async () => {
  await place.close();
});

async function lot(key: string, quantity: number, expiresOn: string): Promise<void> {
  const result = await tickets.service.correct(place.manager, place.customer(key), { packType: PACK.name, quantity, expiresOn, reason: 'Solde repris' });
  expect(result.ok).toBe(true);
}

async function balanceAt(key: string, at: number) {
  clock.now = at;
  const view = await tickets.service.balance(place.member(key));
  return view.packs.map((pack) => ({ tickets: pack.tickets, awaitingExpiry: pack.awaitingExpiry }));
}

describe('the daily expiry run', () => {
  it('on the spring DST day (23 hours): the lot is usable until midnight, and expires at the first run after it', async () => {
    await lot('alice', 5, '2027-03-28');
    expect(await balanceAt('alice', paris('2027-03-28T23:59'))).toEqual([{ tickets: 5, awaitingExpiry: 0 }]);
    expect(await tickets.runDaily(paris('2027-03-28T23:59'))).toMatchObject({ lotsExpired: 0 });
    // 00:01 on the 29th: past its day, no longer usable, waiting for the run.
    expect(await balanceAt('alice', paris('2027-03-29T00:01'))).toEqual([{ tickets: 0, awaitingExpiry: 5 }]);
    expect(await tickets.runDaily(paris('2027-03-29T00:05'))).toMatchObject({ today: '2027-03-29', lotsExpired: 1, ticketsExpired: 5 });
    expect(await tickets.runDaily(paris('2027-03-29T00:06'))).toMatchObject({ lotsExpired: 0 });
    expect(await balanceAt('alice', paris('2027-03-29T00:07'))).toEqual([{ tickets: 0, awaitingExpiry: 0 }]);

    const alice = place.customer('alice');
    const ledger = await place.redisLedger(alice);
    const opening = ledger.entries[0];
    expect(ledger.entries.map((e) => [e.type, e.quantity, e.postingDate, e.lot ?? null])).toEqual([
      ['correction', 5, '2027-03-10', null],
      ['expiry', -5, '2027-03-29', opening?.key],
    ]);
    // In the ERP too: an entry, nothing deleted.
    const docs = await eventually(() => {
      const found = place.erpEntries(alice);
      return found.length === 2 ? found : undefined;
    }, 'the expiry in the ERP');
    expect(docs.map((doc) => [doc.entry_type, doc.quantity, doc.posting_date]).sort()).toEqual([
      ['Correction', 5, '2027-03-10'],
      ['Expiry', -5, '2027-03-29'],
    ]);
  });

  it('on the autumn DST day (25 hours): the lot is usable through the extra hour, and only what is left expires', async () => {
    clock.now = paris('2027-10-20T10:00');
    await lot('bob', 4, '2027-10-31');
    const bob = place.customer('bob');
    place.erpBooking(bob, 'bk_expiryautumn000001');
    const used = await tickets.bookings.debitForBooking({
      bookingId: 'bk_expiryautumn000001',
      customer: bob,
      resourceId: 'Coworking',
      lines: [{ itemCode: 'RES-COWORKING', uom: 'Half Day', qty: 1, rate: 800, amount: 800 }],
      start: paris('2027-10-31T09:00'),
      end: paris('2027-10-31T13:00'),
      mode: 'all_or_nothing',
    });
    expect(used.ok).toBe(true);
    // 23:30 on the 31st is 24 h 30 after its midnight: still the 31st.
    expect(await tickets.runDaily(paris('2027-10-31T23:30'))).toMatchObject({ today: '2027-10-31', lotsExpired: 0 });
    expect(await tickets.runDaily(paris('2027-11-01T00:05'))).toMatchObject({ today: '2027-11-01', lotsExpired: 1, ticketsExpired: 3 });
    const ledger = await place.redisLedger(bob);
    expect(ledger.entries.filter((e) => e.type === 'expiry').map((e) => [e.quantity, e.postingDate])).toEqual([[-3, '2027-11-01']]);
  });

  it('is scheduled every day at 00:05 on the wall clock of the place', async () => {
    const next = await tickets.nextDailyRun();
    const expected = DateTime.now().setZone(PARIS).startOf('day').plus({ minutes: 5 });
    const upcoming = expected.toMillis() > Date.now() ? expected : expected.plus({ days: 1 }).set({ hour: 0, minute: 5 });
    expect(next).toBe(upcoming.toMillis());
  });
});

describe('reminders before tickets expire', () => {
  it('tells the member once, 14 days ahead by default: a Communication on the Customer in the ERP, and a notice in the balance', async () => {
    const chloe = place.customer('chloe');
    clock.now = paris('2027-06-01T10:00');
    await lot('chloe', 6, '2027-06-20');
    const early = await tickets.service.balance(place.member('chloe'));
    expect(early.expiringSoon).toEqual([]);

    clock.now = paris('2027-06-10T00:05');
    expect(await tickets.runDaily(clock.now)).toMatchObject({ reminders: 1 });
    const view = await tickets.service.balance(place.member('chloe'));
    expect(view.expiringSoon).toEqual([{ packType: PACK.name, unit: 'half_day', tickets: 6, expiresOn: '2027-06-20', daysLeft: 11 }]);
    const communications = await eventually(() => {
      const found = place.base.emulator.store.list('Communication', (doc) => doc.reference_name === chloe);
      return found.length > 0 ? found : undefined;
    }, 'the reminder in the ERP');
    expect(communications).toHaveLength(1);
    expect(communications[0]).toMatchObject({ reference_doctype: 'Customer', communication_medium: 'Email', sent_or_received: 'Sent' });
    expect(String(communications[0]?.subject)).toBe(`Vos tickets « ${PACK.name} » expirent le 20/06/2027`);
    expect(String(communications[0]?.content)).toContain('6 demi-journées');

    // The next days' runs remind no more.
    await eventually(async () => ((await place.base.redis.sismember(`${place.base.keys.prefix}tk:reminded`, `reminder:${(await place.redisLedger(chloe)).entries[0]?.key ?? ''}`)) === 1 ? true : undefined), 'the reminder to be marked sent');
    clock.now = paris('2027-06-11T00:05');
    expect(await tickets.runDaily(clock.now)).toMatchObject({ reminders: 0 });
    expect(place.base.emulator.store.list('Communication', (doc) => doc.reference_name === chloe)).toHaveLength(1);
  });
});
