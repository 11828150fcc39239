import { z } from 'zod';
import { fromSelectOption, toSelectOption } from '../addon/select-values';
import { centsFromDecimal, decimalFromCents, erpFromInstant, instantFromErp, textOf } from '../catalog/erp-values';
import { BOOKING_STATUSES, percentOf, type BookingStatus, type Cents, type Instant, type Resource } from '../domain';
import type { DocValues } from '../erp';
import { PAYMENT_MODES, type PaymentMode } from './contract';
import type { BookingRecord } from './record';

/**
 * A booking as the add-on's Creneau Booking DocType holds it, both ways. Statuses and payment modes
 * are Select labels ("Pending Approval", "Post Paid"); date-times are naive in the ERP's zone;
 * amounts are decimals built from cents.
 */

export const BOOKING_DOCTYPE = 'Creneau Booking';

/** What a list of bookings asks for: every field the index needs (child tables do not come with lists). */
export const BOOKING_LIST_FIELDS = [
  'name',
  'modified',
  'creation',
  'docstatus',
  'resource',
  'customer',
  'user',
  'starts_at',
  'ends_at',
  'seats',
  'status',
  'payment_mode',
  'quote_total',
  'external_id',
  'checked_in_at',
  'checked_out_at',
  'hold_expires_at',
  'cancellation_reason',
] as const;

export const bookingDocSchema = z.looseObject({
  name: z.string().min(1),
  modified: z.string().nullish(),
  creation: z.string().nullish(),
  resource: z.string().nullish(),
  customer: z.string().nullish(),
  user: z.string().nullish(),
  starts_at: z.string().nullish(),
  ends_at: z.string().nullish(),
  seats: z.unknown().optional(),
  status: z.string().nullish(),
  payment_mode: z.string().nullish(),
  quote_total: z.union([z.number(), z.string()]).nullish(),
  external_id: z.string().nullish(),
  checked_in_at: z.string().nullish(),
  checked_out_at: z.string().nullish(),
  hold_expires_at: z.string().nullish(),
  cancellation_reason: z.string().nullish(),
});
export type BookingDoc = z.infer<typeof bookingDocSchema>;

const statusSchema = z.enum(BOOKING_STATUSES);
const modeSchema = z.enum(PAYMENT_MODES);

/** The fields the sidecar owns, for an insert or an update (others, such as invoice links, are left alone). */
export function docValuesOf(record: BookingRecord, siteZone: string): DocValues {
  const at = (instant: Instant | null): string | null => (instant === null ? null : erpFromInstant(instant, siteZone));
  const values: DocValues = {
    external_id: record.id,
    resource: record.resourceId,
    customer: record.customer,
    user: record.user,
    starts_at: at(record.start),
    ends_at: at(record.end),
    seats: record.seats,
    status: toSelectOption(record.status),
    payment_mode: toSelectOption(record.paymentMode),
    quote_total: decimalFromCents(record.price),
    checked_in_at: at(record.checkedInAt),
    checked_out_at: at(record.checkedOutAt),
    hold_expires_at: record.status === 'awaiting_payment' ? at(record.holdExpiresAt) : null,
    cancellation_reason: record.cancellationReason,
  };
  if (record.status === 'cancelled' && record.cancellationFee !== undefined && record.cancellationFee !== null) {
    values.cancellation_fee = decimalFromCents(record.cancellationFee);
  }
  // A booking read back from the ERP has no quote of ours: its lines stay as the ERP has them (a
  // child table sent is replaced whole).
  if (record.quote) {
    values.quote_lines = record.quote.lines.map((line) => ({
      item: line.itemCode,
      uom: line.uom,
      qty: line.qty,
      rate: decimalFromCents(line.rate),
      amount: decimalFromCents(line.amount),
    }));
  }
  return values;
}

/** A booking as the ERP holds it, in the index's terms. */
export interface ErpBooking {
  readonly erpName: string;
  readonly erpModified: string | null;
  readonly externalId: string | null;
  readonly resourceId: string;
  readonly customer: string;
  readonly user: string | null;
  readonly start: Instant;
  readonly end: Instant;
  readonly seats: number;
  readonly status: BookingStatus;
  readonly paymentMode: PaymentMode;
  readonly price: Cents;
  readonly holdExpiresAt: Instant | null;
  readonly createdAt: Instant;
  readonly checkedInAt: Instant | null;
  readonly checkedOutAt: Instant | null;
  readonly cancellationReason: string | null;
}

export type ErpBookingResult = { ok: true; booking: ErpBooking } | { ok: false; error: string };

