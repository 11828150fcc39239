import type { CheckInView, TicketBalanceView, TicketEntryView, TicketHistoryView, TicketService } from '../tickets/contract';
import { placeRoute, type PlaceApi } from './context';
import { accepted, bilingualIssue, notRunning } from './errors';
import type { AnyRoute } from './routes';
import { idempotencyHeaders, LIMITS, localDateInput, noBody, placeParam, placeParams } from './schemas';
import { z } from './zod';

/**
 * Ticket packs (sidecar/src/tickets): a member's balance per pack type and expiry date and their
 * history; a manager's view of any customer's, their staff corrections, a coworking check-in
 * without a booking, and a reload of the ledger from the ERP. Dates are the place's local dates
 * (a ticket is valid through the end of its last day there).
 */

const UNITS = ['hour', 'half_day', 'day'] as const;
const ENTRY_TYPES = ['credit', 'debit', 'refund', 'expiry', 'correction', 'return'] as const;

const localDate = z.string().openapi({ format: 'date', example: '2027-06-30' });

const balanceSchema = z
  .object({
    customer: z.string().nullable().openapi({ description: 'The ERP Customer; null for a user without one' }),
    today: localDate.openapi({ description: "The place's local date the balance is for" }),
    packs: z.array(
      z.object({
        packType: z.string(),
        unit: z.enum(UNITS).nullable(),
        tickets: z.number().int().openapi({ description: 'Usable today' }),
        byExpiry: z.array(
          z.object({
            expiresOn: localDate.nullable().openapi({ description: 'Last valid day (through its end); null: never expires' }),
            tickets: z.number().int(),
          }),
        ),
        awaitingExpiry: z.number().int().openapi({ description: "Past their last day, closed by tonight's expiry run (not usable)" }),
      }),
    ),
    expiringSoon: z
      .array(z.object({ packType: z.string(), unit: z.enum(UNITS).nullable(), tickets: z.number().int(), expiresOn: localDate, daysLeft: z.number().int() }))
      .openapi({ description: "Tickets that expire within the place's reminder lead time" }),
    pendingErpWrites: z.number().int().openapi({ description: 'Movements the ERP has not recorded yet (they count already)' }),
  })
  .openapi('TicketBalance');

const entrySchema = z
  .object({
    key: z.string().openapi({ description: "The movement's id (the ERP entry's External ID)" }),
    type: z.enum(ENTRY_TYPES),
    packType: z.string(),
    quantity: z.number().int().openapi({ description: 'Signed: positive adds tickets' }),
    postingDate: localDate,
    expiresOn: localDate.nullable().openapi({ description: 'On an entry that opens a lot: its last valid day' }),
    lot: z.string().nullable().openapi({ description: 'The key of the entry that opened the lot it draws on or gives back to' }),
    booking: z.string().nullable(),
    salesInvoice: z.string().nullable(),
    reason: z.string().nullable(),
    erpName: z.string().nullable().openapi({ description: 'The Creneau Ticket Ledger Entry once written; null while queued' }),
  })
  .openapi('TicketEntry');

const historySchema = z
  .object({
    customer: z.string().nullable(),
    entries: z.array(entrySchema).openapi({ description: 'Newest first' }),
    next: z.string().nullable().openapi({ description: 'Pass as `before` for the next page; null on the last one' }),
  })
  .openapi('TicketHistory');

const historyQuery = z.strictObject({
  before: z.string().min(1).max(400).optional().openapi({ description: 'The `next` of the previous page' }),
  limit: z.coerce.number().int().min(1).max(200).optional().openapi({ description: 'Entries per page (50 by default, 200 at most)' }),
});

const customerParam = z.string().trim().min(1).max(LIMITS.name).openapi({ description: 'The ERP Customer (URL-encoded)', example: 'Camille Martin' });
const customerParams = z.object({ place: placeParam, customer: customerParam });

