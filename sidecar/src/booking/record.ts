import { z } from 'zod';
import { BOOKING_STATUSES, centsSchema, type BookedInterval, type Booking, type BookingStatus, type Instant } from '../domain';
import { PAYMENT_MODES, type BookingView } from './contract';

/**
 * A booking as the index keeps it. The fields the capacity scripts read are separate hash fields
 * (resource, start, end, seats, status, hold, customer, versions, ERP name); the rest travels as
 * one JSON field the scripts never open.
 */

const bilingual = { fr: z.string(), en: z.string() };

export const quoteViewSchema = z.object({
  resourceId: z.string(),
  start: z.number(),
  end: z.number(),
  seats: z.number().int(),
  currency: z.string(),
  lines: z.array(z.object({ itemCode: z.string(), uom: z.string(), qty: z.number(), rate: centsSchema, amount: centsSchema })),
  total: centsSchema,
  deposit: centsSchema,
  explanation: z.object(bilingual),
  samePriceUntil: z.object({ end: z.number(), ...bilingual }).optional(),
  priceList: z.string(),
});

/** What the scripts never look at. */
export const recordDataSchema = z.object({
  user: z.string().nullable(),
  paymentMode: z.enum(PAYMENT_MODES),
  quote: quoteViewSchema.nullable(),
  price: centsSchema,
  amountDueNow: centsSchema,
  amountPaid: centsSchema,
  createdAt: z.number(),
  checkedInAt: z.number().nullable(),
  checkedOutAt: z.number().nullable(),
  cancellationReason: z.string().nullable(),
  /** The fee the cancellation kept (the policy step when it was cancelled); the money flows bill it. */
  cancellationFee: centsSchema.nullable().optional(),
  note: z.string().nullable(),
  /** Whose capacity the booking was decided against: members cannot use the walk-in margin. */
  audience: z.enum(['member', 'manager']),
});
export type RecordData = z.infer<typeof recordDataSchema>;

export interface BookingRecord extends RecordData {
  readonly id: string;
  readonly resourceId: string;
  readonly customer: string;
  readonly start: Instant;
  readonly end: Instant;
  readonly seats: number;
  readonly status: BookingStatus;
  readonly holdExpiresAt: Instant | null;
  /** Bumped by every change; the ERP write of version v clears the outbox only if it is still v. */
  readonly version: number;
  /** The last version the ERP holds. */
  readonly syncedVersion: number;
  readonly erpName: string | null;
  /** `modified` of the ERP document after our last write or read, to recognise our own echoes. */
  readonly erpModified: string | null;
}

/** The hash fields, in the order the read script returns them after the id. */
export const RECORD_FIELDS = ['r', 's', 'e', 'n', 'st', 'h', 'c', 'v', 'sv', 'en', 'em', 'd'] as const;

const statusSchema = z.enum(BOOKING_STATUSES);

export class CorruptRecordError extends Error {
  override readonly name = 'CorruptRecordError';
}

const optionalNumber = (text: string): number | null => (text === '' ? null : Number(text));

/** A record from the values of RECORD_FIELDS (empty strings for absent fields). */
export function recordFromFields(id: string, values: readonly string[]): BookingRecord {
  const [r = '', s = '', e = '', n = '', st = '', h = '', c = '', v = '', sv = '', en = '', em = '', d = ''] = values;
  const status = statusSchema.safeParse(st);
  let data: RecordData;
  try {
    data = recordDataSchema.parse(JSON.parse(d));
  } catch (error) {
    throw new CorruptRecordError(`booking ${id}: its stored data cannot be read (${(error as Error).message})`);
  }
  if (!status.success || r === '' || c === '' || s === '' || e === '') throw new CorruptRecordError(`booking ${id}: incomplete record in the index`);
  return {
    ...data,
    id,
    resourceId: r,
    customer: c,
    start: Number(s),
    end: Number(e),
    seats: Number(n),
    status: status.data,
    holdExpiresAt: optionalNumber(h),
    version: Number(v || '0'),
    syncedVersion: Number(sv || '0'),
    erpName: en === '' ? null : en,
    erpModified: em === '' ? null : em,
  };
}

export function dataOf(record: BookingRecord): RecordData {
  return {
    user: record.user,
    paymentMode: record.paymentMode,
    quote: record.quote,
    price: record.price,
    amountDueNow: record.amountDueNow,
    amountPaid: record.amountPaid,
    createdAt: record.createdAt,
    checkedInAt: record.checkedInAt,
    checkedOutAt: record.checkedOutAt,
    cancellationReason: record.cancellationReason,
    ...(record.cancellationFee !== undefined ? { cancellationFee: record.cancellationFee } : {}),
    note: record.note,
    audience: record.audience,
  };
}

export function toBookedInterval(record: BookingRecord): BookedInterval {
  return {
    id: record.id,
    resourceId: record.resourceId,
    memberId: record.customer,
    start: record.start,
    end: record.end,
    seats: record.seats,
    status: record.status,
    holdExpiresAt: record.holdExpiresAt ?? undefined,
  };
}

export function toDomainBooking(record: BookingRecord): Booking {
  return { ...toBookedInterval(record), memberId: record.customer, price: record.price, amountDueNow: record.amountDueNow, amountPaid: record.amountPaid };
}

/** The domain's answer applied back onto the record (status, hold and amounts are what transitions change). */
export function withDomainBooking(record: BookingRecord, booking: Booking): BookingRecord {
  return {
    ...record,
    status: booking.status,
    holdExpiresAt: booking.holdExpiresAt ?? null,
    amountPaid: booking.amountPaid,
    amountDueNow: booking.amountDueNow,
    price: booking.price,
  };
}

export function toView(record: BookingRecord, resourceName: string): BookingView {
  return {
    id: record.id,
    erpName: record.erpName,
    resourceId: record.resourceId,
    resourceName,
    customer: record.customer,
    user: record.user,
    start: record.start,
    end: record.end,
    seats: record.seats,
    status: record.status,
    paymentMode: record.paymentMode,
    quote: record.quote,
    holdExpiresAt: record.status === 'awaiting_payment' ? record.holdExpiresAt : null,
    createdAt: record.createdAt,
    checkedInAt: record.checkedInAt,
    checkedOutAt: record.checkedOutAt,
    cancellationReason: record.cancellationReason,
    erpSync: record.syncedVersion >= record.version ? 'synced' : 'pending',
  };
}

/** The fields a change to a booking can touch, compared to tell a real change from an echo. */
export function sameBooking(a: Pick<BookingRecord, 'resourceId' | 'customer' | 'start' | 'end' | 'seats' | 'status'> & { holdExpiresAt: Instant | null }, b: typeof a): boolean {
  return (
    a.resourceId === b.resourceId &&
    a.customer === b.customer &&
    a.start === b.start &&
    a.end === b.end &&
    a.seats === b.seats &&
    a.status === b.status &&
    (a.status !== 'awaiting_payment' || a.holdExpiresAt === b.holdExpiresAt)
  );
}