export function erpBookingFromDoc(doc: BookingDoc, siteZone: string): ErpBookingResult {
  const what = `Creneau Booking ${doc.name}`;
  try {
    if (!doc.resource || !doc.customer) return { ok: false, error: `${what} has no resource or no customer` };
    if (!doc.starts_at || !doc.ends_at) return { ok: false, error: `${what} has no start or no end` };
    const status = statusSchema.safeParse(fromSelectOption(doc.status ?? 'Requested'));
    if (!status.success) return { ok: false, error: `${what}: unknown status "${doc.status ?? ''}"` };
    const mode = modeSchema.safeParse(fromSelectOption(doc.payment_mode ?? 'On Site'));
    if (!mode.success) return { ok: false, error: `${what}: unknown payment mode "${doc.payment_mode ?? ''}"` };
    const seats = doc.seats === null || doc.seats === undefined || doc.seats === '' ? 1 : Number(doc.seats);
    if (!Number.isInteger(seats) || seats < 1) return { ok: false, error: `${what}: seats must be a whole number of at least 1, got ${JSON.stringify(doc.seats)}` };
    const optional = (value: string | null | undefined, field: string): Instant | null =>
      value ? instantFromErp(value, siteZone, `${what} ${field}`) : null;
    const start = instantFromErp(doc.starts_at, siteZone, `${what} starts_at`);
    const end = instantFromErp(doc.ends_at, siteZone, `${what} ends_at`);
    return {
      ok: true,
      booking: {
        erpName: doc.name,
        erpModified: doc.modified ?? null,
        externalId: textOf(doc.external_id) ?? null,
        resourceId: doc.resource,
        customer: doc.customer,
        user: doc.user?.trim() ? doc.user : null,
        start,
        end,
        seats,
        status: status.data,
        paymentMode: mode.data,
        price: doc.quote_total === null || doc.quote_total === undefined ? 0 : centsFromDecimal(doc.quote_total, `${what} quote_total`),
        holdExpiresAt: optional(doc.hold_expires_at, 'hold_expires_at'),
        createdAt: doc.creation ? instantFromErp(doc.creation, siteZone, `${what} creation`) : start,
        checkedInAt: optional(doc.checked_in_at, 'checked_in_at'),
        checkedOutAt: optional(doc.checked_out_at, 'checked_out_at'),
        cancellationReason: doc.cancellation_reason?.trim() ? doc.cancellation_reason : null,
      },
    };
  } catch (error) {
    return { ok: false, error: (error as Error).message };
  }
}

/**
 * What was due before confirmation and what was paid, for a booking the index learns from the ERP
 * (the Creneau Booking does not say what was paid; the money flows read that on its invoice): an
 * online booking was paid in full to be confirmed, a deposit booking its deposit; nothing is due
 * for the other modes.
 */
export function amountsFor(mode: PaymentMode, status: BookingStatus, price: Cents, resource: Resource | undefined): { amountDueNow: Cents; amountPaid: Cents } {
  const amountDueNow = mode === 'online' ? price : mode === 'deposit' ? percentOf(price, resource?.depositPercent ?? 0) : 0;
  const paidStatuses: readonly BookingStatus[] = ['confirmed', 'checked_in', 'completed', 'no_show'];
  return { amountDueNow, amountPaid: paidStatuses.includes(status) ? amountDueNow : 0 };
}

/** The ERP's version of a booking as an index record, keeping what the ERP does not hold from `previous`. */
export function recordFromErp(erp: ErpBooking, id: string, resource: Resource | undefined, previous?: BookingRecord): BookingRecord {
  const amounts =
    previous && previous.price === erp.price && previous.paymentMode === erp.paymentMode
      ? { amountDueNow: previous.amountDueNow, amountPaid: previous.amountPaid }
      : amountsFor(erp.paymentMode, erp.status, erp.price, resource);
  const quoteStillTrue = previous?.quote && previous.quote.total === erp.price && previous.start === erp.start && previous.end === erp.end && previous.seats === erp.seats;
  return {
    id,
    resourceId: erp.resourceId,
    customer: erp.customer,
    user: erp.user,
    start: erp.start,
    end: erp.end,
    seats: erp.seats,
    status: erp.status,
    paymentMode: erp.paymentMode,
    holdExpiresAt: erp.status === 'awaiting_payment' ? erp.holdExpiresAt : null,
    quote: quoteStillTrue ? (previous.quote ?? null) : null,
    price: erp.price,
    ...amounts,
    createdAt: previous?.createdAt ?? erp.createdAt,
    checkedInAt: erp.checkedInAt,
    checkedOutAt: erp.checkedOutAt,
    cancellationReason: erp.cancellationReason,
    ...(previous?.cancellationFee !== undefined ? { cancellationFee: previous.cancellationFee } : {}),
    note: previous?.note ?? null,
    audience: previous?.audience ?? 'manager',
    version: previous?.version ?? 0,
    syncedVersion: previous?.syncedVersion ?? 0,
    erpName: erp.erpName,
    erpModified: erp.erpModified,
  };
}
