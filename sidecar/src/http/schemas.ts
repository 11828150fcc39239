import { DateTime } from 'luxon';
import { PAYMENT_MODES } from '../booking/contract';
import { BOOKING_STATUSES, DAY_MS, isLocalDate } from '../domain';
import { docstatusSchema } from '../erp';
import { WEBHOOK_EVENTS, type WebhookEvent } from '../addon/webhooks';
import { bilingualIssue } from './errors';
import { z } from './zod';

/**
 * The API's shapes, one schema per idea: each request schema validates and types what a handler receives, each
 * response schema types what it sends, and both describe the route in the OpenAPI document (`routes.ts`).
 * Instants go in as ISO 8601 with an offset (a time without one is ambiguous) and come out in UTC, next to the
 * place's wall-clock reading where a person reads them; money is integer cents with its currency.
 */

export const LIMITS = {
  /** Longest availability query; a month view with its edges fits. */
  availabilityDays: 62,
  /** Longest booking the API takes; rules narrow it per resource (maxMinutes). */
  bookingDays: 62,
  /** Longest filter range for one's bookings. */
  listDays: 732,
  seats: 1_000,
  resourcesPerQuery: 50,
  name: 140,
  note: 1_000,
  reason: 500,
  password: 256,
} as const;

// ---------------------------------------------------------------------------------------------
// Building blocks

function matching(pattern: RegExp, fr: string, en: string) {
  return z
    .string()
    .refine((text) => pattern.test(text), bilingualIssue(fr, en))
    .openapi({ pattern: pattern.source });
}

const name = (what: { fr: string; en: string }) =>
  z
    .string()
    .trim()
    .min(1)
    .max(LIMITS.name)
    .openapi({ description: `${what.en} (${what.fr})` });

/** Créneau's booking ids and ERP names: letters, digits, '-' and '_' (a random id, or CRN-BKG-2026-00001). */
export const BOOKING_ID_PATTERN = /^[A-Za-z0-9_-]{1,100}$/;

export const placeParam = z.string().openapi({ description: "The place's id, as in the sidecar's configuration", example: 'la-forge' });

export const bookingIdParam = matching(
  BOOKING_ID_PATTERN,
  "identifiant de réservation invalide (lettres, chiffres, '-' et '_', 100 caractères au plus)",
  "invalid booking id (letters, digits, '-' and '_', at most 100 characters)",
).openapi({ description: "The booking's id (Créneau's external id)", example: 'bkg_7Hq2nT0xR4c9' });

function toMillis(text: string): number {
  return DateTime.fromISO(text, { setZone: true }).toMillis();
}

/** An instant as a client writes it: ISO 8601 with Z or an offset; read as epoch milliseconds. */
export const instantInput = z.iso
  .datetime({ offset: true })
  .transform(toMillis)
  .openapi({ description: 'ISO 8601 date-time with Z or an offset', example: '2026-11-30T09:00:00+01:00' });

/**
 * The same in a query string, where an unencoded '+' arrives as a space: "09:00:00 01:00" is read as "+01:00"
 * rather than refused, since nothing else can have been meant.
 */
export const instantQuery = z
  .preprocess((value) => (typeof value === 'string' ? value.replace(/^(.*T[\d:.]+) (\d\d:?\d\d)$/, '$1+$2') : value), instantInput)
  .openapi({ description: "ISO 8601 date-time with Z or an offset (encode '+' as %2B)", example: '2026-11-30T09:00:00+01:00' });

const instantOutput = z.string().openapi({ format: 'date-time', description: 'UTC', example: '2026-11-30T08:00:00Z' });
const localOutput = z
  .string()
  .openapi({ format: 'date-time', description: "The same instant on the place's wall clock, with its offset", example: '2026-11-30T09:00:00+01:00' });

const seatsInput = z.number().int().min(1).max(LIMITS.seats).openapi({ description: 'People for a room, seats for a seat pool, units for machines' });

const paymentMode = z.enum(PAYMENT_MODES);
const bookingStatus = z.enum(BOOKING_STATUSES);

/** A list given as `a,b` or as a repeated parameter. */
function listParam<T extends z.ZodType>(item: T, max: number) {
  return z.preprocess(
    (value) => {
      if (value === undefined) return undefined;
      const values: unknown[] = Array.isArray(value) ? (value as unknown[]) : [value];
      return values.flatMap((v) => (typeof v === 'string' ? v.split(',').map((s) => s.trim()).filter((s) => s !== '') : [v]));
    },
    z.array(item).min(1).max(max),
  );
}