const correctionRequest = z
  .strictObject({
    packType: z.string().trim().min(1).max(LIMITS.name),
    quantity: z
      .number()
      .int()
      .min(-100_000)
      .max(100_000)
      .refine((n) => n !== 0, bilingualIssue('un nombre de tickets autre que 0', 'a number of tickets other than 0'))
      .openapi({ description: 'Signed whole tickets: positive adds, negative takes' }),
    lot: z.string().trim().min(1).max(255).optional().openapi({ description: 'The lot to adjust; without it, a positive correction opens a lot and a negative one takes earliest expiry first' }),
    expiresOn: localDateInput
      .optional()
      .openapi({ description: 'For a positive correction opening a lot: its last valid day (none: never expires)' }),
    reason: z.string().trim().min(1).max(LIMITS.reason).openapi({ description: 'Why: kept on the ERP entry, with who made it' }),
  })
  .openapi('TicketCorrectionRequest');

const correctionSchema = z.object({ customer: z.string(), entries: z.array(entrySchema), balance: balanceSchema }).openapi('TicketCorrection');

const checkInRequest = z
  .strictObject({
    customer: customerParam,
    resourceId: z.string().trim().min(1).max(LIMITS.name).openapi({ description: 'The coworking space checked into' }),
  })
  .openapi('CheckInRequest');

const checkInSchema = z
  .object({
    customer: z.string(),
    resourceId: z.string(),
    status: z.enum(['debited', 'already_debited']).openapi({ description: "debited: this check-in took a ticket; already_debited: the day's first one did" }),
    unit: z.enum(['day', 'half_day']).nullable(),
    entries: z.array(entrySchema),
    balance: balanceSchema,
  })
  .openapi('CheckIn');

const reloadSchema = z
  .object({ customers: z.number().int(), entries: z.number().int(), skipped: z.number().int(), tookMs: z.number() })
  .openapi('TicketReloadReport');

const CUSTOMER_NOT_FOUND = { code: 'CUSTOMER_NOT_FOUND', text: { fr: 'Client inconnu dans l’ERP', en: 'Unknown customer in the ERP' } };

function ticketsOf(place: PlaceApi): TicketService {
  if (!place.tickets) throw notRunning('TICKETS_UNAVAILABLE', { fr: "Les carnets de tickets ne sont pas en service pour ce lieu", en: 'Ticket packs are not running for this place' });
  return place.tickets;
}

const entryJson = (entry: TicketEntryView): z.input<typeof entrySchema> => ({ ...entry });
const balanceJson = (view: TicketBalanceView): z.input<typeof balanceSchema> => ({
  customer: view.customer,
  today: view.today,
  packs: view.packs.map((pack) => ({ ...pack, byExpiry: pack.byExpiry.map((bucket) => ({ ...bucket })) })),
  expiringSoon: view.expiringSoon.map((soon) => ({ ...soon })),
  pendingErpWrites: view.pendingErpWrites,
});
const historyJson = (view: TicketHistoryView): z.input<typeof historySchema> => ({ customer: view.customer, entries: view.entries.map(entryJson), next: view.next });
const checkInJson = (view: CheckInView): z.input<typeof checkInSchema> => ({ ...view, entries: view.entries.map(entryJson), balance: balanceJson(view.balance) });

