import { DateTime } from 'luxon';
import { HOUR_MS } from '../../../sidecar/src/domain';
import { accepted, at, cents, erpDocuments, eventually, inErp, PARIS, quoteRows, ROOM, rowsOf, startMoneyPlace, weekdayAhead, type MoneyPlace } from './support';

/**
 * Pay after use: a post-paid customer's bookings are confirmed at once and billed nothing per booking; on the
 * invoicing day of the next month one draft Sales Invoice per customer bills every booking of the month (the time
 * held or used, the fees of late cancellations), for the accountant to review. Running it again bills nothing twice.
 */

let place: MoneyPlace;

beforeAll(async () => {
  place = await startMoneyPlace();
});

afterAll(async () => {
  await place.close();
});

/** The month after the real one: bookings there are in the future for the ERP, and in the past once the clock moves. */
const month = DateTime.now().setZone(PARIS).startOf('month').plus({ months: 1 });
const monthText = month.toFormat('yyyy-MM');
/** The first weekday from the `from`-th of that month. */
const weekday = (from: number): string => weekdayAhead(from - 1, month.toMillis());

it("bills a month's bookings of a post-paid customer on one draft invoice, once", async () => {
  const paul = await place.principal('paul');
  const bob = await place.principal('bob');
  const d1 = weekday(3);
  const d2 = weekday(10);
  const d3 = weekday(17);
  place.clock.set(at(d1, '07:00'));
  const used = accepted(await place.engine.service.create(paul, { resourceId: ROOM, start: at(d1, '09:00'), end: at(d1, '11:00') }));
  expect([used.status, used.paymentMode]).toEqual(['confirmed', 'post_paid']);
  const held = accepted(await place.engine.service.create(paul, { resourceId: ROOM, start: at(d2, '14:00'), end: at(d2, '15:00') }));
  const late = accepted(await place.engine.service.create(paul, { resourceId: ROOM, start: at(d3, '09:00'), end: at(d3, '10:00') }));
  const early = accepted(await place.engine.service.create(paul, { resourceId: ROOM, start: at(d3, '14:00'), end: at(d3, '15:00') }));
  const prepaid = accepted(await place.engine.service.create(bob, { resourceId: ROOM, start: at(d2, '09:00'), end: at(d2, '10:00'), paymentMode: 'on_site' }));
  const nextMonth = accepted(await place.engine.service.create(paul, { resourceId: ROOM, start: at(weekday(36), '09:00'), end: at(weekday(36), '10:00') }));

  place.clock.set(at(d1, '09:00'));
  accepted(await place.engine.service.checkIn(place.manager, used.id));
  place.clock.set(at(d1, '11:00'));
  accepted(await place.engine.service.checkOut(place.manager, used.id));
  // A cancellation the day before keeps it all (< 24 h), one long before keeps nothing.
  place.clock.set(late.start - 5 * HOUR_MS);
  accepted(await place.engine.service.cancel(paul, late.id, { expectedFee: 2500 }));
  place.clock.set(early.start - 72 * HOUR_MS);
  accepted(await place.engine.service.cancel(paul, early.id, { expectedFee: 0 }));
  const names = await Promise.all([used, held, late, early, prepaid, nextMonth].map((b) => inErp(place, b)));
  const [usedName = '', heldName = '', lateName = '', earlyName = '', prepaidName = ''] = names;
  await eventually(async () => {
    for (const b of [used, late, early]) {
      const record = await place.engine.booking(b.id);
      if (!record || record.syncedVersion < record.version) return undefined;
    }
    return true;
  }, 'every change in the ERP');
  await eventually(() => (erpDocuments(place, prepaidName).length === 1 ? true : undefined), 'the on-site booking’s own draft');
  // Nothing is billed per booking to a post-paid customer.
  expect([usedName, heldName, lateName, earlyName].flatMap((name) => erpDocuments(place, name))).toEqual([]);

  // Within the month, the daily check bills the month before (nothing for these customers), never this one.
  place.clock.set(at(weekday(20), '12:00'));
  const before = await place.money.checkPostPaid();
  expect([before?.month, before?.invoices]).toEqual([month.minus({ months: 1 }).toFormat('yyyy-MM'), []]);
  expect(await place.money.checkPostPaid()).toBeUndefined();

  place.clock.set(DateTime.fromISO(`${month.plus({ months: 1 }).toISODate() ?? ''}T06:00`, { zone: PARIS }).toMillis());
  const report = await place.money.checkPostPaid();
  expect(report?.month).toBe(monthText);
  expect(report?.invoices.map((i) => [i.customer, i.bookings.sort(), i.created])).toEqual([['Atelier Paul SARL', [heldName, lateName, usedName].sort(), true]]);
  const invoice = place.emulator.store.get('Sales Invoice', report?.invoices[0]?.invoice ?? '');
  expect([invoice?.docstatus, invoice?.customer, invoice?.po_no, invoice?.selling_price_list]).toEqual([0, 'Atelier Paul SARL', `Créneau ${monthText}`, 'Standard Selling']);
  const rows = rowsOf(invoice ?? {});
  // The quotes the customer was shown, line for line, and the fee the cancellation kept.
  expect(rows).toEqual([...quoteRows(used.quote), ...quoteRows(held.quote), { itemCode: 'RES-SALLE', uom: 'Hour', qty: 1, rate: 2500, amount: 2500 }]);
  expect((invoice?.items as { description: string }[])[2]?.description).toContain("Frais d'annulation");
  expect(cents(invoice?.total)).toBe(5000 + 2500 + 2500);

  // The daily check, a manager's run and a webhook-free retry all find it done.
  expect(await place.money.checkPostPaid()).toBeUndefined();
  const again = await place.money.invoicePostPaid(place.manager, monthText);
  expect([again.invoices, again.alreadyBilled]).toEqual([[], ['Atelier Paul SARL']]);
  await expect(place.money.invoicePostPaid(paul, monthText)).rejects.toThrow('managers');
  await expect(place.money.invoicePostPaid(place.manager, '2026-13')).rejects.toThrow('is not a month');
  expect(place.emulator.store.list('Sales Invoice').filter((doc) => doc.customer === 'Atelier Paul SARL')).toHaveLength(1);
});
