import { DEFAULT_CANCELLATION_POLICY, type LedgerEntry } from '../../../sidecar/src/domain';
import { bookingEnd, feePercentOf } from '../../../sidecar/src/tickets/bookings';
import {
  bookingIdInKey,
  docValuesOf,
  entryFromDoc,
  invoiceDocSchema,
  invoiceForTickets,
  ledgerDocSchema,
  packTypeDocSchema,
  packTypeFromDoc,
  ticketSettingsFromDoc,
  TicketKeyTooLongError,
  unitFactorsFrom,
} from '../../../sidecar/src/tickets/erp-doc';
import { operationOf } from '../../../sidecar/src/tickets/operations';

const links = (names: Record<string, string> = {}, bookings: Record<string, string> = {}) => ({
  keyOfName: (name: string) => names[name],
  bookingIdOf: (name: string) => bookings[name],
});

const doc = (values: Record<string, unknown>) =>
  ledgerDocSchema.parse({ name: 'CRN-TKT-2026-00007', docstatus: 1, customer: 'Zoé Martin', pack_type: 'Carnet 10', posting_date: '2026-11-28', ...values });

describe('ledger entries from the ERP', () => {
  it('reads an entry the sidecar wrote: its key, lot, booking id from the booking link', () => {
    const mapped = entryFromDoc(
      doc({ entry_type: 'Debit', quantity: -2, external_id: 'debit:bk_a:credit:INV-1:r1', lot: 'credit:INV-1:r1', booking: 'CRN-BKG-2026-00003', against_entry: 'CRN-TKT-2026-00001' }),
      links({}, { 'CRN-BKG-2026-00003': 'bk_a' }),
    );
    expect(mapped).toEqual({
      ok: true,
      erpName: 'CRN-TKT-2026-00007',
      entry: { key: 'debit:bk_a:credit:INV-1:r1', customer: 'Zoé Martin', packType: 'Carnet 10', type: 'debit', quantity: -2, postingDate: '2026-11-28', lot: 'credit:INV-1:r1', booking: 'bk_a' },
    });
  });

  it('reads a correction typed in the desk: keyed by its ERP name, its lot found through Against Entry', () => {
    const mapped = entryFromDoc(doc({ entry_type: 'Correction', quantity: -1, against_entry: 'CRN-TKT-2026-00001', reason: 'Erreur' }), links({ 'CRN-TKT-2026-00001': 'opening:Zoé Martin:Carnet 10:never' }));
    expect(mapped.ok && mapped.entry).toMatchObject({ key: 'erp:CRN-TKT-2026-00007', lot: 'opening:Zoé Martin:Carnet 10:never', type: 'correction', reason: 'Erreur' });
    // An Against Entry the member's ledger does not have still names a lot (the fold reports it unknown).
    const unknown = entryFromDoc(doc({ entry_type: 'Correction', quantity: -1, against_entry: 'CRN-TKT-2026-00099' }), links());
    expect(unknown.ok && unknown.entry.lot).toBe('erp:CRN-TKT-2026-00099');
  });

  it('keeps an expiry date only on an entry that opens a lot, and a booking id from the key when the link is gone', () => {
    const credit = entryFromDoc(doc({ entry_type: 'Credit', quantity: 10, expires_on: '2027-11-28', external_id: 'credit:INV-1:r1' }), links());
    expect(credit.ok && credit.entry.expiresOn).toBe('2027-11-28');
    const debit = entryFromDoc(doc({ entry_type: 'Debit', quantity: -1, expires_on: '2027-11-28', lot: 'credit:INV-1:r1', external_id: 'refund:bk_zz:credit:INV-1:r1' }), links());
    // A date typed on a debit in the desk means nothing for it: the entry counts, without it.
    expect(debit.ok && debit.entry.expiresOn).toBeUndefined();
    expect(debit.ok).toBe(true);
    const refund = entryFromDoc(doc({ entry_type: 'Refund', quantity: 1, lot: 'credit:INV-1:r1', external_id: 'refund:bk_zz:credit:INV-1:r1' }), links());
    expect(refund.ok && refund.entry.booking).toBe('bk_zz');
    expect(bookingIdInKey('checkin:Zoé:2026-11-28:lot')).toBeUndefined();
  });

  it('refuses what the domain cannot take, saying why: half a ticket, a debit adding tickets, an unknown type', () => {
    expect(entryFromDoc(doc({ entry_type: 'Credit', quantity: 1.5 }), links())).toMatchObject({ ok: false, error: 'quantity 1.5 is not a whole number of tickets other than 0' });
    expect(entryFromDoc(doc({ entry_type: 'Debit', quantity: 2, lot: 'x' }), links())).toMatchObject({ ok: false, error: expect.stringContaining('takes tickets') as unknown });
    expect(entryFromDoc(doc({ entry_type: 'Gift', quantity: 2 }), links())).toMatchObject({ ok: false, error: expect.stringContaining('"Gift" is not one of Credit, Debit') as unknown });
  });

  it('writes an entry submitted in the same request, with its links, and refuses a key too long for the ERP', () => {
    const entry: LedgerEntry = { key: 'debit:bk_a:lot1', customer: 'Zoé Martin', packType: 'Carnet 10', type: 'debit', quantity: -1, postingDate: '2026-11-28', lot: 'lot1', booking: 'bk_a' };
    expect(docValuesOf(entry, { againstEntry: 'CRN-TKT-2026-00001', booking: 'CRN-BKG-2026-00003' })).toEqual({
      docstatus: 1,
      customer: 'Zoé Martin',
      pack_type: 'Carnet 10',
      entry_type: 'Debit',
      quantity: -1,
      posting_date: '2026-11-28',
      external_id: 'debit:bk_a:lot1',
      lot: 'lot1',
      against_entry: 'CRN-TKT-2026-00001',
      booking: 'CRN-BKG-2026-00003',
    });
    expect(() => docValuesOf({ ...entry, key: 'x'.repeat(256) }, {})).toThrow(TicketKeyTooLongError);
  });
});

