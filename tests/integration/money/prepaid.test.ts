import { accepted, at, cents, erpDocuments, eventually, inErp, paymentRequests, quoteRows, ROOM, rowsOf, startMoneyPlace, weekdayAhead, type MoneyPlace } from './support';

/**
 * A prepaid booking through the ERP: the draft invoice made when the booking is made, submitted when the member
 * chooses to pay, a Payment Request whose checkout the member pays, the ERP's Payment Entry reported by webhook,
 * the booking confirmed; the same payment reported twice or in another order changes nothing more.
 */

let place: MoneyPlace;

beforeAll(async () => {
  place = await startMoneyPlace();
});

afterAll(async () => {
  await place.close();
});

it('books, shows the quote, drafts the invoice line for line, pays online through the gateway and confirms', async () => {
  const alice = await place.principal('alice');
  const day = weekdayAhead(10);
  const booking = accepted(await place.engine.service.create(alice, { resourceId: ROOM, start: at(day, '09:00'), end: at(day, '11:00') }));
  expect([booking.status, booking.paymentMode]).toEqual(['awaiting_payment', 'online']);
  // Alice's group price list: 2 h = 2 × 18.00.
  expect(quoteRows(booking.quote)).toEqual([{ itemCode: 'RES-SALLE', uom: 'Hour', qty: 2, rate: 1800, amount: 3600 }]);
  const erpName = await inErp(place, booking);

  const draft = await eventually(() => erpDocuments(place, erpName)[0], 'the draft invoice');
  expect([draft.docstatus, draft.customer, draft.selling_price_list, draft.po_no]).toEqual([0, 'Alice Martin', 'Tarif adhérent', erpName]);
  expect(rowsOf(draft)).toEqual(quoteRows(booking.quote));
  // The ERP applied the company's VAT template on the quote's net: the sidecar computed none of it.
  expect([cents(draft.total), cents(draft.total_taxes_and_charges), cents(draft.grand_total)]).toEqual([3600, 720, 4320]);

  const start = await place.money.startPayment(alice, booking.id);
  expect(start.next).toBe('redirect');
  expect(start.paymentUrl).toMatch(new RegExp(`^${place.emulator.url}/__gateway/checkout/[A-Za-z0-9_-]{32}$`));
  expect([start.amount, start.invoice.name, start.invoice.lines, start.invoice.taxes, start.invoice.total]).toEqual([4320, draft.name, 3600, 720, 4320]);
  expect(place.emulator.store.get('Sales Invoice', String(draft.name))?.docstatus).toBe(1);
  // Asking again gives the same request, not a second one.
  const again = await place.money.startPayment(alice, booking.id);
  expect(again.paymentRequest).toBe(start.paymentRequest);
  expect(paymentRequests(place, String(draft.name))).toHaveLength(1);

  const outcome = place.emulator.gateway.pay(start.paymentRequest ?? '');
  expect(outcome.status).toBe('Completed');
  const confirmed = await eventually(async () => {
    const view = await place.engine.service.get(alice, booking.id);
    return view.status === 'confirmed' ? view : undefined;
  }, 'the booking confirmed by the payment webhook');
  expect(confirmed.holdExpiresAt).toBeNull();
  const paid = place.emulator.store.get('Sales Invoice', String(draft.name));
  expect([paid?.status, cents(paid?.outstanding_amount)]).toEqual(['Paid', 0]);

  const documents = await place.money.documents(alice, booking.id);
  expect(documents.documents.map((d) => [d.kind, d.name, d.status, d.lines, d.total, d.outstanding])).toEqual([['invoice', draft.name, 'Paid', 3600, 4320, 0]]);
  expect([documents.toPay, documents.toRefund]).toEqual([0, 0]);
  expect(documents.documents[0]?.paymentRequests.map((r) => r.status)).toEqual(['Paid']);
});

it('a payment webhook delivered twice, or its invoice change before the payment, changes nothing the second time', async () => {
  const bob = await place.principal('bob');
  const day = weekdayAhead(11);
  const booking = accepted(await place.engine.service.create(bob, { resourceId: ROOM, start: at(day, '14:00'), end: at(day, '15:00') }));
  await inErp(place, booking);
  const start = await place.money.startPayment(bob, booking.id);
  const outcome = place.emulator.gateway.pay(start.paymentRequest ?? '');
  await eventually(async () => ((await place.engine.service.get(bob, booking.id)).status === 'confirmed' ? true : undefined), 'confirmed');
  const record = await place.engine.booking(booking.id);

  // Replay the notices as Frappe would on a retry, the invoice's first, with new `modified` values so that the
  // route's deduplication does not hide them: only the money flows' own idempotence is left.
  const payment = outcome.paymentEntry ?? '';
  for (const change of [
    { doctype: 'Sales Invoice', name: start.invoice.name, event: 'on_submit', modified: '2030-01-01 00:00:00.000001', docstatus: 1 },
    { doctype: 'Payment Entry', name: payment, event: 'on_submit', modified: '2030-01-01 00:00:00.000002', docstatus: 1 },
    { doctype: 'Payment Entry', name: payment, event: 'on_submit', modified: '2030-01-01 00:00:00.000003', docstatus: 1 },
  ]) {
    await place.money.notify(change);
  }
  await new Promise((resolve) => setTimeout(resolve, 1_500));
  const after = await place.engine.booking(booking.id);
  expect([after?.status, after?.version, after?.amountPaid]).toEqual(['confirmed', record?.version, record?.amountPaid]);
  expect(place.emulator.store.list('Payment Entry').filter((pe) => (pe.references as { reference_name: string }[]).some((r) => r.reference_name === start.invoice.name))).toHaveLength(1);
  expect(place.logs.filter((line) => line.booking === booking.id && line.msg === 'payment recorded in the ERP: booking confirmed')).toHaveLength(1);
});

