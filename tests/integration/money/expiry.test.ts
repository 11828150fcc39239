import { accepted, at, cents, erpDocuments, eventually, inErp, paymentRequests, ROOM, startMoneyPlace, weekdayAhead, type MoneyPlace } from './support';

/**
 * An unpaid hold ends: its payment request is withdrawn first (a submitted one would block cancelling the invoice,
 * a draft one deleting it), then the invoice is cancelled, or deleted while still a draft. The checkout is then
 * refused by the gateway; money recorded anyway (at the desk, after the hold) is paid back with a credit note.
 */

let place: MoneyPlace;

beforeAll(async () => {
  place = await startMoneyPlace({ engine: { holdMs: 2_500 } });
});

afterAll(async () => {
  await place.close();
});

const statusOf = async (id: string): Promise<string | undefined> => (await place.engine.booking(id))?.status;

it('a hold that ends before the member chose to pay: the draft invoice is deleted', async () => {
  const bob = await place.principal('bob');
  const day = weekdayAhead(10);
  const booking = accepted(await place.engine.service.create(bob, { resourceId: ROOM, start: at(day, '09:00'), end: at(day, '10:00') }));
  const erpName = await inErp(place, booking);
  const draft = await eventually(() => erpDocuments(place, erpName)[0], 'the draft invoice');
  await eventually(async () => ((await statusOf(booking.id)) === 'expired' ? true : undefined), 'the hold to end');
  await eventually(() => (place.emulator.store.get('Sales Invoice', String(draft.name)) ? undefined : true), 'the draft invoice deleted');
  expect(erpDocuments(place, erpName)).toEqual([]);
  await expect(place.money.startPayment(bob, booking.id)).rejects.toThrow('Nothing to pay');
});

it('a hold that ends while the member is at the checkout: the request is cancelled, then the invoice; the checkout refuses to charge', async () => {
  const alice = await place.principal('alice');
  const day = weekdayAhead(10);
  const booking = accepted(await place.engine.service.create(alice, { resourceId: ROOM, start: at(day, '11:00'), end: at(day, '12:00') }));
  await inErp(place, booking);
  const start = await place.money.startPayment(alice, booking.id);
  expect(start.next).toBe('redirect');
  await eventually(async () => ((await statusOf(booking.id)) === 'expired' ? true : undefined), 'the hold to end');
  await eventually(() => (place.emulator.store.get('Sales Invoice', start.invoice.name)?.docstatus === 2 ? true : undefined), 'the invoice cancelled');
  expect(paymentRequests(place, start.invoice.name).map((r) => [r.docstatus, r.status])).toEqual([[2, 'Cancelled']]);
  expect(() => place.emulator.gateway.pay(start.paymentRequest ?? '')).toThrow(/cancel/i);
  expect(place.emulator.store.list('Payment Entry').filter((pe) => pe.reference_no === start.paymentRequest)).toEqual([]);
  await expect(place.money.startPayment(alice, booking.id)).rejects.toThrow('Nothing to pay');
});

it('money recorded after the hold ended is paid back: the booking stays expired, a credit note owes it back', async () => {
  const alice = await place.principal('alice');
  const day = weekdayAhead(11);
  const booking = accepted(await place.engine.service.create(alice, { resourceId: ROOM, start: at(day, '11:00'), end: at(day, '12:00') }));
  const erpName = await inErp(place, booking);
  const start = await place.money.startPayment(alice, booking.id);
  // The hold ends, but the ERP does not hear of it yet (its booking cannot be written): the checkout is still open
  // and the member pays in that moment.
  const blocked = place.emulator.faults.add({ match: { method: 'PUT', path: `/api/resource/Creneau Booking/${erpName}` }, action: { kind: 'status', status: 503 } });
  await eventually(async () => ((await statusOf(booking.id)) === 'expired' ? true : undefined), 'the booking expired in the index');
  place.emulator.gateway.pay(start.paymentRequest ?? '');
  await new Promise((resolve) => setTimeout(resolve, 1_000));
  expect(await statusOf(booking.id)).toBe('expired');
  place.emulator.faults.remove(blocked);

  const credit = await eventually(() => erpDocuments(place, erpName).find((doc) => doc.is_return === 1 && doc.docstatus === 1), 'the credit note');
  expect([credit.return_against, cents(credit.total), cents(credit.grand_total)]).toEqual([start.invoice.name, -1800, -2160]);
  const original = place.emulator.store.get('Sales Invoice', start.invoice.name);
  expect(cents(original?.outstanding_amount)).toBe(-2160);
  const documents = await place.money.documents(alice, booking.id);
  expect([documents.toPay, documents.toRefund]).toEqual([0, 2160]);
  expect(await statusOf(booking.id)).toBe('expired');

  await expect(place.money.recordRefund(alice, booking.id, {})).rejects.toThrow('managers');
  const refunded = await place.money.recordRefund(place.manager, booking.id, { modeOfPayment: 'Wire Transfer' });
  expect([refunded.toPay, refunded.toRefund]).toEqual([0, 0]);
  const refund = place.emulator.store.list('Payment Entry').find((pe) => pe.payment_type === 'Pay' && pe.party === 'Alice Martin');
  expect([refund?.docstatus, cents(refund?.paid_amount), refund?.mode_of_payment]).toEqual([1, 2160, 'Wire Transfer']);
});