type Range = { start: number; end: number };

function checkRange(range: Range, maxDays: number, keys: [string, string], ctx: z.RefinementCtx): void {
  if (Number.isNaN(range.start) || Number.isNaN(range.end)) return;
  const [startKey, endKey] = keys;
  if (range.end <= range.start) {
    ctx.addIssue({ code: 'custom', path: [endKey], ...bilingualIssue(`doit être après « ${startKey} »`, `must be after "${startKey}"`) });
  } else if (range.end - range.start > maxDays * DAY_MS) {
    ctx.addIssue({
      code: 'custom',
      path: [endKey],
      ...bilingualIssue(`au plus ${maxDays} jours après « ${startKey} »`, `at most ${maxDays} days after "${startKey}"`),
    });
  }
}

// ---------------------------------------------------------------------------------------------
// Shared response pieces

export const bilingualSchema = z.object({ fr: z.string(), en: z.string() }).openapi('Bilingual');

export const moneySchema = z
  .object({
    cents: z.number().int().openapi({ description: 'Amount in integer cents (hundredths of the currency unit)', example: 4500 }),
    currency: z.string().openapi({ description: 'ISO 4217', example: 'EUR' }),
  })
  .openapi('Money');

export const reasonSchema = z
  .object({
    code: z.string().openapi({ example: 'WALK_IN_MARGIN' }),
    fr: z.string(),
    en: z.string(),
    params: z.record(z.string(), z.unknown()).openapi({ description: 'The figures of the message, for programs' }),
  })
  .openapi('Reason', { description: "Why the rules said no: a stable code and the same sentence in French and English" });

export const errorBodySchema = z
  .object({
    error: z.object({
      code: z.string().openapi({ example: 'INVALID_REQUEST' }),
      message: z.string().openapi({ description: 'In French, or in English when Accept-Language prefers it' }),
      details: z
        .record(z.string(), z.unknown())
        .optional()
        .openapi({ description: 'reasons (refusals: Reason[]), issues (invalid input: where and what)' }),
    }),
  })
  .openapi('Error');

// ---------------------------------------------------------------------------------------------
// Sessions

export const signInRequest = z
  .strictObject({
    usr: name({ fr: 'identifiant ERP (e-mail)', en: 'ERP user id (e-mail)' }),
    pwd: z.string().min(1).max(LIMITS.password).openapi({ description: 'ERP portal password' }),
  })
  .openapi('SignInRequest');

export const sessionSchema = z
  .object({
    user: z.string(),
    fullName: z.string(),
    customer: z.string().nullable(),
    isManager: z.boolean(),
    roles: z.array(z.string()),
    csrfToken: z.string().openapi({ description: 'Send it back in X-CSRF-Token on every POST and DELETE' }),
  })
  .openapi('Session');

export const signedOutSchema = z.object({ signedOut: z.literal(true) }).openapi('SignedOut');

// ---------------------------------------------------------------------------------------------
// Resources, availability, quotes

export const resourceSchema = z
  .object({
    id: z.string(),
    name: z.string(),
    kind: z.enum(['room', 'seat_pool', 'machine']),
    itemCode: z.string(),
    capacity: z.number().int(),
    bookableCapacity: z.number().int().openapi({ description: 'Capacity less the walk-in margin' }),
    timeZone: z.string(),
    slotMinutes: z.number().int(),
    minMinutes: z.number().int(),
    maxMinutes: z.number().int().nullable(),
    leadMinutes: z.number().int(),
    horizonDays: z.number().int().nullable(),
    approvalRequired: z.boolean(),
    depositPercent: z.number().int(),
    requiredQualification: z.string().nullable(),
    eligible: z.boolean(),
    ineligibleReasons: z.array(reasonSchema),
    prices: z.record(z.string(), moneySchema).openapi({ description: 'Unit prices for this member, by ERP UOM' }),
    priceList: z.string(),
    openingHours: z.array(z.object({ weekday: z.number().int().min(1).max(7), from: z.string(), to: z.string() })),
  })
  .openapi('Resource');

export const resourcesResponse = z.object({ resources: z.array(resourceSchema) }).openapi('Resources');

