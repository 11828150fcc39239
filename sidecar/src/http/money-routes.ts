import type { Principal } from '../booking/contract';
import type { BookingDocumentsView, DocumentView, MoneyService, PaymentStartView, PostPaidReport } from '../money/contract';
import { placeRoute, type PlaceApi } from './context';
import { bilingualIssue, BOOKING_NOT_FOUND, notRunning } from './errors';
import type { AnyRoute } from './routes';
import { bilingualSchema, bookingParams, moneySchema, noBody, placeParams } from './schemas';
import { money } from './views';
import { z } from './zod';

/**
 * Paying for bookings and seeing their ERP documents (sidecar/src/money): the member starts a payment and reads
 * their invoices and credit notes; managers record what was paid or paid back at the desk and run a month's
 * post-paid invoicing. Every amount is an ERP document's, in cents with its currency.
 */

const documentSchema = z
  .object({
    kind: z.enum(['invoice', 'credit_note']),
    name: z.string().openapi({ description: 'The ERP Sales Invoice (a credit note is a return Sales Invoice)', example: 'ACC-SINV-2026-00012' }),
    status: z.string().openapi({ description: "The ERP's status: Draft, Unpaid, Partly Paid, Paid, Overdue, Return, Credit Note Issued, Cancelled…" }),
    docstatus: z.number().int().openapi({ description: '0 draft, 1 submitted, 2 cancelled' }),
    postingDate: z.string().nullable(),
    returnAgainst: z.string().nullable().openapi({ description: "A credit note's original invoice" }),
    lines: moneySchema.openapi({ description: 'Sum of the rows (rate × qty)' }),
    taxes: moneySchema.openapi({ description: "Taxes, as the ERP's templates made them" }),
    total: moneySchema.openapi({ description: 'What the document asks in all (negative for a credit note)' }),
    outstanding: moneySchema.openapi({ description: 'Still owed: positive to pay, negative for the place to pay back' }),
    rows: z.array(
      z.object({ itemCode: z.string(), uom: z.string(), qty: z.number(), rate: moneySchema, amount: moneySchema, description: z.string().nullable() }),
    ),
    paymentRequests: z.array(
      z.object({
        name: z.string(),
        status: z.string(),
        amount: moneySchema,
        outstanding: moneySchema,
        paymentUrl: z.string().nullable().openapi({ description: 'The online checkout (null where the ERP has no payment gateway)' }),
      }),
    ),
  })
  .openapi('ErpDocument');

const bookingDocumentsSchema = z
  .object({
    bookingId: z.string(),
    erpName: z.string().nullable(),
    documents: z.array(documentSchema),
    toPay: moneySchema.openapi({ description: 'Still to pay on the submitted documents' }),
    toRefund: moneySchema.openapi({ description: 'Still to be paid back by the place' }),
  })
  .openapi('BookingDocuments');

const paymentStartSchema = z
  .object({
    bookingId: z.string(),
    next: z.enum(['redirect', 'offline', 'nothing_due']).openapi({
      description: 'redirect: send the member to paymentUrl; offline: pay on site or by transfer against the invoice (instructions); nothing_due: all paid',
    }),
    paymentUrl: z.string().nullable(),
    paymentRequest: z.string().nullable().openapi({ description: 'The ERP Payment Request' }),
    amount: moneySchema.openapi({ description: 'What this payment asks' }),
    invoice: documentSchema,
    instructions: bilingualSchema.nullable(),
  })
  .openapi('PaymentStart');

const deskPaymentRequest = z
  .strictObject({
    modeOfPayment: z.string().trim().min(1).max(140).optional().openapi({ description: 'An ERP Mode of Payment (Cash by default for payments)', example: 'Cash' }),
    reference: z.string().trim().min(1).max(140).optional().openapi({ description: 'Cheque number, transfer reference…' }),
  })
  .openapi('DeskPaymentRequest');

const postPaidRequest = z
  .strictObject({
    month: z
      .string()
      .refine((text) => /^\d{4}-(0[1-9]|1[0-2])$/.test(text), bilingualIssue('mois AAAA-MM attendu', 'a YYYY-MM month is expected'))
      .openapi({ description: "The month whose bookings are billed, in the place's zone", example: '2026-11' }),
  })
  .openapi('PostPaidRequest');

const postPaidReportSchema = z
  .object({
    month: z.string(),
    invoices: z.array(z.object({ customer: z.string(), invoice: z.string(), bookings: z.array(z.string()), created: z.boolean() })),
    alreadyBilled: z.array(z.string()),
    skipped: z.array(z.object({ booking: z.string(), reason: z.string() })),
  })
  .openapi('PostPaidReport');

function documentJson(doc: DocumentView): z.input<typeof documentSchema> {
  const m = (cents: number) => money(cents, doc.currency);
  return {
    kind: doc.kind,
    name: doc.name,
    status: doc.status,
    docstatus: doc.docstatus,
    postingDate: doc.postingDate,
    returnAgainst: doc.returnAgainst,
    lines: m(doc.lines),
    taxes: m(doc.taxes),
    total: m(doc.total),
    outstanding: m(doc.outstanding),
    rows: doc.rows.map((row) => ({ itemCode: row.itemCode, uom: row.uom, qty: row.qty, rate: m(row.rate), amount: m(row.amount), description: row.description })),
    paymentRequests: doc.paymentRequests.map((r) => ({ name: r.name, status: r.status, amount: m(r.amount), outstanding: m(r.outstanding), paymentUrl: r.paymentUrl })),
  };
}

