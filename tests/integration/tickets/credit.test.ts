import { z } from 'zod';
import { addDays, localDateOf } from '../../../sidecar/src/domain';
import type { TicketEngine } from '../../../sidecar/src/tickets';
import { at, dayAhead, eventually, PARIS, startTicketPlace, type TicketTestPlace } from './support';

/**
 * Credit: a paid Sales Invoice holding a pack's Item credits qty × tickets with an expiry counted
 * from the payment, once per invoice line however often the ERP says so; by the place's setting, on
 * submission instead. A Subscription's invoices credit each period once. A credit note takes back
 * the tickets still unused.
 */

let place: TicketTestPlace;
let tickets: TicketEngine;

const HALF_DAYS = { name: 'Carnet 10 demi-journées', item: 'CARNET-10-DJ', ticketsPerPack: 10, unit: 'Half Day' as const, validityDays: 365, price: 80 };
const HOURS = { name: '20 heures machines', item: 'CARNET-20-H', ticketsPerPack: 20, unit: 'Hour' as const, validityDays: 0, price: 150 };

beforeAll(async () => {
  place = await startTicketPlace({ packs: [HALF_DAYS, HOURS], members: ['alice', 'bob', 'chloe', 'dora', 'emile', 'fanny'].map((key) => ({ key })) });
  tickets = await place.tickets();
});

afterAll(async () => {
  await place.close();
});

/** The ERP's date (the emulator runs on the real clock, in Paris), the day invoices are posted and paid. */
const today = (): string => localDateOf(Date.now(), PARIS);