export const availabilityQuery = z
  .strictObject({
    from: instantQuery,
    to: instantQuery,
    resource: listParam(name({ fr: 'ressource', en: 'resource' }), LIMITS.resourcesPerQuery)
      .optional()
      .openapi({ description: 'Resource ids, comma-separated or repeated; all resources when absent' }),
    seats: z.coerce.number().int().min(1).max(LIMITS.seats).optional(),
  })
  .superRefine((q, ctx) => checkRange({ start: q.from, end: q.to }, LIMITS.availabilityDays, ['from', 'to'], ctx));

const span = { start: instantOutput, startLocal: localOutput, end: instantOutput, endLocal: localOutput };

export const availabilityResponse = z
  .object({
    from: instantOutput,
    to: instantOutput,
    resources: z.array(
      z.object({
        resourceId: z.string(),
        slots: z.array(z.object({ ...span, free: z.number().int().openapi({ description: 'Free units for you' }) })),
        bookable: z.array(z.object(span)).openapi({ description: 'Intervals you may book as a whole' }),
      }),
    ),
  })
  .openapi('Availability');

const bookingShape = {
  resourceId: name({ fr: 'ressource', en: 'resource' }),
  start: instantInput,
  end: instantInput,
  seats: seatsInput.optional(),
  paymentMode: paymentMode.optional(),
  ticketsShortfall: z
    .enum(['refuse', 'pay_online'])
    .optional()
    .openapi({
      description:
        'With paymentMode "tickets": when the tickets do not cover the whole quote, refuse the booking (default; 422 TICKETS_INSUFFICIENT with the usable balance) or let them pay what they can and pay the rest online',
    }),
  note: z.string().trim().max(LIMITS.note).optional(),
};

export const bookingRequest = z
  .strictObject(bookingShape)
  .superRefine((b, ctx) => checkRange(b, LIMITS.bookingDays, ['start', 'end'], ctx))
  .openapi('BookingRequest');

export const managerBookingRequest = z
  .strictObject({ ...bookingShape, customer: name({ fr: 'client ERP', en: 'ERP Customer' }) })
  .superRefine((b, ctx) => checkRange(b, LIMITS.bookingDays, ['start', 'end'], ctx))
  .openapi('ManagerBookingRequest');

export const idempotencyHeaders = z.object({
  'idempotency-key': matching(
    /^[\x21-\x7E]{1,100}$/,
    'de 1 à 100 caractères visibles (ASCII, sans espace)',
    '1 to 100 visible characters (ASCII, no space)',
  )
    .optional()
    .openapi({ description: 'Repeat a creation safely: the same key returns the same booking (200 instead of 201)' }),
});

export const quoteSchema = z
  .object({
    resourceId: z.string(),
    ...span,
    seats: z.number().int(),
    currency: z.string(),
    lines: z.array(z.object({ itemCode: z.string(), uom: z.string(), qty: z.number(), rate: moneySchema, amount: moneySchema })),
    total: moneySchema,
    deposit: moneySchema,
    explanation: bilingualSchema,
    samePriceUntil: z.object({ end: instantOutput, endLocal: localOutput, fr: z.string(), en: z.string() }).nullable(),
    priceList: z.string(),
  })
  .openapi('Quote');

// ---------------------------------------------------------------------------------------------
// Bookings

export const bookingSchema = z
  .object({
    id: z.string(),
    erpName: z.string().nullable().openapi({ description: 'The ERP document once written; null while the write is queued' }),
    resourceId: z.string(),
    resourceName: z.string(),
    customer: z.string(),
    user: z.string().nullable(),
    ...span,
    seats: z.number().int(),
    status: bookingStatus,
    paymentMode,
    quote: quoteSchema.nullable(),
    holdExpiresAt: instantOutput.nullable(),
    holdExpiresAtLocal: localOutput.nullable(),
    createdAt: instantOutput,
    checkedInAt: instantOutput.nullable(),
    checkedOutAt: instantOutput.nullable(),
    cancellationReason: z.string().nullable(),
    erpSync: z.enum(['pending', 'synced']),
  })
  .openapi('Booking');

export const bookingsResponse = z.object({ bookings: z.array(bookingSchema) }).openapi('Bookings');

export const listBookingsQuery = z
  .strictObject({
    from: instantQuery.optional(),
    to: instantQuery.optional(),
    status: listParam(bookingStatus, BOOKING_STATUSES.length)
      .optional()
      .openapi({ description: 'Statuses, comma-separated or repeated' }),
  })
  .superRefine((q, ctx) => {
    if (q.from !== undefined && q.to !== undefined) checkRange({ start: q.from, end: q.to }, LIMITS.listDays, ['from', 'to'], ctx);
  });