export function ticketRoutes(): AnyRoute[] {
  return [
    placeRoute({
      method: 'get',
      path: '/api/places/:place/tickets',
      operationId: 'ticketBalance',
      summary: 'My tickets: balance per pack type and expiry date',
      tag: 'Member',
      access: 'member',
      params: placeParams,
      response: { status: 200, description: 'The balance, and what expires soon', schema: balanceSchema },
      errors: [401, 404, 503],
      handle: async ({ session, place }) => ({ body: balanceJson(await ticketsOf(place).balance(session.principal)) }),
    }),
    placeRoute({
      method: 'get',
      path: '/api/places/:place/tickets/history',
      operationId: 'ticketHistory',
      summary: 'My ticket movements, newest first',
      tag: 'Member',
      access: 'member',
      params: placeParams,
      query: historyQuery,
      response: { status: 200, description: 'A page of movements', schema: historySchema },
      errors: [400, 401, 404, 422, 503],
      handle: async ({ session, place, query }) => ({ body: historyJson(await ticketsOf(place).history(session.principal, { before: query.before, limit: query.limit })) }),
    }),
    placeRoute({
      method: 'get',
      path: '/api/places/:place/manager/customers/:customer/tickets',
      operationId: 'customerTicketBalance',
      summary: "A customer's ticket balance",
      tag: 'Manager',
      access: 'manager',
      params: customerParams,
      response: { status: 200, description: 'The balance, and what expires soon', schema: balanceSchema },
      errors: [400, 401, 403, 404, 503],
      notFound: CUSTOMER_NOT_FOUND,
      handle: async ({ session, place, params }) => ({ body: balanceJson(await ticketsOf(place).balance(session.principal, params.customer)) }),
    }),
    placeRoute({
      method: 'get',
      path: '/api/places/:place/manager/customers/:customer/tickets/history',
      operationId: 'customerTicketHistory',
      summary: "A customer's ticket movements, newest first",
      tag: 'Manager',
      access: 'manager',
      params: customerParams,
      query: historyQuery,
      response: { status: 200, description: 'A page of movements', schema: historySchema },
      errors: [400, 401, 403, 404, 422, 503],
      notFound: CUSTOMER_NOT_FOUND,
      handle: async ({ session, place, params, query }) => ({
        body: historyJson(await ticketsOf(place).history(session.principal, { customer: params.customer, before: query.before, limit: query.limit })),
      }),
    }),
    placeRoute({
      method: 'post',
      path: '/api/places/:place/manager/customers/:customer/tickets/corrections',
      operationId: 'correctTickets',
      summary: 'Correct a customer’s tickets (an adjusting entry)',
      description:
        'A positive correction opens a lot (with an expiry date or none); a negative one takes from a named lot or from the lots that expire first, never beyond the balance (422 CORRECTION_EXCEEDS_BALANCE). With an Idempotency-Key, a retry gives the same entries instead of a second correction.',
      tag: 'Manager',
      access: 'manager',
      params: customerParams,
      headers: idempotencyHeaders,
      body: { kind: 'json', schema: correctionRequest },
      response: { status: 201, description: 'The entries written and the balance after them', schema: correctionSchema },
      errors: [400, 401, 403, 404, 413, 415, 422, 503],
      notFound: CUSTOMER_NOT_FOUND,
      handle: async ({ session, place, params, body, headers }) => {
        const outcome = await ticketsOf(place).correct(
          session.principal,
          params.customer,
          { packType: body.packType, quantity: body.quantity, lot: body.lot, expiresOn: body.expiresOn, reason: body.reason },
          headers['idempotency-key'],
        );
        const correction = accepted(outcome);
        return { body: { customer: correction.customer, entries: correction.entries.map(entryJson), balance: balanceJson(correction.balance) } };
      },
    }),
    placeRoute({
      method: 'post',
      path: '/api/places/:place/manager/check-ins',
      operationId: 'checkInWithoutBooking',
      summary: 'A coworking check-in without a booking',
      description:
        'The member’s first check-in of the local day takes one Day ticket before Creneau Settings’ half-day hour (12:00 by default), one Half Day ticket from it on; the next ones that day take nothing. 422 TICKETS_INSUFFICIENT when no usable ticket is left.',
      tag: 'Manager',
      access: 'manager',
      params: placeParams,
      body: { kind: 'json', schema: checkInRequest },
      response: { status: 200, description: 'What the check-in took, and the balance after it', schema: checkInSchema },
      errors: [400, 401, 403, 404, 413, 415, 422, 503],
      notFound: { code: 'NOT_FOUND', text: { fr: 'Client ou ressource inconnu dans l’ERP', en: 'Unknown customer or resource in the ERP' } },
      handle: async ({ session, place, body }) => {
        const outcome = await ticketsOf(place).checkIn(session.principal, { customer: body.customer, resourceId: body.resourceId });
        return { body: checkInJson(accepted(outcome)) };
      },
    }),
    placeRoute({
      method: 'post',
      path: '/api/places/:place/manager/tickets/reload',
      operationId: 'reloadTickets',
      summary: 'Reload the ticket ledger from the ERP',
      tag: 'Manager',
      access: 'manager',
      params: placeParams,
      body: noBody,
      response: { status: 200, description: 'What was reloaded', schema: reloadSchema },
      errors: [401, 403, 404, 413, 415, 503],
      handle: async ({ session, place }) => ({ body: await ticketsOf(place).reload(session.principal) }),
    }),
  ];
}

