import { randomBytes } from 'node:crypto';
import {
  ConflictError,
  ForbiddenError,
  InvalidRequestError,
  NotFoundError,
  type AvailabilityRequest,
  type AvailabilityView,
  type BookingService,
  type BookingView,
  type CancellationPreview,
  type ConflictView,
  type CreateBookingRequest,
  type ErpChangeNotice,
  type ErpChangeSink,
  type MemberDirectory,
  type OccupancyView,
  type Outcome,
  type PaymentMode,
  type Principal,
  type QuoteView,
  type RebuildReport,
  type ResourceView,
} from '../../../../sidecar/src/booking/contract';
import {
  availability,
  buildOccupancy,
  cancellationOutcome,
  checkBooking,
  DEFAULT_CANCELLATION_POLICY,
  maxOccupancy,
  MINUTE_MS,
  occupiesCapacity,
  quote as priceQuote,
  reason,
  transition,
  zoneDay,
  type Actor,
  type Booking,
  type BookingEvent,
  type Place,
  type Resource,
  type UnitPrices,
} from '../../../../sidecar/src/domain';

/**
 * A test double of the booking engine (our own code, not an external system): the contract implemented in memory
 * over the real domain core (rules, prices, state machine, cancellation policy), without Redis or the ERP. It lets
 * the HTTP layer be tested route by route before the engine lands; the final tests run on the real engine.
 */

export interface DoubleMember {
  user: string;
  fullName?: string;
  customer: string | null;
  roles?: string[];
  customerGroup?: string;
}

export interface EngineDoubleOptions {
  resources: Resource[];
  /** Unit prices per resource id, by ERP UOM. */
  prices: Record<string, UnitPrices>;
  currency: string;
  priceList: string;
  place: Place;
  now: () => number;
  members: DoubleMember[];
}

interface Stored extends Booking {
  customer: string;
  user: string | null;
  paymentMode: PaymentMode;
  quote: QuoteView;
  createdAt: number;
  checkedInAt: number | null;
  checkedOutAt: number | null;
  cancellationReason: string | null;
}

const MANAGER_ROLES = ['Creneau Manager', 'System Manager'];

export class EngineDouble implements BookingService, MemberDirectory, ErpChangeSink {
  readonly notices: ErpChangeNotice[] = [];
  readonly conflictList: ConflictView[] = [];
  /** When set, notify() fails (a queue that cannot be reached). */
  failNotify = false;
  /** Bookings created, idempotent repeats excluded. */
  created = 0;
  private readonly bookings = new Map<string, Stored>();
  private readonly byIdempotencyKey = new Map<string, string>();
  private readonly resourcesById: Map<string, Resource>;

  constructor(private readonly options: EngineDoubleOptions) {
    this.resourcesById = new Map(options.resources.map((r) => [r.id, r]));
  }

  // ---- MemberDirectory, ErpChangeSink

  principalFor(user: string, fullName: string): Promise<Principal> {
    const member = this.options.members.find((m) => m.user === user);
    const roles = member?.roles ?? [];
    return Promise.resolve({
      user,
      fullName: member?.fullName ?? fullName,
      customer: member?.customer ?? null,
      roles,
      isManager: roles.some((r) => MANAGER_ROLES.includes(r)),
    });
  }

  notify(change: ErpChangeNotice): Promise<void> {
    if (this.failNotify) return Promise.reject(new Error('queue unreachable'));
    this.notices.push(change);
    return Promise.resolve();
  }

  // ---- helpers

  private now(): number {
    return this.options.now();
  }

  private resource(id: string): Resource {
    const resource = this.resourcesById.get(id);
    if (!resource) throw new NotFoundError(`resource ${id}`);
    return resource;
  }

  private actor(principal: Principal): Actor {
    return principal.isManager ? { kind: 'manager', userId: principal.user } : { kind: 'member', memberId: principal.customer ?? '' };
  }

  private member(principal: Principal) {
    const known = this.options.members.find((m) => m.user === principal.user);
    return { id: principal.customer ?? '', customerGroup: known?.customerGroup };
  }

  /** Someone else's booking is not found, exactly like a missing one. */
  private visible(principal: Principal, id: string): Stored {
    const booking = this.bookings.get(id);
    if (!booking || (!principal.isManager && booking.customer !== principal.customer)) throw new NotFoundError(`booking ${id}`);
    return booking;
  }