export const placeParams = z.object({ place: placeParam });

export const bookingParams = z.object({ place: placeParam, id: bookingIdParam });

/** The body of an action that takes no input: none, or an empty JSON object. */
export const noBody = { kind: 'json' as const, schema: z.strictObject({}).openapi('NoBody'), optional: true };

export const cancellationPreviewSchema = z
  .object({
    bookingId: z.string(),
    fee: moneySchema,
    refund: moneySchema,
    step: bilingualSchema.openapi({ description: 'The policy step that applies' }),
    validUntil: instantOutput.nullable().openapi({ description: 'Until when this preview holds' }),
    validUntilLocal: localOutput.nullable(),
  })
  .openapi('CancellationPreview');

export const cancelRequest = z
  .strictObject({
    reason: z.string().trim().max(LIMITS.reason).optional(),
    expectedFee: z
      .number()
      .int()
      .min(0)
      .openapi({ description: 'The fee in cents the member was shown (GET …/cancellation); a different current fee answers 409' }),
  })
  .openapi('CancelRequest');

export const rescheduleRequest = z
  .strictObject({ start: instantInput, end: instantInput })
  .superRefine((b, ctx) => checkRange(b, LIMITS.bookingDays, ['start', 'end'], ctx))
  .openapi('RescheduleRequest');

export const rejectRequest = z
  .strictObject({ reason: z.string().trim().min(1).max(LIMITS.reason).openapi({ description: 'Told to the member' }) })
  .openapi('RejectRequest');

// ---------------------------------------------------------------------------------------------
// Managers

/** A day (YYYY-MM-DD) as clients send it, refused with the same bilingual message wherever one is asked for. */
export const localDateInput = z.string().refine(isLocalDate, bilingualIssue('date AAAA-MM-JJ attendue', 'a YYYY-MM-DD date is expected'));

export const occupancyQuery = z.strictObject({
  date: localDateInput
    .optional()
    .openapi({ description: "A day in the place's zone; today when absent", example: '2026-11-30' }),
});

export const occupancySchema = z
  .object({
    date: z.string(),
    resources: z.array(
      z.object({
        resourceId: z.string(),
        name: z.string(),
        capacity: z.number().int(),
        walkInUnits: z.number().int(),
        peak: z.number().int().openapi({ description: 'Most units taken at once that day' }),
        bookings: z.array(bookingSchema),
      }),
    ),
  })
  .openapi('Occupancy');

export const conflictsResponse = z
  .object({
    conflicts: z.array(
      z.object({
        id: z.string(),
        resourceId: z.string(),
        ...span,
        bookingIds: z.array(z.string()),
        excess: z.number().int().openapi({ description: 'Units taken over what the resource holds' }),
        detectedAt: instantOutput,
        source: z.enum(['webhook', 'reconciliation', 'rebuild']),
      }),
    ),
  })
  .openapi('Conflicts');

export const rebuildReportSchema = z
  .object({ bookings: z.number().int(), resources: z.number().int(), conflicts: z.number().int(), tookMs: z.number() })
  .openapi('RebuildReport');

// ---------------------------------------------------------------------------------------------
// ERP webhooks (the add-on's Webhooks: see addon/webhooks.ts)

const webhookEvents = [...new Set(WEBHOOK_EVENTS.flatMap((w) => w.events))] as [WebhookEvent, ...WebhookEvent[]];

export const webhookHeaders = z.object({
  'x-creneau-place': z.string().max(LIMITS.name).optional().openapi({ description: 'The place the Webhook was installed for' }),
  'x-creneau-doctype': z.string().min(1).max(LIMITS.name).openapi({ description: 'The DocType of the changed document' }),
  'x-creneau-event': z.enum(webhookEvents),
  'x-frappe-webhook-signature': z.string().openapi({ description: 'base64(HMAC-SHA256(webhook secret, raw body))' }),
});

export const webhookBody = z
  .object({
    name: z.string().min(1).max(LIMITS.name),
    modified: z.string().max(40).nullable().optional(),
    docstatus: docstatusSchema.nullable().optional(),
  })
  .openapi('ErpWebhookBody');

export const webhookAck = z.object({ ok: z.literal(true), duplicate: z.boolean() }).openapi('ErpWebhookAck');