describe('pack types, settings and invoices from the ERP', () => {
  it('reads eligibility rows by kind: resources, item groups, customer groups', () => {
    const mapped = packTypeFromDoc(
      packTypeDocSchema.parse({
        name: '20 heures machines',
        item: 'CARNET-20H',
        tickets_per_pack: 20,
        ticket_unit: 'Hour',
        validity_days: 180,
        allow_conversion: 1,
        eligibility: [
          { applies_to: 'Resource', resource: 'Découpe laser' },
          { applies_to: 'Item Group', item_group: 'Machines' },
          { applies_to: 'Customer Group', customer_group: 'Adhérents' },
        ],
      }),
    );
    expect(mapped.ok && mapped.value).toEqual({
      name: '20 heures machines',
      itemCode: 'CARNET-20H',
      enabled: true,
      ticketsPerPack: 20,
      unit: 'hour',
      validityDays: 180,
      allowConversion: true,
      eligibility: { resources: ['Découpe laser'], itemGroups: ['Machines'], customerGroups: ['Adhérents'] },
    });
    expect(packTypeFromDoc(packTypeDocSchema.parse({ name: 'Sans item', tickets_per_pack: 0 }))).toMatchObject({ ok: false });
  });

  it('reads the ticket settings, falling back to defaults with a word for a wrong value', () => {
    expect(ticketSettingsFromDoc({ ticket_credit_on: 'Submission', ticket_reminder_days: 7, ticket_check_in_half_day_from: '13:30:00' })).toEqual({
      settings: { creditOn: 'submission', reminderDays: 7, checkInHalfDayFrom: '13:30' },
      errors: [],
    });
    const wrong = ticketSettingsFromDoc({ ticket_credit_on: 'Someday', ticket_reminder_days: -3, ticket_check_in_half_day_from: '25:00:00' });
    expect(wrong.settings).toEqual({ creditOn: 'payment', reminderDays: 14, checkInHalfDayFrom: '12:00' });
    expect(wrong.errors).toHaveLength(3);
    expect(unitFactorsFrom([{ from_uom: 'Half Day', to_uom: 'Hour', value: 5 }], { hour: 'Hour', halfDay: 'Half Day', day: 'Day' }, { halfDay: 4, day: 8 })).toEqual({ halfDay: 5, day: 8 });
  });

  it('tells a paid sale from an unpaid one and a credit note, packs counted in the stock unit', () => {
    const base = { name: 'INV-1', customer: 'Zoé Martin', posting_date: '2026-11-28', items: [{ name: 'r1', item_code: 'CARNET-10', qty: 1, stock_qty: 2 }] };
    expect(invoiceForTickets(invoiceDocSchema.parse({ ...base, docstatus: 1, status: 'Paid', outstanding_amount: 0 }))).toMatchObject({ kind: 'sale', paid: true, invoice: { lines: [{ name: 'r1', qty: 2 }] } });
    expect(invoiceForTickets(invoiceDocSchema.parse({ ...base, docstatus: 1, status: 'Partly Paid', outstanding_amount: 40 }))).toMatchObject({ kind: 'sale', paid: false });
    expect(invoiceForTickets(invoiceDocSchema.parse({ ...base, docstatus: 1, subscription: 'SUB-1', from_date: '2026-11-01' }))).toMatchObject({ invoice: { subscription: 'SUB-1', periodStart: '2026-11-01' } });
    const note = invoiceForTickets(invoiceDocSchema.parse({ ...base, name: 'INV-2', docstatus: 1, is_return: 1, return_against: 'INV-1', items: [{ name: 'r9', item_code: 'CARNET-10', qty: -1, sales_invoice_item: 'r1' }] }));
    expect(note).toMatchObject({ kind: 'credit_note', creditNote: { returnAgainst: 'INV-1', lines: [{ qty: -1, salesInvoiceItem: 'r1' }] } });
  });
});

