import { HOUR_MS } from '../../../sidecar/src/domain';
import type { BookingView, Principal } from '../../../sidecar/src/booking';
import { accepted, at, cents, erpDocuments, eventually, inErp, paymentRequests, ROOM, startMoneyPlace, weekdayAhead, type MoneyPlace } from './support';

/**
 * Cancelling under the place's policy (≥ 48 h: all back, 24–48 h: half, < 24 h: nothing): the fee and the refund the
 * member saw before confirming become ERP documents. A paid invoice gets a credit note for the refund (its
 * outstanding then says what the place owes back); an unpaid draft bills only the fee or goes; an unpaid submitted
 * invoice is credited down to the fee, which stays to pay.
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

async function paidBooking(who: Principal, day: string, from: string, to: string): Promise<{ booking: BookingView; erpName: string; invoice: string }> {
  const booking = accepted(await place.engine.service.create(who, { resourceId: ROOM, start: at(day, from), end: at(day, to) }));
  const erpName = await inErp(place, booking);
  const start = await place.money.startPayment(who, booking.id);
  place.emulator.gateway.pay(start.paymentRequest ?? '');
  await eventually(async () => ((await place.engine.booking(booking.id))?.status === 'confirmed' ? true : undefined), 'the payment to confirm the booking');
  return { booking, erpName, invoice: start.invoice.name };
}

/** Cancels as the member would: the preview first, then the cancellation at the fee shown. */
async function cancelAt(who: Principal, booking: BookingView, hoursBefore: number): Promise<{ fee: number; refund: number }> {
  place.clock.set(booking.start - hoursBefore * HOUR_MS);
  const preview = await place.engine.service.cancellationPreview(who, booking.id);
  if (!preview.ok) throw new Error(`no preview: ${preview.reasons.map((r) => r.code).join(', ')}`);
  accepted(await place.engine.service.cancel(who, booking.id, { expectedFee: preview.value.fee }));
  return { fee: preview.value.fee, refund: preview.value.refund };
}

const creditNoteOf = (erpName: string) => eventually(() => erpDocuments(place, erpName).find((doc) => doc.is_return === 1 && doc.docstatus === 1), 'the credit note');

it('≥ 48 h before: a credit note for all of it, and the refund owed shows on the invoice', async () => {
  const alice = await place.principal('alice');
  const { booking, erpName, invoice } = await paidBooking(alice, weekdayAhead(10), '09:00', '11:00');
  const seen = await cancelAt(alice, booking, 72);
  expect(seen).toEqual({ fee: 0, refund: 3600 });
  const credit = await creditNoteOf(erpName);
  expect([credit.return_against, credit.update_outstanding_for_self, cents(credit.total), cents(credit.grand_total)]).toEqual([invoice, 0, -3600, -4320]);
  expect(place.emulator.store.get('Creneau Booking', erpName)?.cancellation_fee).toBe(0);
  const documents = await place.money.documents(alice, booking.id);
  expect(documents.documents.map((d) => [d.kind, d.lines, d.outstanding])).toEqual([
    ['invoice', 3600, -4320],
    ['credit_note', -3600, 0],
  ]);
  expect([documents.toPay, documents.toRefund]).toEqual([0, 4320]);
});

it('24–48 h before: half kept; the credit note is the refund shown, in whole hours and cents at no more than the invoiced rate', async () => {
  const bob = await place.principal('bob');
  // Bob's public rate: 1 h at 25.00; half of it, 12.50, comes back as one hour at 12.50 (never above 25.00).
  const { booking, erpName, invoice } = await paidBooking(bob, weekdayAhead(10), '13:00', '14:00');
  const seen = await cancelAt(bob, booking, 36);
  expect(seen).toEqual({ fee: 1250, refund: 1250 });
  const credit = await creditNoteOf(erpName);
  expect(cents(credit.total)).toBe(-seen.refund);
  expect((credit.items as { qty: number; rate: number }[]).map((row) => [row.qty, cents(row.rate)])).toEqual([[-1, 1250]]);
  expect(cents(place.emulator.store.get('Creneau Booking', erpName)?.cancellation_fee)).toBe(1250);
  const original = place.emulator.store.get('Sales Invoice', invoice);
  // Paid 30.00 (25.00 + VAT); the credit is 12.50 + VAT = 15.00, owed back.
  expect([original?.status, cents(original?.outstanding_amount)]).toEqual(['Credit Note Issued', -1500]);
  // A second look at the booking changes nothing.
  await place.money.notify({ doctype: 'Sales Invoice', name: invoice, event: 'on_submit', modified: '2031-01-01 00:00:00.000000', docstatus: 1 });
  await new Promise((resolve) => setTimeout(resolve, 800));
  expect(erpDocuments(place, erpName).filter((doc) => doc.is_return === 1)).toHaveLength(1);
});

