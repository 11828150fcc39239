import type { Bilingual, BookingStatus, Cents, Instant, Reason, ResourceKind } from '../domain';

/**
 * The application layer's contract: what the HTTP layer (member, manager, webhooks) asks of the booking engine,
 * and what it gets back. The HTTP layer turns these into JSON (zod schemas, OpenAPI); the engine implements
 * them over the domain core, Redis and the ERP. Instants are epoch milliseconds (UTC) as in the domain; the
 * HTTP layer reads and writes ISO 8601 strings with an offset.
 */

/** Who is asking, as the session knows them (established at sign-in from the ERP). */
export interface Principal {
  /** ERP User id (an e-mail for portal users). */
  user: string;
  fullName: string;
  /** The ERP Customer this user books for; null for staff without a customer record. */
  customer: string | null;
  /** ERP roles; a manager has the place's manager role (Creneau Manager) or System Manager. */
  roles: readonly string[];
  isManager: boolean;
}

export const PAYMENT_MODES = ['online', 'on_site', 'post_paid', 'tickets', 'deposit', 'free'] as const;
export type PaymentMode = (typeof PAYMENT_MODES)[number];

export interface QuoteLineView {
  itemCode: string;
  uom: string;
  qty: number;
  rate: Cents;
  amount: Cents;
}

export interface QuoteView {
  resourceId: string;
  start: Instant;
  end: Instant;
  seats: number;
  currency: string;
  lines: QuoteLineView[];
  total: Cents;
  deposit: Cents;
  explanation: Bilingual;
  samePriceUntil?: { end: Instant } & Bilingual;
  /** The price list the rates came from (the member's, their group's, or the place's default). */
  priceList: string;
}

export interface ResourceView {
  id: string;
  name: string;
  kind: ResourceKind;
  itemCode: string;
  capacity: number;
  /** Seats a member can book at most at once (capacity less the walk-in margin, for seat pools and machines). */
  bookableCapacity: number;
  timeZone: string;
  slotMinutes: number;
  minMinutes: number;
  maxMinutes?: number;
  leadMinutes: number;
  horizonDays?: number;
  approvalRequired: boolean;
  depositPercent: number;
  requiredQualification?: string;
  /** Whether this member may book it (eligibility, qualification); reasons when not. */
  eligible: boolean;
  ineligibleReasons: Reason[];
  /** Unit prices for this member, by ERP UOM, in cents. */
  prices: Record<string, Cents>;
  priceList: string;
  openingHours: { weekday: number; from: string; to: string }[];
}

export interface AvailabilityRequest {
  resourceIds?: string[];
  from: Instant;
  to: Instant;
  seats?: number;
}

export interface SlotView {
  start: Instant;
  end: Instant;
  /** Free units for this principal (members do not see the walk-in margin as free). */
  free: number;
}

export interface AvailabilityView {
  resourceId: string;
  slots: SlotView[];
  bookable: { start: Instant; end: Instant }[];
}

export interface CreateBookingRequest {
  resourceId: string;
  start: Instant;
  end: Instant;
  seats?: number;
  paymentMode?: PaymentMode;
  /**
   * Paying with tickets, when they do not cover the whole quote: refuse the booking (the default), or
   * let the tickets pay what they can and pay the rest online.
   */
  ticketsShortfall?: TicketsShortfall;
  /** Managers book for a customer; members always book for themselves. */
  customer?: string;
  note?: string;
}

export type TicketsShortfall = 'refuse' | 'pay_online';

export interface BookingView {
  /** Créneau's id (the Booking's external_id in the ERP): random, unguessable. */
  id: string;
  /** The ERP document name once written (CRN-BKG-2026-00001), null while the write is queued. */
  erpName: string | null;
  resourceId: string;
  resourceName: string;
  customer: string;
  user: string | null;
  start: Instant;
  end: Instant;
  seats: number;
  status: BookingStatus;
  paymentMode: PaymentMode;
  quote: QuoteView | null;
  holdExpiresAt: Instant | null;
  createdAt: Instant;
  checkedInAt: Instant | null;
  checkedOutAt: Instant | null;
  cancellationReason: string | null;
  /** 'pending' while the ERP has not yet got the latest change. */
  erpSync: 'pending' | 'synced';
}

export type Refusal = { ok: false; reasons: Reason[] };
export type Outcome<T> = { ok: true; value: T } | Refusal;

export interface CancellationPreview {
  bookingId: string;
  fee: Cents;
  refund: Cents;
  /** The policy step that applies ("≥ 48 h avant : gratuit"). */
  step: Bilingual;
  /** Until when this preview holds (the next policy step's boundary). */
  validUntil: Instant | null;
}

export interface OccupancyView {
  date: string;
  resources: {
    resourceId: string;
    name: string;
    capacity: number;
    walkInUnits: number;
    /** Peak units taken over the day, and the bookings of the day. */
    peak: number;
    bookings: BookingView[];
  }[];
}