describe('credit when a pack is paid', () => {
  it('credits qty × tickets per line on payment, expiring validity days after the payment, once however often it is told', async () => {
    const alice = place.customer('alice');
    const invoice = await place.sellPack(alice, HALF_DAYS.item, 2);
    const first = await tickets.onInvoiceChanged(invoice);
    expect(first).toEqual({ tickets: 20, status: 'credited' });
    // The webhook of the invoice, the one of its payment and the reconciliation all say it again.
    expect(await tickets.onInvoiceChanged(invoice)).toEqual({ tickets: 0, status: 'already' });
    await Promise.all(Array.from({ length: 10 }, () => tickets.onInvoiceChanged(invoice)));

    const balance = await tickets.service.balance(place.member('alice'));
    const paidOn = today();
    expect(balance.packs).toEqual([
      { packType: HALF_DAYS.name, unit: 'half_day', tickets: 20, byExpiry: [{ expiresOn: addDays(paidOn, 365), tickets: 20 }], awaitingExpiry: 0 },
    ]);

    // In the ERP: one submitted entry per invoice line, keyed by it, linked to the invoice.
    const docs = await eventually(async () => ((await tickets.pendingErpWrites()) === 0 && place.erpEntries(alice).length === 1 ? place.erpEntries(alice) : undefined), 'the credit in the ERP');
    const line = (place.base.emulator.store.get('Sales Invoice', invoice)?.items as { name: string }[])[0]?.name ?? '';
    expect(docs.map((doc) => [doc.external_id, doc.entry_type, doc.quantity, doc.sales_invoice, doc.expires_on, doc.docstatus])).toEqual([
      [`credit:${invoice}:${line}`, 'Credit', 20, invoice, addDays(paidOn, 365), 1],
    ]);
  });

  it('credits nothing while the invoice is unpaid or partly paid, then credits once it is paid in full', async () => {
    const bob = place.customer('bob');
    const invoice = await place.sellPack(bob, HOURS.item, 1, 'none');
    expect(await tickets.onInvoiceChanged(invoice)).toEqual({ tickets: 0, status: 'not_paid' });
    await place.pay(invoice, 50);
    expect(await tickets.onInvoiceChanged(invoice)).toEqual({ tickets: 0, status: 'not_paid' });
    const payment = await place.pay(invoice);
    // The payment's webhook names the payment entry, not the invoice.
    expect(await tickets.onPaymentEntryChanged(payment)).toEqual([{ tickets: 20, status: 'credited' }]);
    const balance = await tickets.service.balance(place.member('bob'));
    // A pack with validity 0 never expires.
    expect(balance.packs).toEqual([{ packType: HOURS.name, unit: 'hour', tickets: 20, byExpiry: [{ expiresOn: null, tickets: 20 }], awaitingExpiry: 0 }]);
  });

  it('ignores invoices without a pack, and lines of other items on an invoice with one', async () => {
    const chloe = place.customer('chloe');
    const other = await place.base.erp.insert('Sales Invoice', { customer: chloe, items: [{ item_code: 'RES-COWORKING', qty: 2 }], docstatus: 1 });
    expect(await tickets.onInvoiceChanged(other.name)).toEqual({ tickets: 0, status: 'no_pack' });
    const mixed = await place.base.erp.insert('Sales Invoice', {
      customer: chloe,
      items: [
        { item_code: 'RES-COWORKING', qty: 3 },
        { item_code: HOURS.item, qty: 1 },
      ],
      docstatus: 1,
    });
    await place.pay(mixed.name);
    expect(await tickets.onInvoiceChanged(mixed.name)).toEqual({ tickets: 20, status: 'credited' });
  });

  it('a credit note against a pack sale takes back the unused tickets only', async () => {
    const dora = place.customer('dora');
    const invoice = await place.sellPack(dora, HALF_DAYS.item, 1);
    await tickets.onInvoiceChanged(invoice);
    const lot = (await place.redisLedger(dora)).entries[0]?.key ?? '';
    // Dora uses 7 half-days, then the place refunds the whole pack.
    place.erpBooking(dora, 'bk_doracreditnote0000');
    const debit = await tickets.bookings.debitForBooking({
      bookingId: 'bk_doracreditnote0000',
      customer: dora,
      resourceId: 'Coworking',
      lines: [{ itemCode: 'RES-COWORKING', uom: 'Half Day', qty: 7, rate: 800, amount: 5600 }],
      start: at(dayAhead(7), '09:00'),
      end: at(dayAhead(7), '12:00'),
      mode: 'all_or_nothing',
    });
    expect(debit).toMatchObject({ ok: true, status: 'debited' });
    const proposed = await place.base.erp.call(
      'erpnext.accounts.doctype.sales_invoice.sales_invoice.make_sales_return',
      { source_name: invoice },
      { http: 'POST', schema: z.record(z.string(), z.unknown()) },
    );
    const creditNote = await place.base.erp.insert('Sales Invoice', { ...proposed, docstatus: 1 });
    expect(await tickets.onInvoiceChanged(creditNote.name)).toEqual({ tickets: -3, status: 'returned' });
    expect(await tickets.onInvoiceChanged(creditNote.name)).toEqual({ tickets: 0, status: 'already' });
    const balance = await tickets.service.balance(place.member('dora'));
    expect(balance.packs[0]?.tickets).toBe(0);
    const ledger = await place.redisLedger(dora);
    expect(ledger.entries.filter((e) => e.type === 'return').map((e) => [e.quantity, e.lot, e.salesInvoice])).toEqual([[-3, lot, creditNote.name]]);
    expect(place.base.logs.some((line) => line.creditNote === creditNote.name && line.notReclaimed === 7)).toBe(true);
  });

  it('an ERP Subscription whose plan sells a pack credits each period once, even when a period is invoiced twice', async () => {
    const emile = place.customer('emile');
    const { store } = place.base.emulator;
    store.insert({ doctype: 'Subscription Plan', plan_name: 'Abonnement mensuel', item: HALF_DAYS.item, price_determination: 'Fixed Rate', cost: 80, billing_interval: 'Month', billing_interval_count: 1, currency: 'EUR' });
    const subscription = store.insert({ doctype: 'Subscription', party_type: 'Customer', party: emile, company: 'Ref Company', start_date: '2026-01-01', plans: [{ plan: 'Abonnement mensuel', qty: 1 }] });
    // What ERPNext's subscription run creates for a period: an invoice naming the subscription and the period.
    const periodInvoice = async (from: string, to: string): Promise<string> => {
      const doc = await place.base.erp.insert('Sales Invoice', { customer: emile, subscription: subscription.name, from_date: from, to_date: to, items: [{ item_code: HALF_DAYS.item, qty: 1 }], docstatus: 1 });
      await place.pay(doc.name);
      return doc.name;
    };
    const january = await periodInvoice('2026-01-01', '2026-01-31');
    expect(await tickets.onInvoiceChanged(january)).toEqual({ tickets: 10, status: 'credited' });
    const januaryAgain = await periodInvoice('2026-01-01', '2026-01-31');
    expect(await tickets.onInvoiceChanged(januaryAgain)).toEqual({ tickets: 0, status: 'already' });
    const february = await periodInvoice('2026-02-01', '2026-02-28');
    expect(await tickets.onInvoiceChanged(february)).toEqual({ tickets: 10, status: 'credited' });
    const ledger = await place.redisLedger(emile);
    expect(ledger.entries.map((e) => [e.key, e.quantity])).toEqual([
      [`subscription:${String(subscription.name)}:2026-01-01:${HALF_DAYS.name}`, 10],
      [`subscription:${String(subscription.name)}:2026-02-01:${HALF_DAYS.name}`, 10],
    ]);
  });

  it('credits on submission when the place says so in Creneau Settings', async () => {
    const fanny = place.customer('fanny');
    place.base.emulator.store.update('Creneau Settings', 'Creneau Settings', { ticket_credit_on: 'Submission' });
    await tickets.changes.notify({ doctype: 'Creneau Settings', name: 'Creneau Settings', event: 'on_update', modified: 'settings-1', docstatus: 0 });
    const invoice = await place.sellPack(fanny, HOURS.item, 1, 'none');
    await eventually(async () => ((await tickets.onInvoiceChanged(invoice)).status === 'credited' ? true : undefined), 'the new setting to apply');
    expect((await tickets.service.balance(place.member('fanny'))).packs.map((p) => p.tickets)).toEqual([20]);
    place.base.emulator.store.update('Creneau Settings', 'Creneau Settings', { ticket_credit_on: 'Payment' });
    await tickets.changes.notify({ doctype: 'Creneau Settings', name: 'Creneau Settings', event: 'on_update', modified: 'settings-2', docstatus: 0 });
  });

  it('keeps a balance row per member and pack type in the ERP for accountants', async () => {
    const alice = place.customer('alice');
    const rows = await eventually(() => {
      const found = place.base.emulator.store.list('Creneau Ticket Balance', (row) => row.customer === alice);
      return found.length === 1 && found[0]?.tickets === 20 ? found : undefined;
    }, 'the balance row');
    expect(rows.map((row) => [row.pack_type, row.ticket_unit, row.tickets, row.next_expiry, row.awaiting_expiry, row.external_id])).toEqual([
      [HALF_DAYS.name, 'Half Day', 20, addDays(today(), 365), 0, `balance:${alice}:${HALF_DAYS.name}`],
    ]);
  });
});
