import { setTimeout as sleep } from 'node:timers/promises';
import { HOUR_MS } from '../../../sidecar/src/domain';
import { ErpUnavailableError } from '../../../sidecar/src/erp';
import { accepted, at, cents, erpDocuments, eventually, inErp, LASER, paymentRequests, ROOM, startMoneyPlace, weekdayAhead, type MoneyPlace } from './support';

/**
 * The ERP down, or answering nothing after doing the work, at each step of the money flows: the work completes
 * once it is back, and a write whose answer was lost is found instead of being made twice.
 */

let place: MoneyPlace;

beforeAll(async () => {
  place = await startMoneyPlace({ engine: { holdMs: 6_000 }, erp: { timeoutMs: 2_000, retry: { maxAttempts: 2, baseDelayMs: 50 } } });
});

afterAll(async () => {
  await place.close();
});

afterEach(() => {
  place.emulator.faults.clear();
  place.clock.shiftMs = 0;
});

/** Every REST call of the sidecar fails (503) until the returned function is called. */
function erpDown(): () => void {
  const id = place.emulator.faults.add({ match: { path: '/api/' }, action: { kind: 'status', status: 503 } });
  return () => place.emulator.faults.remove(id);
}

/** The next matching call is carried out, but its answer is lost (504): the caller cannot know it landed. */
function answerLost(method: string, path: string): void {
  place.emulator.faults.add({ match: { method, path }, action: { kind: 'status', status: 504 }, when: 'after', times: 1 });
}

const statusOf = async (id: string): Promise<string | undefined> => (await place.engine.booking(id))?.status;

it('booking and drafting its invoice while the ERP is down: both land once it is back, the invoice once although its answer was lost', async () => {
  const bob = await place.principal('bob');
  const day = weekdayAhead(10);
  // The member's profile and prices are in the sidecar's cache already (the member looked at the price first).
  accepted(await place.engine.service.quote(bob, { resourceId: ROOM, start: at(day, '09:00'), end: at(day, '10:00') }));
  const up = erpDown();
  const booking = accepted(await place.engine.service.create(bob, { resourceId: ROOM, start: at(day, '09:00'), end: at(day, '10:00'), paymentMode: 'on_site' }));
  await sleep(1_500);
  answerLost('POST', '/api/resource/Sales Invoice');
  up();
  const erpName = await inErp(place, booking);
  const draft = await eventually(() => erpDocuments(place, erpName)[0], 'the draft invoice');
  await sleep(1_000);
  expect(erpDocuments(place, erpName).map((doc) => doc.name)).toEqual([draft.name]);
  expect(place.logs.some((line) => line.msg === 'money job failed, will be retried' || line.msg === 'job failed, will be retried')).toBe(true);
});

it('paying while the ERP is down: a clear 503, then the same request once it is back (its lost answer not making a second one)', async () => {
  const alice = await place.principal('alice');
  const day = weekdayAhead(10);
  const booking = accepted(await place.engine.service.create(alice, { resourceId: ROOM, start: at(day, '11:00'), end: at(day, '12:00') }));
  const erpName = await inErp(place, booking);
  await eventually(() => erpDocuments(place, erpName)[0], 'the draft');
  const up = erpDown();
  await expect(place.money.startPayment(alice, booking.id)).rejects.toBeInstanceOf(ErpUnavailableError);
  up();
  answerLost('POST', '/api/method/erpnext.accounts.doctype.payment_request.payment_request.make_payment_request');
  answerLost('PUT', '/api/resource/Payment Request/');
  const first = await place.money.startPayment(alice, booking.id).catch(() => place.money.startPayment(alice, booking.id));
  const second = await place.money.startPayment(alice, booking.id);
  expect(second.paymentRequest).toBe(first.paymentRequest);
  expect(paymentRequests(place, first.invoice.name).filter((r) => r.docstatus !== 2)).toHaveLength(1);

  // The payment is recorded while the ERP does not answer the sidecar: the webhook's job waits for it.
  const upAgain = erpDown();
  place.emulator.gateway.pay(first.paymentRequest ?? '');
  await sleep(1_500);
  expect(await statusOf(booking.id)).toBe('awaiting_payment');
  upAgain();
  await eventually(async () => ((await statusOf(booking.id)) === 'confirmed' ? true : undefined), 'the booking confirmed once the ERP is back');
});