it('without a gateway the member is told to pay on site or by transfer against the invoice; a desk payment confirms', async () => {
  const other = await startMoneyPlace({ gateway: false, taxes: false });
  try {
    const bob = await other.principal('bob');
    const day = weekdayAhead(12);
    const booking = accepted(await other.engine.service.create(bob, { resourceId: ROOM, start: at(day, '10:00'), end: at(day, '11:00') }));
    await inErp(other, booking);
    const start = await other.money.startPayment(bob, booking.id);
    expect([start.next, start.paymentUrl, start.amount]).toEqual(['offline', null, 2500]);
    expect(start.instructions?.fr).toContain(`la facture ${start.invoice.name}`);
    expect(start.instructions?.fr).toContain('25,00');

    await expect(other.money.recordDeskPayment(bob, booking.id, {})).rejects.toThrow('managers');
    const documents = await other.money.recordDeskPayment(other.manager, booking.id, { modeOfPayment: 'Cash' });
    expect(documents.documents.map((d) => [d.status, d.outstanding])).toEqual([['Paid', 0]]);
    // The desk payment settled the open request too (ERPNext allocates it to the payment proposal).
    expect(paymentRequests(other, start.invoice.name).map((r) => r.status)).toEqual(['Paid']);
    expect((await other.engine.service.get(bob, booking.id)).status).toBe('confirmed');
  } finally {
    await other.close();
  }
});

it('members see only their own documents', async () => {
  const alice = await place.principal('alice');
  const bob = await place.principal('bob');
  const day = weekdayAhead(13);
  const booking = accepted(await place.engine.service.create(alice, { resourceId: ROOM, start: at(day, '16:00'), end: at(day, '17:00') }));
  await expect(place.money.documents(bob, booking.id)).rejects.toThrow(`no booking ${booking.id}`);
  await expect(place.money.startPayment(bob, booking.id)).rejects.toThrow(`no booking ${booking.id}`);
});

it('with every webhook lost, the poll finds the payment and confirms the booking', async () => {
  const other = await startMoneyPlace({ emulator: { webhookDelivery: 'manual' }, money: { pollEveryMs: 1_000 } });
  try {
    const alice = await other.principal('alice');
    const day = weekdayAhead(12);
    const booking = accepted(await other.engine.service.create(alice, { resourceId: ROOM, start: at(day, '10:00'), end: at(day, '11:00') }));
    await inErp(other, booking);
    const start = await other.money.startPayment(alice, booking.id);
    other.emulator.gateway.pay(start.paymentRequest ?? '');
    const confirmed = await eventually(async () => ((await other.engine.service.get(alice, booking.id)).status === 'confirmed' ? true : undefined), 'the poll to confirm');
    expect(confirmed).toBe(true);
    expect(other.emulator.webhooks.deliveries().filter((d) => d.url?.startsWith(other.url))).toEqual([]);
  } finally {
    await other.close();
  }
});

it('moved to another price after choosing to pay, before paying: the unpaid invoice is withdrawn and a new one bills the new quote', async () => {
  const bob = await place.principal('bob');
  const day = weekdayAhead(15);
  const booking = accepted(await place.engine.service.create(bob, { resourceId: ROOM, start: at(day, '09:00'), end: at(day, '10:00') }));
  const erpName = await inErp(place, booking);
  const first = await place.money.startPayment(bob, booking.id);
  const moved = accepted(await place.engine.service.reschedule(bob, booking.id, { start: at(day, '09:00'), end: at(day, '11:00') }));
  expect(moved.quote?.total).toBe(5000);
  const draft = await eventually(() => erpDocuments(place, erpName).find((doc) => doc.docstatus === 0), 'the new draft');
  expect(rowsOf(draft)).toEqual(quoteRows(moved.quote));
  expect([place.emulator.store.get('Sales Invoice', first.invoice.name)?.docstatus, paymentRequests(place, first.invoice.name).map((r) => r.status)]).toEqual([2, ['Cancelled']]);
  const second = await place.money.startPayment(bob, booking.id);
  expect([second.invoice.name, second.invoice.lines, second.amount]).toEqual([draft.name, 5000, 6000]);
  place.emulator.gateway.pay(second.paymentRequest ?? '');
  await eventually(async () => ((await place.engine.service.get(bob, booking.id)).status === 'confirmed' ? true : undefined), 'confirmed');
});