function documentsJson(view: BookingDocumentsView): z.input<typeof bookingDocumentsSchema> {
  return {
    bookingId: view.bookingId,
    erpName: view.erpName,
    documents: view.documents.map(documentJson),
    toPay: money(view.toPay, view.currency),
    toRefund: money(view.toRefund, view.currency),
  };
}

function paymentJson(view: PaymentStartView): z.input<typeof paymentStartSchema> {
  return {
    bookingId: view.bookingId,
    next: view.next,
    paymentUrl: view.paymentUrl,
    paymentRequest: view.paymentRequest,
    amount: money(view.amount, view.currency),
    invoice: documentJson(view.invoice),
    instructions: view.instructions ? { fr: view.instructions.fr, en: view.instructions.en } : null,
  };
}

function postPaidJson(report: PostPaidReport): z.input<typeof postPaidReportSchema> {
  return { month: report.month, invoices: report.invoices, alreadyBilled: report.alreadyBilled, skipped: report.skipped };
}

/** An optional body is undefined when left out. */
function deskInput(body: z.output<typeof deskPaymentRequest> | undefined): { modeOfPayment?: string; reference?: string } {
  return { ...(body?.modeOfPayment ? { modeOfPayment: body.modeOfPayment } : {}), ...(body?.reference ? { reference: body.reference } : {}) };
}

function moneyOf(place: PlaceApi): MoneyService {
  if (!place.money) throw notRunning('PAYMENTS_UNAVAILABLE', { fr: "Les paiements ne sont pas en service pour ce lieu", en: 'Payments are not running for this place' });
  return place.money;
}

type DeskAction = (money: MoneyService, principal: Principal, bookingId: string, input: { modeOfPayment?: string; reference?: string }) => Promise<BookingDocumentsView>;

/** A manager records at the desk money taken or paid back for a booking: a Payment Entry, then the booking's documents. */
function deskRoute(path: string, operationId: string, summary: string, description: string, act: DeskAction): AnyRoute {
  return placeRoute({
    method: 'post',
    path: `/api/places/:place/manager/bookings/:id/${path}`,
    operationId,
    summary,
    description,
    tag: 'Manager',
    access: 'manager',
    params: bookingParams,
    body: { kind: 'json', schema: deskPaymentRequest, optional: true },
    response: { status: 200, description: 'The booking’s documents afterwards', schema: bookingDocumentsSchema },
    errors: [400, 401, 403, 404, 413, 415, 422, 503],
    notFound: BOOKING_NOT_FOUND,
    handle: async ({ session, place, params, body }) => ({ body: documentsJson(await act(moneyOf(place), session.principal, params.id, deskInput(body))) }),
  });
}

export function moneyRoutes(): AnyRoute[] {
  return [
    placeRoute({
      method: 'post',
      path: '/api/places/:place/bookings/:id/payment',
      operationId: 'startPayment',
      summary: 'Pay for a booking',
      description:
        'Submits the booking’s invoice and makes an ERP Payment Request for what is due (the deposit of a machine booking). Where the ERP has an online payment gateway the answer carries its paymentUrl; otherwise the member pays on site or by transfer against the invoice. A 503 with Retry-After means the documents are still being prepared: ask again.',
      tag: 'Member',
      access: 'member',
      params: bookingParams,
      body: noBody,
      response: { status: 200, description: 'Where and what to pay', schema: paymentStartSchema },
      errors: [400, 401, 403, 404, 413, 415, 422, 503],
      notFound: BOOKING_NOT_FOUND,
      handle: async ({ session, place, params }) => ({ body: paymentJson(await moneyOf(place).startPayment(session.principal, params.id)) }),
    }),
    placeRoute({
      method: 'get',
      path: '/api/places/:place/bookings/:id/invoices',
      operationId: 'bookingDocuments',
      summary: 'A booking’s invoices and credit notes',
      tag: 'Member',
      access: 'member',
      params: bookingParams,
      response: { status: 200, description: 'The ERP documents billing the booking', schema: bookingDocumentsSchema },
      errors: [400, 401, 404, 503],
      notFound: BOOKING_NOT_FOUND,
      handle: async ({ session, place, params }) => ({ body: documentsJson(await moneyOf(place).documents(session.principal, params.id)) }),
    }),
    deskRoute(
      'payments',
      'recordDeskPayment',
      'Record a payment taken at the desk',
      'A submitted ERP Payment Entry for what the booking’s invoice still owes (it also settles the invoice’s open payment request); a booking waiting for that payment is confirmed.',
      (money, principal, id, input) => money.recordDeskPayment(principal, id, input),
    ),
    deskRoute(
      'refunds',
      'recordRefund',
      'Record that the money owed back was paid back',
      'A submitted ERP Payment Entry of type Pay for each of the booking’s documents with a negative outstanding (after a credit note).',
      (money, principal, id, input) => money.recordRefund(principal, id, input),
    ),
    placeRoute({
      method: 'post',
      path: '/api/places/:place/manager/post-paid-invoicing',
      operationId: 'invoicePostPaid',
      summary: 'Invoice a month of post-paid bookings now',
      description:
        'One draft Sales Invoice per post-paid customer with the bookings of the month not billed yet, for the accountant to review and submit. It also runs by itself on Creneau Settings’ post_paid_invoicing_day; running it again adds only what is missing.',
      tag: 'Manager',
      access: 'manager',
      params: placeParams,
      body: { kind: 'json', schema: postPaidRequest },
      response: { status: 200, description: 'The invoices made or completed', schema: postPaidReportSchema },
      errors: [400, 401, 403, 404, 413, 415, 422, 503],
      handle: async ({ session, place, body }) => ({ body: postPaidJson(await moneyOf(place).invoicePostPaid(session.principal, body.month)) }),
    }),
  ];
}
