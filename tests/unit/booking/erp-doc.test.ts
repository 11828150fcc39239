import { amountsFor, bookingDocSchema, docValuesOf, erpBookingFromDoc, recordFromErp } from '../../../sidecar/src/booking/erp-doc';
import { recordFromFields, RECORD_FIELDS, toView, type BookingRecord } from '../../../sidecar/src/booking/record';
import { parseLocalDateTime, parseResource } from '../../../sidecar/src/domain';

/** A booking both ways between the index and the add-on's Creneau Booking DocType. */

const PARIS = 'Europe/Paris';
const start = parseLocalDateTime('2026-12-07 09:00', PARIS);
const end = parseLocalDateTime('2026-12-07 12:30', PARIS);

const record: BookingRecord = {
  id: 'bk_abcdefghijklmnopqrst',
  resourceId: 'Salle A',
  customer: 'Alice Membre',
  user: 'alice@example.org',
  start,
  end,
  seats: 4,
  status: 'awaiting_payment',
  paymentMode: 'post_paid',
  holdExpiresAt: parseLocalDateTime('2026-12-01 10:15', PARIS),
  quote: {
    resourceId: 'Salle A',
    start,
    end,
    seats: 4,
    currency: 'EUR',
    lines: [
      { itemCode: 'SALLE-A', uom: 'Half Day', qty: 1, rate: 6_000, amount: 6_000 },
      { itemCode: 'SALLE-A', uom: 'Hour', qty: 1, rate: 1_115, amount: 1_115 },
    ],
    total: 7_115,
    deposit: 0,
    explanation: { fr: '…', en: '…' },
    priceList: 'Standard Selling',
  },
  price: 7_115,
  amountDueNow: 0,
  amountPaid: 0,
  createdAt: start - 86_400_000,
  checkedInAt: null,
  checkedOutAt: null,
  cancellationReason: null,
  note: 'projector',
  audience: 'member',
  version: 3,
  syncedVersion: 2,
  erpName: 'CRN-BKG-2026-00042',
  erpModified: '2026-12-01 10:00:01.123456',
};

describe('writing a booking to the ERP', () => {
  it('sends the fields the sidecar owns: Select labels, naive Paris times, decimal amounts, quote lines', () => {
    expect(docValuesOf(record, PARIS)).toEqual({
      external_id: 'bk_abcdefghijklmnopqrst',
      resource: 'Salle A',
      customer: 'Alice Membre',
      user: 'alice@example.org',
      starts_at: '2026-12-07 09:00:00',
      ends_at: '2026-12-07 12:30:00',
      seats: 4,
      status: 'Awaiting Payment',
      payment_mode: 'Post Paid',
      quote_total: 71.15,
      checked_in_at: null,
      checked_out_at: null,
      hold_expires_at: '2026-12-01 10:15:00',
      cancellation_reason: null,
      quote_lines: [
        { item: 'SALLE-A', uom: 'Half Day', qty: 1, rate: 60, amount: 60 },
        { item: 'SALLE-A', uom: 'Hour', qty: 1, rate: 11.15, amount: 11.15 },
      ],
    });
  });

  it('leaves the ERP’s quote lines alone for a booking it learnt from the ERP, and the hold off once paid', () => {
    const values = docValuesOf({ ...record, quote: null, status: 'confirmed', holdExpiresAt: null }, PARIS);
    expect(values).not.toHaveProperty('quote_lines');
    expect(values).toMatchObject({ status: 'Confirmed', hold_expires_at: null });
  });
});