it('a hold ending while the ERP is down: the request and the invoice are cancelled once it is back', async () => {
  const bob = await place.principal('bob');
  const day = weekdayAhead(11);
  const booking = accepted(await place.engine.service.create(bob, { resourceId: ROOM, start: at(day, '09:00'), end: at(day, '10:00') }));
  await inErp(place, booking);
  const start = await place.money.startPayment(bob, booking.id);
  const up = erpDown();
  await eventually(async () => ((await statusOf(booking.id)) === 'expired' ? true : undefined), 'the hold to end', 20_000);
  await sleep(1_000);
  expect(place.emulator.store.get('Sales Invoice', start.invoice.name)?.docstatus).toBe(1);
  answerLost('PUT', '/api/resource/Payment Request/');
  up();
  await eventually(() => (place.emulator.store.get('Sales Invoice', start.invoice.name)?.docstatus === 2 ? true : undefined), 'the invoice cancelled', 20_000);
  expect(paymentRequests(place, start.invoice.name).map((r) => r.status)).toEqual(['Cancelled']);
});

it('a cancellation while the ERP is down: one credit note once it is back, although the answer to it was lost', async () => {
  const alice = await place.principal('alice');
  const day = weekdayAhead(12);
  const booking = accepted(await place.engine.service.create(alice, { resourceId: ROOM, start: at(day, '09:00'), end: at(day, '10:00') }));
  const erpName = await inErp(place, booking);
  const start = await place.money.startPayment(alice, booking.id);
  place.emulator.gateway.pay(start.paymentRequest ?? '');
  await eventually(async () => ((await statusOf(booking.id)) === 'confirmed' ? true : undefined), 'confirmed');
  const up = erpDown();
  place.clock.set(booking.start - 72 * HOUR_MS);
  accepted(await place.engine.service.cancel(alice, booking.id, { expectedFee: 0 }));
  await sleep(1_500);
  answerLost('POST', '/api/resource/Sales Invoice');
  up();
  const credit = await eventually(() => erpDocuments(place, erpName).find((doc) => doc.is_return === 1), 'the credit note', 20_000);
  await sleep(1_500);
  expect(erpDocuments(place, erpName).filter((doc) => doc.is_return === 1).map((doc) => [doc.name, cents(doc.total)])).toEqual([[credit.name, -1800]]);
});

it("a machine's final bill and a post-paid month while the ERP is down: done once it is back", async () => {
  const alice = await place.principal('alice');
  const paul = await place.principal('paul');
  const day = weekdayAhead(13);
  const machine = accepted(await place.engine.service.create(alice, { resourceId: LASER, start: at(day, '09:00'), end: at(day, '11:00') }));
  accepted(await place.engine.service.approve(place.manager, machine.id));
  await eventually(async () => {
    const record = await place.engine.booking(machine.id);
    if (record?.status !== 'awaiting_payment' || record.syncedVersion < record.version) throw new Error(`booking at ${JSON.stringify({ status: record?.status, version: record?.version, synced: record?.syncedVersion })}`);
    return true;
  }, 'the approval in the ERP');
  const deposit = await place.money.startPayment(alice, machine.id);
  place.emulator.gateway.pay(deposit.paymentRequest ?? '');
  await eventually(async () => ((await statusOf(machine.id)) === 'confirmed' ? true : undefined), 'the deposit');
  const postPaid = accepted(await place.engine.service.create(paul, { resourceId: ROOM, start: at(day, '14:00'), end: at(day, '15:00') }));
  const postPaidName = await inErp(place, postPaid);

  const up = erpDown();
  place.clock.set(at(day, '09:00'));
  accepted(await place.engine.service.checkIn(place.manager, machine.id));
  place.clock.set(at(day, '09:50'));
  accepted(await place.engine.service.checkOut(place.manager, machine.id));
  place.clock.set(at(day, '16:00') + 31 * 24 * HOUR_MS);
  const month = day.slice(0, 7);
  await expect(place.money.invoicePostPaid(place.manager, month)).rejects.toBeInstanceOf(ErpUnavailableError);
  up();
  const erpName = await inErp(place, machine);
  const credit = await eventually(() => erpDocuments(place, erpName).find((doc) => doc.is_return === 1), 'the final credit note', 20_000);
  expect(cents(credit.total)).toBe(-3000);
  const report = await place.money.invoicePostPaid(place.manager, month);
  expect(report.invoices.map((i) => i.bookings)).toEqual([[postPaidName]]);
});