  private requireManager(principal: Principal): void {
    if (!principal.isManager) throw new ForbiddenError('managers only');
  }

  private view(b: Stored): BookingView {
    const resource = this.resource(b.resourceId);
    return {
      id: b.id,
      erpName: null,
      resourceId: b.resourceId,
      resourceName: resource.name ?? resource.id,
      customer: b.customer,
      user: b.user,
      start: b.start,
      end: b.end,
      seats: b.seats,
      status: b.status,
      paymentMode: b.paymentMode,
      quote: b.quote,
      holdExpiresAt: b.holdExpiresAt ?? null,
      createdAt: b.createdAt,
      checkedInAt: b.checkedInAt,
      checkedOutAt: b.checkedOutAt,
      cancellationReason: b.cancellationReason,
      erpSync: 'pending',
    };
  }

  private priced(principal: Principal, request: CreateBookingRequest, replaces?: string): Outcome<{ resource: Resource; quote: QuoteView }> {
    const resource = this.resource(request.resourceId);
    const decision = checkBooking(
      {
        start: request.start,
        end: request.end,
        seats: request.seats ?? 1,
        member: this.member(principal),
        actor: principal.isManager ? 'manager' : 'member',
        ...(replaces !== undefined ? { replacesBookingId: replaces } : {}),
      },
      { resource, place: this.options.place, now: this.now(), bookings: [...this.bookings.values()] },
    );
    if (!decision.ok) return { ok: false, reasons: [...decision.reasons] };
    const priced = priceQuote(resource, this.options.prices[resource.id] ?? {}, { start: request.start, end: request.end, seats: request.seats ?? 1 });
    if (!priced.ok) return { ok: false, reasons: [priced.reason] };
    const q = priced.quote;
    return {
      ok: true,
      value: {
        resource,
        quote: {
          resourceId: resource.id,
          start: request.start,
          end: request.end,
          seats: request.seats ?? 1,
          currency: this.options.currency,
          lines: q.lines.map((l) => ({ ...l })),
          total: q.total,
          deposit: q.deposit,
          explanation: q.explanation,
          ...(q.samePriceUntil ? { samePriceUntil: q.samePriceUntil } : {}),
          priceList: this.options.priceList,
        },
      },
    };
  }

  private apply(principal: Principal, id: string, event: BookingEvent, patch: Partial<Stored> = {}): Outcome<BookingView> {
    const booking = this.visible(principal, id);
    const result = transition(booking, event, this.actor(principal), this.now(), { timeZone: this.resource(booking.resourceId).timeZone });
    if (!result.ok) return { ok: false, reasons: [result.reason] };
    const next: Stored = { ...booking, ...result.booking, ...patch };
    this.bookings.set(id, next);
    return { ok: true, value: this.view(next) };
  }

  // ---- BookingService

  resources(principal: Principal): Promise<ResourceView[]> {
    return Promise.resolve(
      this.options.resources.map((r) => {
        const groups = r.memberGroups;
        const group = this.member(principal).customerGroup;
        const eligible = groups.length === 0 || (group !== undefined && groups.includes(group));
        return {
          id: r.id,
          name: r.name ?? r.id,
          kind: r.kind,
          itemCode: r.itemCode,
          capacity: r.capacity,
          bookableCapacity: r.compiled.units - r.compiled.walkInUnits,
          timeZone: r.timeZone,
          slotMinutes: r.slotMinutes,
          minMinutes: r.minMinutes,
          ...(r.maxMinutes !== undefined ? { maxMinutes: r.maxMinutes } : {}),
          leadMinutes: r.leadMinutes,
          ...(r.horizonDays !== undefined ? { horizonDays: r.horizonDays } : {}),
          approvalRequired: r.approvalRequired,
          depositPercent: r.depositPercent,
          eligible,
          ineligibleReasons: eligible ? [] : [reason('NOT_ELIGIBLE', { groups })],
          prices: { ...(this.options.prices[r.id] ?? {}) },
          priceList: this.options.priceList,
          openingHours: r.openingHours.map((h) => ({ weekday: h.weekday, from: h.from, to: h.to })),
        };
      }),
    );
  }