it('< 24 h before: everything is kept, no credit note', async () => {
  const alice = await place.principal('alice');
  const { booking, erpName, invoice } = await paidBooking(alice, weekdayAhead(10), '17:00', '18:00');
  const seen = await cancelAt(alice, booking, 5);
  expect(seen).toEqual({ fee: 1800, refund: 0 });
  await eventually(async () => ((await place.engine.booking(booking.id))?.syncedVersion === (await place.engine.booking(booking.id))?.version ? true : undefined), 'the cancellation in the ERP');
  await new Promise((resolve) => setTimeout(resolve, 800));
  expect(erpDocuments(place, erpName).map((doc) => [doc.name, doc.status])).toEqual([[invoice, 'Paid']]);
});

it('an unpaid hold cancelled: the draft goes; once submitted for payment, the request and then the invoice are cancelled', async () => {
  const bob = await place.principal('bob');
  const day = weekdayAhead(12);
  const drafted = accepted(await place.engine.service.create(bob, { resourceId: ROOM, start: at(day, '09:00'), end: at(day, '10:00') }));
  const draftName = await inErp(place, drafted);
  const draft = await eventually(() => erpDocuments(place, draftName)[0], 'the draft');
  accepted(await place.engine.service.cancel(bob, drafted.id, { expectedFee: 0 }));
  await eventually(() => (place.emulator.store.get('Sales Invoice', String(draft.name)) ? undefined : true), 'the draft deleted');

  const submitted = accepted(await place.engine.service.create(bob, { resourceId: ROOM, start: at(day, '11:00'), end: at(day, '12:00') }));
  await inErp(place, submitted);
  const start = await place.money.startPayment(bob, submitted.id);
  accepted(await place.engine.service.cancel(bob, submitted.id, { expectedFee: 0 }));
  await eventually(() => (place.emulator.store.get('Sales Invoice', start.invoice.name)?.docstatus === 2 ? true : undefined), 'the invoice cancelled');
  expect(paymentRequests(place, start.invoice.name).map((r) => r.status)).toEqual(['Cancelled']);
});

it('paying on site, cancelled at 50 %: the draft bills only the fee; once submitted, a credit note leaves the fee to pay', async () => {
  const bob = await place.principal('bob');
  const day = weekdayAhead(14);
  const drafted = accepted(await place.engine.service.create(bob, { resourceId: ROOM, start: at(day, '09:00'), end: at(day, '11:00'), paymentMode: 'on_site' }));
  expect(drafted.status).toBe('confirmed');
  const draftName = await inErp(place, drafted);
  const draft = await eventually(() => erpDocuments(place, draftName)[0], 'the draft');
  const seen = await cancelAt(bob, drafted, 30);
  expect(seen).toEqual({ fee: 2500, refund: 0 });
  const feeOnly = await eventually(() => {
    const doc = place.emulator.store.get('Sales Invoice', String(draft.name));
    return (doc?.items as { description?: string }[] | undefined)?.[0]?.description?.startsWith("Frais d'annulation") ? doc : undefined;
  }, 'the draft billing the fee');
  expect([feeOnly.docstatus, cents(feeOnly.total), (feeOnly.items as unknown[]).length]).toEqual([0, seen.fee, 1]);

  place.clock.shiftMs = 0;
  const submitted = accepted(await place.engine.service.create(bob, { resourceId: ROOM, start: at(day, '14:00'), end: at(day, '16:00'), paymentMode: 'on_site' }));
  await inErp(place, submitted);
  const start = await place.money.startPayment(bob, submitted.id);
  expect(start.invoice.docstatus).toBe(1);
  const fee = await cancelAt(bob, submitted, 30);
  const credit = await creditNoteOf(await inErp(place, submitted));
  expect(cents(credit.total)).toBe(-(5000 - fee.fee));
  const documents = await place.money.documents(bob, submitted.id);
  // The fee and its VAT remain to pay on the invoice.
  expect([documents.toPay, documents.toRefund]).toEqual([3000, 0]);
  expect(paymentRequests(place, start.invoice.name).map((r) => r.status)).toEqual(['Cancelled']);
});