describe('bookings that end unused', () => {
  const policy = DEFAULT_CANCELLATION_POLICY;

  it('finds the percentage the cancellation kept from the fee recorded', () => {
    expect(feePercentOf(1600, 0, policy)).toBe(0);
    expect(feePercentOf(1600, 800, policy)).toBe(50);
    expect(feePercentOf(1600, 1600, policy)).toBe(100);
    // Rounded half up by the domain: 50 % of 1,601 cents is 801.
    expect(feePercentOf(1601, 801, policy)).toBe(50);
    // A policy changed since: the nearest whole percentage.
    expect(feePercentOf(1000, 300, policy)).toBe(30);
  });

  it('gives all back for an expired or rejected booking, the share not kept for a cancelled one, nothing for others', () => {
    const record = { id: 'bk_1', customer: 'Zoé', paymentMode: 'tickets', price: 1600, cancellationFee: 800 };
    expect(bookingEnd({ ...record, status: 'cancelled' }, policy)).toEqual({ bookingId: 'bk_1', customer: 'Zoé', status: 'cancelled', feePercent: 50 });
    expect(bookingEnd({ ...record, status: 'expired' }, policy)).toEqual({ bookingId: 'bk_1', customer: 'Zoé', status: 'expired', feePercent: 0 });
    expect(bookingEnd({ ...record, status: 'confirmed' }, policy)).toBeUndefined();
    expect(bookingEnd({ ...record, status: 'cancelled', paymentMode: 'online' }, policy)).toBeUndefined();
  });

  it('groups a booking’s entries as one operation, whatever lots they drew on', () => {
    const base = { customer: 'Zoé', packType: 'P', postingDate: '2026-11-28' } as const;
    expect(operationOf({ ...base, key: 'debit:bk_1:lotA', type: 'debit', quantity: -1, lot: 'lotA', booking: 'bk_1' })).toBe('debit:bk_1');
    expect(operationOf({ ...base, key: 'refund:bk_1:lotA', type: 'refund', quantity: 1, lot: 'lotA', booking: 'bk_1' })).toBe('refund:bk_1');
    expect(operationOf({ ...base, key: 'checkin:Zoé:2026-11-28:lotA', type: 'debit', quantity: -1, lot: 'lotA' })).toBe('checkin:Zoé:2026-11-28');
    expect(operationOf({ ...base, key: 'correction:abc:lotA', type: 'correction', quantity: -1, lot: 'lotA' })).toBe('correction:abc');
    expect(operationOf({ ...base, key: 'expiry:lotA', type: 'expiry', quantity: -1, lot: 'lotA' })).toBe('expiry:lotA');
  });
});