  availability(principal: Principal, request: AvailabilityRequest): Promise<Outcome<AvailabilityView[]>> {
    const resources = (request.resourceIds ?? this.options.resources.map((r) => r.id)).map((id) => this.resource(id));
    const result = availability({
      resources,
      place: this.options.place,
      bookings: [...this.bookings.values()],
      range: { start: request.from, end: request.to },
      now: this.now(),
      audience: principal.isManager ? 'manager' : 'member',
      seats: request.seats ?? 1,
    });
    return Promise.resolve({
      ok: true,
      value: result.map((r) => ({ resourceId: r.resourceId, slots: r.slots.map((s) => ({ ...s })), bookable: r.bookable.map((b) => ({ ...b })) })),
    });
  }

  quote(principal: Principal, request: CreateBookingRequest): Promise<Outcome<QuoteView>> {
    const priced = this.priced(principal, request);
    return Promise.resolve(priced.ok ? { ok: true, value: priced.value.quote } : priced);
  }

  create(principal: Principal, request: CreateBookingRequest, idempotencyKey?: string): Promise<Outcome<BookingView>> {
    const memory = idempotencyKey === undefined ? undefined : `${principal.user}\u0000${idempotencyKey}`;
    const known = memory === undefined ? undefined : this.byIdempotencyKey.get(memory);
    if (known !== undefined) return Promise.resolve({ ok: true, value: this.view(this.visible(principal, known)) });
    const customer = principal.isManager ? request.customer : principal.customer;
    if (customer === undefined || customer === null) {
      return Promise.reject(new InvalidRequestError('CUSTOMER_REQUIRED', { fr: 'Aucun client à qui facturer', en: 'No customer to bill' }));
    }
    if (principal.isManager && !this.options.members.some((m) => m.customer === customer)) {
      return Promise.reject(new InvalidRequestError('UNKNOWN_CUSTOMER', { fr: `Client inconnu : ${customer}`, en: `Unknown customer: ${customer}` }));
    }
    const priced = this.priced(principal, request);
    if (!priced.ok) return Promise.resolve(priced);
    const { resource, quote } = priced.value;
    const draft: Stored = {
      id: `bkg_${randomBytes(9).toString('base64url')}`,
      resourceId: resource.id,
      memberId: customer,
      start: request.start,
      end: request.end,
      seats: request.seats ?? 1,
      status: 'requested',
      price: quote.total,
      amountDueNow: 0,
      amountPaid: 0,
      customer,
      user: principal.isManager ? null : principal.user,
      paymentMode: request.paymentMode ?? 'post_paid',
      quote,
      createdAt: this.now(),
      checkedInAt: null,
      checkedOutAt: null,
      cancellationReason: null,
    };
    const submitted = transition(draft, { type: 'submit', needsApproval: resource.approvalRequired }, this.actor(principal), this.now());
    if (!submitted.ok) return Promise.resolve({ ok: false, reasons: [submitted.reason] });
    const stored: Stored = { ...draft, ...submitted.booking };
    this.bookings.set(stored.id, stored);
    if (memory !== undefined) this.byIdempotencyKey.set(memory, stored.id);
    this.created++;
    return Promise.resolve({ ok: true, value: this.view(stored) });
  }

  listMine(principal: Principal, filter: { from?: number; to?: number; status?: Booking['status'][] }): Promise<BookingView[]> {
    const mine = [...this.bookings.values()].filter(
      (b) =>
        b.customer === principal.customer &&
        (filter.from === undefined || b.end > filter.from) &&
        (filter.to === undefined || b.start < filter.to) &&
        (filter.status === undefined || filter.status.includes(b.status)),
    );
    return Promise.resolve(mine.sort((a, b) => a.start - b.start).map((b) => this.view(b)));
  }

  async get(principal: Principal, bookingId: string): Promise<BookingView> {
    await Promise.resolve();
    return this.view(this.visible(principal, bookingId));
  }

  private preview(principal: Principal, booking: Stored): Outcome<CancellationPreview> {
    const now = this.now();
    if (!principal.isManager && now >= booking.start) return { ok: false, reasons: [reason('TOO_LATE_TO_CANCEL', {})] };
    const outcome = cancellationOutcome(booking, now, DEFAULT_CANCELLATION_POLICY);
    const step = DEFAULT_CANCELLATION_POLICY.find((s) => outcome.noticeMinutes >= s.minNoticeMinutes);
    const validUntil = step && step.minNoticeMinutes > 0 ? booking.start - step.minNoticeMinutes * MINUTE_MS : null;
    return {
      ok: true,
      value: {
        bookingId: booking.id,
        fee: outcome.fee,
        refund: outcome.refund,
        step: { fr: `Frais : ${outcome.feePercent} %`, en: `Fee: ${outcome.feePercent} %` },
        validUntil,
      },
    };
  }

