import { accepted, at, cents, erpDocuments, eventually, inErp, LASER, paymentRequests, quoteRows, rowsOf, startMoneyPlace, weekdayAhead, type MoneyPlace } from './support';

/**
 * A machine: a manager approves first; then a deposit (30 % of the ERP's total) through a Payment Request on the
 * booking's invoice; after use, the invoice is corrected to the time between check-in and check-out (a credit note
 * for booked time not used, an invoice for time used beyond), the deposit counting against what is left to pay.
 */

let place: MoneyPlace;

beforeAll(async () => {
  place = await startMoneyPlace();
});

afterAll(async () => {
  await place.close();
});

afterEach(() => {
  place.clock.shiftMs = 0;
});

const statusOf = async (id: string): Promise<string | undefined> => (await place.engine.booking(id))?.status;

async function approvedAndDepositPaid(day: string, from: string, to: string) {
  const alice = await place.principal('alice');
  const booking = accepted(await place.engine.service.create(alice, { resourceId: LASER, start: at(day, from), end: at(day, to) }));
  expect([booking.status, booking.paymentMode]).toEqual(['pending_approval', 'deposit']);
  const erpName = await inErp(place, booking);
  const draft = await eventually(() => erpDocuments(place, erpName)[0], 'the draft invoice of the request');
  expect(rowsOf(draft)).toEqual(quoteRows(booking.quote));
  await expect(place.money.startPayment(alice, booking.id)).rejects.toThrow('Nothing to pay');

  const approved = accepted(await place.engine.service.approve(place.manager, booking.id));
  expect(approved.status).toBe('awaiting_payment');
  await eventually(async () => ((await place.engine.booking(booking.id))?.syncedVersion === 2 ? true : undefined), 'the approval in the ERP');
  const start = await place.money.startPayment(alice, booking.id);
  return { alice, booking, erpName, invoice: start.invoice, start };
}

it('approved → deposit → used less than booked: a credit note for the hour not used, the rest paid online', async () => {
  const day = weekdayAhead(9);
  const { alice, booking, erpName, invoice, start } = await approvedAndDepositPaid(day, '10:00', '13:00');
  // 3 h at the member rate 30.00 = 90.00, VAT 18.00: the deposit is 30 % of the ERP's 108.00.
  expect([invoice.lines, invoice.taxes, invoice.total]).toEqual([9000, 1800, 10800]);
  expect(booking.quote?.deposit).toBe(2700);
  expect([start.next, start.amount]).toEqual(['redirect', 3240]);
  place.emulator.gateway.pay(start.paymentRequest ?? '');
  await eventually(async () => ((await statusOf(booking.id)) === 'confirmed' ? true : undefined), 'the deposit to confirm the booking');
  const partly = place.emulator.store.get('Sales Invoice', invoice.name);
  expect([partly?.status, cents(partly?.outstanding_amount)]).toEqual(['Partly Paid', 7560]);

  place.clock.set(at(day, '10:05'));
  accepted(await place.engine.service.checkIn(place.manager, booking.id));
  place.clock.set(at(day, '11:40'));
  const done = accepted(await place.engine.service.checkOut(place.manager, booking.id));
  expect(done.status).toBe('completed');

  // 1 h 35 used: 2 hours billed, so one hour is credited.
  const credit = await eventually(() => erpDocuments(place, erpName).find((doc) => doc.is_return === 1), 'the credit note for the time not used');
  expect([credit.return_against, rowsOf(credit)]).toEqual([invoice.name, [{ itemCode: 'RES-LASER', uom: 'Hour', qty: -1, rate: 3000, amount: -3000 }]]);
  const documents = await place.money.documents(alice, booking.id);
  expect(documents.documents.reduce((sum, doc) => sum + doc.lines, 0)).toBe(6000);
  // 72.00 for 2 h with VAT, 32.40 paid: 39.60 left.
  expect([documents.toPay, documents.toRefund]).toEqual([3960, 0]);

  const rest = await place.money.startPayment(alice, booking.id);
  expect([rest.next, rest.amount, rest.invoice.name]).toEqual(['redirect', 3960, invoice.name]);
  place.emulator.gateway.pay(rest.paymentRequest ?? '');
  const paid = await eventually(() => (place.emulator.store.get('Sales Invoice', invoice.name)?.outstanding_amount === 0 ? true : undefined), 'the rest paid');
  expect(paid).toBe(true);
  expect(paymentRequests(place, invoice.name).map((r) => [r.status, cents(r.grand_total)])).toEqual([
    ['Paid', 3240],
    ['Paid', 3960],
  ]);
  // Looking again (another version synced, a webhook) adds nothing.
  await place.money.notify({ doctype: 'Sales Invoice', name: invoice.name, event: 'on_submit', modified: '2031-01-01 00:00:00.000000', docstatus: 1 });
  await new Promise((resolve) => setTimeout(resolve, 800));
  expect(erpDocuments(place, erpName)).toHaveLength(2);
});

it('used beyond the booking: an invoice for the extra hours; the deposit still counts on the first', async () => {
  const day = weekdayAhead(9);
  const { alice, booking, erpName, invoice, start } = await approvedAndDepositPaid(day, '15:00', '16:00');
  place.emulator.gateway.pay(start.paymentRequest ?? '');
  await eventually(async () => ((await statusOf(booking.id)) === 'confirmed' ? true : undefined), 'confirmed');
  place.clock.set(at(day, '14:50'));
  accepted(await place.engine.service.checkIn(place.manager, booking.id));
  place.clock.set(at(day, '17:20'));
  accepted(await place.engine.service.checkOut(place.manager, booking.id));
  // Billed from the start (arriving early is not using the machine) to 17:20: 2 h 20, three hours.
  const extra = await eventually(() => erpDocuments(place, erpName).find((doc) => doc.name !== invoice.name && doc.is_return !== 1 && doc.docstatus === 1), 'the invoice for the time beyond');
  expect([extra.po_no, rowsOf(extra)]).toEqual([`${erpName} complément`, [{ itemCode: 'RES-LASER', uom: 'Hour', qty: 2, rate: 3000, amount: 6000 }]]);
  const documents = await place.money.documents(alice, booking.id);
  expect(documents.documents.reduce((sum, doc) => sum + doc.lines, 0)).toBe(9000);
  // 36.00 on the first (10.80 paid), 72.00 on the second.
  expect(documents.toPay).toBe(3600 - 1080 + 7200);
});

it('a manager rejects with a reason: the draft invoice goes', async () => {
  const alice = await place.principal('alice');
  const day = weekdayAhead(10);
  const booking = accepted(await place.engine.service.create(alice, { resourceId: LASER, start: at(day, '09:00'), end: at(day, '10:00') }));
  const erpName = await inErp(place, booking);
  const draft = await eventually(() => erpDocuments(place, erpName)[0], 'the draft');
  const rejected = accepted(await place.engine.service.reject(place.manager, booking.id, 'Machine en maintenance'));
  expect([rejected.status, rejected.cancellationReason]).toEqual(['rejected', 'Machine en maintenance']);
  await eventually(() => (place.emulator.store.get('Sales Invoice', String(draft.name)) ? undefined : true), 'the draft deleted');
});