describe('reading a booking from the ERP', () => {
  const doc = {
    name: 'CRN-BKG-2026-00042',
    modified: '2026-12-02 08:00:00.000001',
    creation: '2026-11-30 18:00:00.000000',
    resource: 'Salle A',
    customer: 'Alice Membre',
    user: 'alice@example.org',
    starts_at: '2026-12-07 10:00:00',
    ends_at: '2026-12-07 11:00:00',
    seats: 2,
    status: 'Checked In',
    payment_mode: 'Online',
    quote_total: 36.5,
    external_id: 'bk_abcdefghijklmnopqrst',
    checked_in_at: '2026-12-07 09:58:00',
  };

  it('maps every field back', () => {
    const result = erpBookingFromDoc(bookingDocSchema.parse(doc), PARIS);
    expect(result).toEqual({
      ok: true,
      booking: {
        erpName: 'CRN-BKG-2026-00042',
        erpModified: '2026-12-02 08:00:00.000001',
        externalId: 'bk_abcdefghijklmnopqrst',
        resourceId: 'Salle A',
        customer: 'Alice Membre',
        user: 'alice@example.org',
        start: parseLocalDateTime('2026-12-07 10:00', PARIS),
        end: parseLocalDateTime('2026-12-07 11:00', PARIS),
        seats: 2,
        status: 'checked_in',
        paymentMode: 'online',
        price: 3_650,
        holdExpiresAt: null,
        createdAt: parseLocalDateTime('2026-11-30 18:00', PARIS),
        checkedInAt: parseLocalDateTime('2026-12-07 09:58', PARIS),
        checkedOutAt: null,
        cancellationReason: null,
      },
    });
  });

  it('keeps what the ERP does not hold from the index’s record, and drops a quote the desk made untrue', () => {
    const erp = erpBookingFromDoc(bookingDocSchema.parse(doc), PARIS);
    if (!erp.ok) throw new Error(erp.error);
    const merged = recordFromErp(erp.booking, record.id, undefined, record);
    expect(merged).toMatchObject({ note: 'projector', audience: 'member', version: 3, syncedVersion: 2, quote: null, status: 'checked_in', seats: 2, price: 3_650 });
    // A desk booking never seen: made by staff, nothing known of amounts but what its mode and status say.
    const fresh = recordFromErp(erp.booking, 'desk-1', undefined);
    expect(fresh).toMatchObject({ id: 'desk-1', audience: 'manager', version: 0, amountDueNow: 3_650, amountPaid: 3_650 });
    const laser = parseResource({ id: 'laser', kind: 'machine', itemCode: 'L', capacity: 1, depositPercent: 30 });
    expect(amountsFor('deposit', 'awaiting_payment', 3_650, laser)).toEqual({ amountDueNow: 1_095, amountPaid: 0 });
  });

  it('says what is wrong with a booking it cannot read', () => {
    const bad = (patch: Record<string, unknown>) => erpBookingFromDoc(bookingDocSchema.parse({ ...doc, ...patch }), PARIS);
    expect(bad({ status: 'Maybe' })).toEqual({ ok: false, error: 'Creneau Booking CRN-BKG-2026-00042: unknown status "Maybe"' });
    expect(bad({ payment_mode: 'Barter' })).toEqual({ ok: false, error: 'Creneau Booking CRN-BKG-2026-00042: unknown payment mode "Barter"' });
    expect(bad({ seats: 0 })).toEqual({ ok: false, error: 'Creneau Booking CRN-BKG-2026-00042: seats must be a whole number of at least 1, got 0' });
    expect(bad({ resource: null })).toEqual({ ok: false, error: 'Creneau Booking CRN-BKG-2026-00042 has no resource or no customer' });
    expect(bad({ starts_at: '07/12/2026' })).toEqual({ ok: false, error: 'Creneau Booking CRN-BKG-2026-00042 starts_at "07/12/2026" is not a date-time (YYYY-MM-DD HH:MM:SS)' });
  });
});

describe('the index’s record', () => {
  it('round-trips through its hash fields and shows as the contract’s view', () => {
    const fields: Record<(typeof RECORD_FIELDS)[number], string> = {
      r: record.resourceId,
      s: String(record.start),
      e: String(record.end),
      n: '4',
      st: record.status,
      h: String(record.holdExpiresAt),
      c: record.customer,
      v: '3',
      sv: '2',
      en: record.erpName ?? '',
      em: record.erpModified ?? '',
      d: JSON.stringify({
        user: record.user,
        paymentMode: record.paymentMode,
        quote: record.quote,
        price: record.price,
        amountDueNow: 0,
        amountPaid: 0,
        createdAt: record.createdAt,
        checkedInAt: null,
        checkedOutAt: null,
        cancellationReason: null,
        note: 'projector',
        audience: 'member',
      }),
    };
    const read = recordFromFields(record.id, RECORD_FIELDS.map((field) => fields[field]));
    expect(read).toEqual(record);
    expect(toView(read, 'Salle A (RDC)')).toMatchObject({ id: record.id, resourceName: 'Salle A (RDC)', erpSync: 'pending', holdExpiresAt: record.holdExpiresAt });
    expect(() => recordFromFields('bk_x', RECORD_FIELDS.map((field) => (field === 'd' ? '{' : fields[field])))).toThrow(/booking bk_x: its stored data cannot be read/);
  });
});