  async cancellationPreview(principal: Principal, bookingId: string): Promise<Outcome<CancellationPreview>> {
    await Promise.resolve();
    return this.preview(principal, this.visible(principal, bookingId));
  }

  async cancel(principal: Principal, bookingId: string, input: { reason?: string; expectedFee?: number }): Promise<Outcome<BookingView>> {
    await Promise.resolve();
    const booking = this.visible(principal, bookingId);
    const preview = this.preview(principal, booking);
    if (!preview.ok) return preview;
    if (input.expectedFee !== undefined && input.expectedFee !== preview.value.fee) {
      throw new ConflictError(`the fee is now ${preview.value.fee} cents, not ${input.expectedFee}`);
    }
    return this.apply(principal, bookingId, { type: 'cancel' }, { cancellationReason: input.reason ?? null });
  }

  async reschedule(principal: Principal, bookingId: string, input: { start: number; end: number }): Promise<Outcome<BookingView>> {
    await Promise.resolve();
    const booking = this.visible(principal, bookingId);
    const priced = this.priced(principal, { resourceId: booking.resourceId, start: input.start, end: input.end, seats: booking.seats }, booking.id);
    if (!priced.ok) return priced;
    const next: Stored = { ...booking, start: input.start, end: input.end, quote: priced.value.quote, price: priced.value.quote.total };
    this.bookings.set(bookingId, next);
    return { ok: true, value: this.view(next) };
  }

  async approve(principal: Principal, bookingId: string): Promise<Outcome<BookingView>> {
    await Promise.resolve();
    this.requireManager(principal);
    return this.apply(principal, bookingId, { type: 'approve' });
  }

  async reject(principal: Principal, bookingId: string, why: string): Promise<Outcome<BookingView>> {
    await Promise.resolve();
    this.requireManager(principal);
    return this.apply(principal, bookingId, { type: 'reject' }, { cancellationReason: why });
  }

  async checkIn(principal: Principal, bookingId: string): Promise<Outcome<BookingView>> {
    await Promise.resolve();
    this.requireManager(principal);
    return this.apply(principal, bookingId, { type: 'check_in' }, { checkedInAt: this.now() });
  }

  async checkOut(principal: Principal, bookingId: string): Promise<Outcome<BookingView>> {
    await Promise.resolve();
    this.requireManager(principal);
    return this.apply(principal, bookingId, { type: 'complete' }, { checkedOutAt: this.now() });
  }

  async markNoShow(principal: Principal, bookingId: string): Promise<Outcome<BookingView>> {
    await Promise.resolve();
    this.requireManager(principal);
    return this.apply(principal, bookingId, { type: 'no_show' });
  }

  async occupancy(principal: Principal, date: string): Promise<OccupancyView> {
    await Promise.resolve();
    this.requireManager(principal);
    const now = this.now();
    return {
      date,
      resources: this.options.resources.map((r) => {
        const day = zoneDay(r.timeZone, date);
        const ofDay = [...this.bookings.values()].filter((b) => b.resourceId === r.id && b.start < day.end && b.end > day.start);
        const holding = ofDay.filter((b) => occupiesCapacity(b, now));
        return {
          resourceId: r.id,
          name: r.name ?? r.id,
          capacity: r.capacity,
          walkInUnits: r.compiled.walkInUnits,
          peak: maxOccupancy(buildOccupancy(r, holding, [], now), day.start, day.end),
          bookings: ofDay.map((b) => this.view(b)),
        };
      }),
    };
  }

  async conflicts(principal: Principal): Promise<ConflictView[]> {
    await Promise.resolve();
    this.requireManager(principal);
    return [...this.conflictList];
  }

  async rebuildIndex(principal: Principal): Promise<RebuildReport> {
    await Promise.resolve();
    this.requireManager(principal);
    return { bookings: this.bookings.size, resources: this.options.resources.length, conflicts: this.conflictList.length, tookMs: 0 };
  }
}