export interface ConflictView {
  id: string;
  resourceId: string;
  start: Instant;
  end: Instant;
  bookingIds: string[];
  /** Units taken over what the resource holds. */
  excess: number;
  detectedAt: Instant;
  source: 'webhook' | 'reconciliation' | 'rebuild';
}

export interface RebuildReport {
  bookings: number;
  resources: number;
  conflicts: number;
  tookMs: number;
}

/**
 * Errors the HTTP layer maps to statuses: NotFound → 404 (also for another member's booking: never say it exists),
 * Forbidden → 403, Conflict → 409 (stale state, concurrent change), Unavailable → 503 (the ERP or the index is not
 * ready; Retry-After), InvalidRequest → 422 with its `code` and text (a request the engine does not take: a payment
 * mode not offered yet, a range too long to compute, a resource set up wrongly in the ERP). Refusals by the rules are
 * not errors: they are `Refusal` values (→ 422 with the reasons).
 */
export class NotFoundError extends Error {
  override readonly name = 'NotFoundError';
}
export class ForbiddenError extends Error {
  override readonly name = 'ForbiddenError';
}
export class ConflictError extends Error {
  override readonly name = 'ConflictError';
}
/**
 * Codes: PAYMENT_MODE_UNAVAILABLE, PAYMENT_MODE_NOT_ALLOWED, RANGE_TOO_LONG, CUSTOMER_REQUIRED, UNKNOWN_CUSTOMER,
 * CUSTOMER_DISABLED, RESOURCE_MISCONFIGURED, PRICE_CHANGE, INVALID_DATE, INVALID_TIME, TICKETS_INSUFFICIENT (paying with
 * tickets that do not cover the booking, with the usable balance in the words).
 */
export class InvalidRequestError extends Error {
  override readonly name = 'InvalidRequestError';
  constructor(
    readonly code: string,
    readonly text: Bilingual,
  ) {
    super(text.en);
  }
}

export class UnavailableError extends Error {
  override readonly name = 'UnavailableError';
  constructor(
    message: string,
    readonly retryAfterSeconds = 5,
  ) {
    super(message);
  }
}

/** One place's booking engine. */
export interface BookingService {
  resources(principal: Principal): Promise<ResourceView[]>;
  availability(principal: Principal, request: AvailabilityRequest): Promise<Outcome<AvailabilityView[]>>;
  quote(principal: Principal, request: CreateBookingRequest): Promise<Outcome<QuoteView>>;
  /** Same `idempotencyKey` from the same principal → the same booking, never a second one. */
  create(principal: Principal, request: CreateBookingRequest, idempotencyKey?: string): Promise<Outcome<BookingView>>;
  listMine(principal: Principal, filter: { from?: Instant; to?: Instant; status?: BookingStatus[] }): Promise<BookingView[]>;
  get(principal: Principal, bookingId: string): Promise<BookingView>;
  cancellationPreview(principal: Principal, bookingId: string): Promise<Outcome<CancellationPreview>>;
  /** `expectedFee` is what the member saw: if the policy step changed since, the cancellation is refused (409). */
  cancel(principal: Principal, bookingId: string, input: { reason?: string; expectedFee?: Cents }): Promise<Outcome<BookingView>>;
  reschedule(principal: Principal, bookingId: string, input: { start: Instant; end: Instant }): Promise<Outcome<BookingView>>;

  // Managers (the principal must be a manager: ForbiddenError otherwise)
  approve(principal: Principal, bookingId: string): Promise<Outcome<BookingView>>;
  reject(principal: Principal, bookingId: string, reason: string): Promise<Outcome<BookingView>>;
  checkIn(principal: Principal, bookingId: string): Promise<Outcome<BookingView>>;
  checkOut(principal: Principal, bookingId: string): Promise<Outcome<BookingView>>;
  markNoShow(principal: Principal, bookingId: string): Promise<Outcome<BookingView>>;
  occupancy(principal: Principal, date: string): Promise<OccupancyView>;
  conflicts(principal: Principal): Promise<ConflictView[]>;
  rebuildIndex(principal: Principal): Promise<RebuildReport>;
}

/** What the webhook endpoint hands over once the signature is checked (the add-on's Webhooks send this body). */
export interface ErpChangeNotice {
  doctype: string;
  name: string;
  event: string;
  modified: string | null;
  docstatus: number | null;
}

export interface ErpChangeSink {
  /** Deduplicated by the caller on (doctype, name, modified, event). Must return quickly: work goes to a queue. */
  notify(change: ErpChangeNotice): Promise<void>;
}

/** Who a signed-in ERP user is for Créneau: their Customer (Customer.portal_users, else a Contact linked to both) and roles. */
export interface MemberDirectory {
  /** After the ERP accepted the user's credentials. */
  principalFor(user: string, fullName: string): Promise<Principal>;
}
