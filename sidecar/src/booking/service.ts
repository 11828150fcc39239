import { createHash } from 'node:crypto';
import { CatalogError, resolvePriceList, type CatalogSnapshot, type PricedMember } from '../catalog';
import {
  availability as availabilityOf,
  buildOccupancy,
  capacityFor,
  checkBooking,
  DAY_MS,
  isLocalDate,
  maxOccupancy,
  MINUTE_MS,
  quote as quoteOf,
  reason,
  transition,
  zoneDay,
  type Actor,
  type Audience,
  type BookedInterval,
  type BookingEvent,
  type Cents,
  type Instant,
  type Reason,
  type Resource,
  type TransitionOptions,
} from '../domain';
import { withLock } from '../redis/locks';
import type { BookingTickets } from '../tickets/contract';
import {
  ConflictError,
  ForbiddenError,
  InvalidRequestError,
  NotFoundError,
  UnavailableError,
  type AvailabilityRequest,
  type AvailabilityView,
  type BookingService,
  type BookingView,
  type CancellationPreview,
  type ConflictView,
  type CreateBookingRequest,
  type OccupancyView,
  type Outcome,
  type PaymentMode,
  type Principal,
  type QuoteView,
  type RebuildReport,
  type Refusal,
  type ResourceView,
  type TicketsShortfall,
} from './contract';
import { resourceName, type EngineContext } from './context';
import { toBookedInterval, toDomainBooking, toView, withDomainBooking, type BookingRecord } from './record';
import type { CapacityTerms, HoldChange } from './store';
import type { ErpSync } from './sync';

/**
 * The booking engine as the HTTP layer sees it (contract.ts). Each operation reads what it needs
 * from the catalog (cached) and the index, asks the domain, and lets one Lua script carry out the
 * decision. Nothing here waits for the ERP: writes go to a queue.
 */

const CAPACITY_CODES: ReadonlySet<string> = new Set(['CAPACITY', 'WALK_IN_MARGIN']);

/** How far around a booking a member's other bookings can count for a monthly quota. */
const QUOTA_REACH_MS = 40 * DAY_MS;

const refuse = (reasons: readonly Reason[]): Refusal => ({ ok: false, reasons: [...reasons] });

/** Who acts when the place itself changes a booking (a payment recorded by the ERP or covered by tickets). */
const SYSTEM: Principal = { user: 'system', fullName: 'Créneau', customer: null, roles: [], isManager: true };

interface Change {
  next: BookingRecord;
  hold: HoldChange;
  checkCapacity: boolean;
  audience: Audience;
}

const audienceOf = (principal: Principal): Audience => (principal.isManager ? 'manager' : 'member');

/** 2000-01-01 to 2100-01-01: instants outside are typing mistakes (or attacks), not bookings. */
const EARLIEST = Date.UTC(2000, 0, 1);
const LATEST = Date.UTC(2100, 0, 1);

/** The HTTP layer validates its input; the engine still refuses instants no calendar code should see. */
function checkInstants(values: Record<string, number | undefined>): void {
  for (const [what, value] of Object.entries(values)) {
    if (value === undefined) continue;
    if (!Number.isSafeInteger(value) || value < EARLIEST || value > LATEST) {
      throw new InvalidRequestError('INVALID_TIME', {
        fr: `« ${what} » doit être une date entre 2000 et 2100 (reçu ${String(value)})`,
        en: `"${what}" must be a date between 2000 and 2100 (got ${String(value)})`,
      });
    }
  }
}

export class EngineBookingService implements BookingService {
  constructor(
    private readonly ctx: EngineContext,
    private readonly sync: ErpSync,
    /** The ticket ledger; without it, paying with tickets is not offered. */
    private readonly tickets?: BookingTickets,
  ) {}

  // -------------------------------------------------------------------------------------------
  // Helpers

  private requireManager(principal: Principal): void {
    if (!principal.isManager) throw new ForbiddenError('this action is for the place’s managers');
  }

  /** The customer a booking is for: members book for themselves, managers for whom they name. */
  private bookingCustomer(principal: Principal, requested: string | undefined): string {
    if (!principal.isManager) {
      if (!principal.customer) throw new ForbiddenError(`user ${principal.user} has no customer record in the ERP to book for`);
      if (requested !== undefined && requested !== principal.customer) throw new ForbiddenError('members book for themselves only');
      return principal.customer;
    }
    const customer = requested ?? principal.customer;
    if (!customer) {
      throw new InvalidRequestError('CUSTOMER_REQUIRED', { fr: 'Indiquez le client pour qui réserver', en: 'Say which customer the booking is for' });
    }
    return customer;
  }

  private async member(customer: string): Promise<PricedMember> {
    try {
      const member = await this.ctx.catalog.member(customer);
      if (member.disabled) {
        throw new InvalidRequestError('CUSTOMER_DISABLED', { fr: `Le client « ${customer} » est désactivé dans l'ERP`, en: `Customer "${customer}" is disabled in the ERP` });
      }
      return member;
    } catch (error) {
      if (error instanceof CatalogError) {
        throw new InvalidRequestError('UNKNOWN_CUSTOMER', { fr: `L'ERP ne connaît pas le client « ${customer} »`, en: `The ERP has no customer "${customer}"` });
      }
      throw error;
    }
  }

  private actor(principal: Principal, customer: string): Actor {
    return principal.isManager ? { kind: 'manager', userId: principal.user } : { kind: 'member', memberId: customer };
  }

  private transitionOptions(snapshot: CatalogSnapshot, resource: Resource | undefined): TransitionOptions {
    return { cancellationPolicy: snapshot.rules.cancellationPolicy, timeZone: resource?.timeZone ?? snapshot.siteTimeZone };
  }

  private view(snapshot: CatalogSnapshot, record: BookingRecord): BookingView {
    return toView(record, resourceName(snapshot, record.resourceId));
  }

  /** A booking this principal may see; another member's is "not found", never "forbidden". */
  private async load(principal: Principal, bookingId: string): Promise<BookingRecord> {
    const record = await this.ctx.withIndex(() => this.ctx.store.get(bookingId));
    if (!record || (!principal.isManager && record.customer !== principal.customer)) throw new NotFoundError(`no booking ${bookingId}`);
    return record;
  }

  private idempotencyKey(principal: Principal, key: string): string {
    const digest = createHash('sha256').update(`${principal.user}\u0000${key}`).digest('hex').slice(0, 40);
    return this.ctx.key('idem', digest);
  }

  private async priceBook(member: PricedMember | undefined, snapshot: CatalogSnapshot) {
    const priceList = member?.priceList ?? resolvePriceList({ place: snapshot.rules.defaultPriceList, selling: snapshot.sellingPriceList });
    return this.ctx.catalog.prices(priceList);
  }

  private async quoteFor(resource: Resource, member: PricedMember | undefined, snapshot: CatalogSnapshot, interval: { start: Instant; end: Instant; seats: number }): Promise<Outcome<QuoteView>> {
    const book = await this.priceBook(member, snapshot);
    const result = quoteOf(resource, book.items.get(resource.itemCode) ?? {}, interval);
    if (!result.ok) return refuse([result.reason]);
    const q = result.quote;
    return {
      ok: true,
      value: {
        resourceId: resource.id,
        start: interval.start,
        end: interval.end,
        seats: interval.seats,
        currency: book.currency,
        lines: q.lines.map((line) => ({ itemCode: line.itemCode, uom: line.uom, qty: line.qty, rate: line.rate, amount: line.amount })),
        total: q.total,
        deposit: q.deposit,
        explanation: { fr: q.explanation.fr, en: q.explanation.en },
        ...(q.samePriceUntil ? { samePriceUntil: { end: q.samePriceUntil.end, fr: q.samePriceUntil.fr, en: q.samePriceUntil.en } } : {}),
        priceList: book.priceList,
      },
    };
  }

  /**
   * The rules other than capacity, on what the index holds of the member (their bookings, for
   * quotas). Capacity is decided by the index's script; a capacity reason found here on partial
   * data is left to it.
   */
  private async checkRules(
    snapshot: CatalogSnapshot,
    resource: Resource,
    member: PricedMember,
    audience: Audience,
    request: { start: Instant; end: Instant; seats: number; replacesBookingId?: string },
  ): Promise<{ ok: true; needsApproval: boolean } | Refusal> {
    let bookings: BookedInterval[] = [];
    if (audience === 'member' && snapshot.rules.quotas.length > 0) {
      const mine = await this.ctx.withIndex(() => this.ctx.store.byCustomer(member.customer, request.start - QUOTA_REACH_MS, request.end + QUOTA_REACH_MS));
      bookings = mine.map(toBookedInterval);
    }
    const decision = checkBooking(
      {
        start: request.start,
        end: request.end,
        seats: request.seats,
        member: { id: member.customer, customerGroup: member.customerGroup, qualifications: member.qualifications },
        actor: audience,
        ...(request.replacesBookingId ? { replacesBookingId: request.replacesBookingId } : {}),
      },
      { resource, place: snapshot.rules.place, now: this.ctx.now(), bookings, quotas: snapshot.rules.quotas, resources: snapshot.domainResources },
    );
    if (decision.ok) return { ok: true, needsApproval: decision.needsApproval };
    const reasons = decision.reasons.filter((r) => !CAPACITY_CODES.has(r.code));
    if (reasons.length > 0) return refuse(reasons);
    // Only capacity stood in the way on this partial view: the rules' approval flag still applies.
    return { ok: true, needsApproval: audience === 'member' && resource.approvalRequired };
  }

  /** Quotas are counted over the member's bookings: one decision at a time per member keeps them true. */
  private async perMember<T>(customer: string, audience: Audience, snapshot: CatalogSnapshot, fn: () => Promise<T>): Promise<T> {
    if (audience !== 'member' || snapshot.rules.quotas.length === 0) return fn();
    const key = this.ctx.key('lock', 'member', createHash('sha256').update(customer).digest('hex').slice(0, 24));
    return withLock(this.ctx.redis, key, 10_000, 5_000, fn, () => {
      throw new UnavailableError('another booking of this member is being decided', 1);
    });
  }

  private paymentMode(requested: PaymentMode | undefined, member: PricedMember, total: Cents, audience: Audience, resource: Resource): PaymentMode {
    if (requested === 'tickets' && !this.tickets) {
      throw new InvalidRequestError('PAYMENT_MODE_UNAVAILABLE', {
        fr: 'Le paiement par tickets n’est pas proposé dans ce lieu : choisissez un autre mode de paiement',
        en: 'Paying with tickets is not offered at this place: choose another payment mode',
      });
    }
    // A resource asking a deposit (machines) takes it unless the member pays at the end of the month.
    if (requested === undefined) return total === 0 ? 'free' : member.postPaid ? 'post_paid' : resource.depositPercent > 0 ? 'deposit' : 'online';
    if (audience === 'member' && requested === 'post_paid' && !member.postPaid) {
      throw new InvalidRequestError('PAYMENT_MODE_NOT_ALLOWED', {
        fr: 'Le paiement en fin de mois est réservé aux membres qui en ont l’accord',
        en: 'Paying at the end of the month is for members who have that arrangement',
      });
    }
    if (audience === 'member' && requested === 'free' && total > 0) {
      throw new InvalidRequestError('PAYMENT_MODE_NOT_ALLOWED', { fr: 'Cette réservation est payante', en: 'This booking is not free' });
    }
    if (requested === 'tickets' && total === 0) {
      throw new InvalidRequestError('PAYMENT_MODE_NOT_ALLOWED', { fr: 'Cette réservation est gratuite : aucun ticket n’est nécessaire', en: 'This booking is free: no ticket is needed' });
    }
    return requested;
  }

  /**
   * Pays a booking just reserved with the member's tickets. The seats are held first (so that no
   * ticket is taken for a booking that then finds the place full), then the ledger debits what the
   * quote bills, earliest expiry first; what the tickets paid counts as paid. All or nothing: a
   * refusal gives the seats back and answers with the usable balance. Partial: what the tickets
   * could not pay stays due, online, under the usual hold.
   */
  private async payWithTickets(
    booked: BookingRecord,
    shortfall: TicketsShortfall,
    member: PricedMember,
    resource: Resource,
    idempotency: { key: string; ttlSeconds: number } | undefined,
    now: number,
  ): Promise<BookingRecord> {
    const tickets = this.tickets;
    if (!tickets) throw new Error('paying with tickets without a ticket ledger');
    const undo = async (): Promise<void> => {
      await this.ctx.withIndex(() => this.ctx.store.remove(booked.id));
      if (idempotency) await this.ctx.redis.del(idempotency.key);
    };
    let debit;
    try {
      debit = await tickets.debitForBooking({
        bookingId: booked.id,
        customer: booked.customer,
        customerGroup: member.customerGroup,
        resourceId: resource.id,
        itemCode: resource.itemCode,
        lines: booked.quote?.lines ?? [],
        start: booked.start,
        end: booked.end,
        mode: shortfall === 'pay_online' ? 'partial' : 'all_or_nothing',
      });
    } catch (error) {
      await undo();
      throw error;
    }
    if (!debit.ok) {
      await undo();
      throw new InvalidRequestError(debit.reason.code, { fr: debit.reason.fr, en: debit.reason.en });
    }
    const covered = debit.status === 'debited' ? debit.coveredAmount : booked.amountDueNow;
    if (covered === 0) {
      await this.enqueue(booked, now);
      return booked;
    }
    const paid = await this.change(SYSTEM, booked.id, (record, snapshot, current) => {
      if (record.status === 'awaiting_payment') return this.paymentChange(record, snapshot, current, covered);
      // Waiting for a manager's approval: the approval confirms it, or holds it for the rest.
      return { next: { ...record, amountPaid: record.amountPaid + covered }, hold: { mode: 'keep' }, checkCapacity: false, audience: 'manager' };
    });
    if (!paid.ok) throw new Error(`tickets paid booking ${booked.id} but it could not record it: ${paid.reasons.map((r) => r.code).join(', ')}`);
    const record = await this.ctx.withIndex(() => this.ctx.store.get(booked.id));
    if (!record) throw new NotFoundError(`no booking ${booked.id}`);
    return record;
  }

  private async enqueue(record: BookingRecord, now: number): Promise<void> {
    // The decision stands even if queueing fails: the outbox entry it wrote brings the write back (sweeper).
    try {
      await this.ctx.enqueueWrite(record);
      await this.ctx.scheduleHoldExpiry(record, now);
    } catch (error) {
      this.ctx.logger.warn({ place: this.ctx.place.id, booking: record.id, err: error }, 'ERP write not queued; the sweeper will queue it');
    }
  }

  /** Decide on the current version, carry it out if nothing changed meanwhile, else decide again. */
  private async change(
    principal: Principal,
    bookingId: string,
    decide: (record: BookingRecord, snapshot: CatalogSnapshot, resource: Resource | undefined) => Promise<Change | Refusal> | Change | Refusal,
  ): Promise<Outcome<BookingView>> {
    for (let attempt = 0; attempt < 5; attempt++) {
      const snapshot = await this.ctx.catalog.snapshot();
      const record = await this.load(principal, bookingId);
      const resource = snapshot.domainResources.get(record.resourceId);
      const decision = await decide(record, snapshot, resource);
      if ('ok' in decision) return decision;
      const { next, hold, checkCapacity, audience } = decision;
      let capacity: CapacityTerms | null = null;
      if (checkCapacity) {
        if (!resource) throw new NotFoundError(`no resource "${next.resourceId}" at ${this.ctx.place.name}`);
        capacity = this.ctx.terms(resource, audience);
      }
      const result = await this.ctx.withIndex(() => this.ctx.store.update({ next, expectedVersion: record.version, capacity, hold }));
      switch (result.kind) {
        case 'ok': {
          const updated: BookingRecord = { ...next, version: result.version, holdExpiresAt: result.holdExpiresAt };
          await this.enqueue(updated, this.ctx.now());
          this.ctx.logger.info({ place: this.ctx.place.id, booking: bookingId, status: updated.status, by: principal.isManager ? 'manager' : 'member' }, 'booking changed');
          return { ok: true, value: this.view(snapshot, updated) };
        }
        case 'version':
          continue;
        case 'missing':
          throw new NotFoundError(`no booking ${bookingId}`);
        case 'full':
          if (!resource) throw new NotFoundError(`no resource "${next.resourceId}"`);
          return refuse([this.ctx.capacityReason(resource, result.used, next.seats, audience)]);
      }
    }
    throw new ConflictError(`booking ${bookingId} kept changing while this change was decided`);
  }

  /** A domain transition as a change: the state machine decides, the index records it. */
  private transitionChange(
    principal: Principal,
    bookingId: string,
    event: (snapshot: CatalogSnapshot) => BookingEvent,
    patch: (record: BookingRecord, now: number) => Partial<BookingRecord> = () => ({}),
  ): Promise<Outcome<BookingView>> {
    return this.change(principal, bookingId, (record, snapshot, resource) => {
      const now = this.ctx.now();
      const result = transition(toDomainBooking(record), event(snapshot), this.actor(principal, record.customer), now, this.transitionOptions(snapshot, resource));
      if (!result.ok) return refuse([result.reason]);
      const next = { ...withDomainBooking(record, result.booking), ...patch(record, now) };
      const hold: HoldChange =
        next.status !== 'awaiting_payment' ? { mode: 'clear' } : record.status === 'awaiting_payment' ? { mode: 'keep' } : { mode: 'new', ms: this.ctx.holdMs(snapshot) };
      return { next, hold, checkCapacity: false, audience: audienceOf(principal) };
    });
  }

  // -------------------------------------------------------------------------------------------
  // Members

  async resources(principal: Principal): Promise<ResourceView[]> {
    const snapshot = await this.ctx.catalog.snapshot();
    const member = principal.customer ? await this.member(principal.customer) : undefined;
    const book = await this.priceBook(member, snapshot);
    const now = this.ctx.now();
    const views: ResourceView[] = [];
    for (const entry of snapshot.resources.values()) {
      if (!entry.enabled && !principal.isManager) continue;
      const resource = entry.resource;
      let ineligibleReasons: Reason[] = [];
      if (member) {
        // Who may book does not depend on when: the rules are asked about the next slot and only their eligibility answers kept.
        const decision = checkBooking(
          { start: now, end: now + resource.slotMinutes * MINUTE_MS, member: { id: member.customer, customerGroup: member.customerGroup, qualifications: member.qualifications }, actor: 'member' },
          { resource, place: snapshot.rules.place, now, bookings: [] },
        );
        ineligibleReasons = decision.ok ? [] : decision.reasons.filter((r) => r.code === 'NOT_ELIGIBLE' || r.code === 'QUALIFICATION_REQUIRED');
      }
      views.push({
        id: resource.id,
        name: resource.name ?? resource.id,
        kind: resource.kind,
        itemCode: resource.itemCode,
        capacity: resource.capacity,
        bookableCapacity: capacityFor(resource, 'member'),
        timeZone: resource.timeZone,
        slotMinutes: resource.slotMinutes,
        minMinutes: resource.minMinutes,
        ...(resource.maxMinutes !== undefined ? { maxMinutes: resource.maxMinutes } : {}),
        leadMinutes: resource.leadMinutes,
        ...(resource.horizonDays !== undefined ? { horizonDays: resource.horizonDays } : {}),
        approvalRequired: resource.approvalRequired,
        depositPercent: resource.depositPercent,
        ...(resource.requiredQualification !== undefined ? { requiredQualification: resource.requiredQualification } : {}),
        eligible: ineligibleReasons.length === 0,
        ineligibleReasons,
        prices: { ...(book.items.get(resource.itemCode) ?? {}) },
        priceList: book.priceList,
        openingHours: resource.openingHours.map((row) => ({ weekday: row.weekday, from: row.from, to: row.to })),
      });
    }
    return views.sort((a, b) => a.name.localeCompare(b.name));
  }

  async availability(principal: Principal, request: AvailabilityRequest): Promise<Outcome<AvailabilityView[]>> {
    checkInstants({ from: request.from, to: request.to });
    if (!(request.to > request.from)) return refuse([reason('END_BEFORE_START', {})]);
    const maxDays = this.ctx.options.maxRangeDays;
    if (request.to - request.from > maxDays * DAY_MS) {
      throw new InvalidRequestError('RANGE_TOO_LONG', { fr: `Demandez au plus ${maxDays} jours à la fois`, en: `Ask for ${maxDays} days at most at once` });
    }
    const snapshot = await this.ctx.catalog.snapshot();
    const audience = audienceOf(principal);
    const ids = request.resourceIds ?? [...snapshot.resources.entries()].filter(([, entry]) => entry.enabled || principal.isManager).map(([id]) => id);
    const resources = ids.map((id) => this.ctx.resource(snapshot, id, principal.isManager));
    const bookings: BookedInterval[] = [];
    for (const resource of resources) {
      const reach = (resource.bufferBeforeMinutes + resource.bufferAfterMinutes + resource.slotMinutes) * MINUTE_MS;
      const records = await this.ctx.withIndex(() => this.ctx.store.byResource(resource.id, request.from - reach, request.to + reach, true));
      for (const record of records) bookings.push(toBookedInterval(record));
    }
    const result = availabilityOf({
      resources,
      place: snapshot.rules.place,
      bookings,
      range: { start: request.from, end: request.to },
      now: this.ctx.now(),
      audience,
      ...(request.seats !== undefined ? { seats: request.seats } : {}),
    });
    return {
      ok: true,
      value: result.map((r) => ({
        resourceId: r.resourceId,
        slots: r.slots.map((slot) => ({ start: slot.start, end: slot.end, free: slot.free })),
        bookable: r.bookable.map((interval) => ({ start: interval.start, end: interval.end })),
      })),
    };
  }

  async quote(principal: Principal, request: CreateBookingRequest): Promise<Outcome<QuoteView>> {
    checkInstants({ start: request.start, end: request.end });
    const snapshot = await this.ctx.catalog.snapshot();
    const audience = audienceOf(principal);
    const resource = this.ctx.resource(snapshot, request.resourceId, principal.isManager);
    // A manager may ask the price of a resource for no one in particular: the place's default price list applies.
    const customer = principal.isManager ? (request.customer ?? principal.customer ?? undefined) : this.bookingCustomer(principal, request.customer);
    const member = customer ? await this.member(customer) : undefined;
    const seats = request.seats ?? 1;
    if (member) {
      const rules = await this.checkRules(snapshot, resource, member, audience, { start: request.start, end: request.end, seats });
      if (!rules.ok) return rules;
    }
    return this.quoteFor(resource, member, snapshot, { start: request.start, end: request.end, seats });
  }

  async create(principal: Principal, request: CreateBookingRequest, idempotencyKey?: string): Promise<Outcome<BookingView>> {
    checkInstants({ start: request.start, end: request.end });
    const snapshot = await this.ctx.catalog.snapshot();
    const audience = audienceOf(principal);
    const resource = this.ctx.resource(snapshot, request.resourceId, principal.isManager);
    const customer = this.bookingCustomer(principal, request.customer);
    const idempotency = idempotencyKey ? { key: this.idempotencyKey(principal, idempotencyKey), ttlSeconds: this.ctx.options.idempotencyTtlSeconds } : undefined;
    if (idempotency) {
      // A retry of a booking already made: the same answer, before any rule (its own quota use would refuse it).
      const existing = await this.ctx.redis.get(idempotency.key);
      const record = existing ? await this.ctx.withIndex(() => this.ctx.store.get(existing)) : undefined;
      if (record) return { ok: true, value: this.view(snapshot, record) };
    }
    const member = await this.member(customer);
    return this.perMember(customer, audience, snapshot, () => this.decide(principal, request, snapshot, resource, member, audience, idempotency));
  }

  private async decide(
    principal: Principal,
    request: CreateBookingRequest,
    snapshot: CatalogSnapshot,
    resource: Resource,
    member: PricedMember,
    audience: Audience,
    idempotency: { key: string; ttlSeconds: number } | undefined,
  ): Promise<Outcome<BookingView>> {
    const seats = request.seats ?? 1;
    const interval = { start: request.start, end: request.end, seats };
    const rules = await this.checkRules(snapshot, resource, member, audience, interval);
    if (!rules.ok) return rules;
    const priced = await this.quoteFor(resource, member, snapshot, interval);
    if (!priced.ok) return priced;
    const quote = priced.value;
    const paymentMode = this.paymentMode(request.paymentMode, member, quote.total, audience, resource);
    // Tickets pay the whole quote, or what they can of it: until they have, all of it is due.
    const amountDueNow = paymentMode === 'online' || paymentMode === 'tickets' ? quote.total : paymentMode === 'deposit' ? quote.deposit : 0;
    const now = this.ctx.now();
    const holdMs = this.ctx.holdMs(snapshot);
    const id = this.ctx.newBookingId();
    const submitted = transition(
      { id, resourceId: resource.id, memberId: member.customer, start: request.start, end: request.end, seats, status: 'requested', price: quote.total, amountDueNow, amountPaid: 0 },
      { type: 'submit', needsApproval: rules.needsApproval, holdUntil: now + holdMs },
      this.actor(principal, member.customer),
      now,
      this.transitionOptions(snapshot, resource),
    );
    if (!submitted.ok) return refuse([submitted.reason]);
    const status = submitted.booking.status;
    const record = {
      id,
      resourceId: resource.id,
      customer: member.customer,
      user: audience === 'member' ? principal.user : null,
      start: request.start,
      end: request.end,
      seats,
      status,
      paymentMode,
      quote,
      price: quote.total,
      amountDueNow,
      amountPaid: 0,
      createdAt: now,
      checkedInAt: null,
      checkedOutAt: null,
      cancellationReason: null,
      note: request.note ?? null,
      audience,
      erpName: null,
      erpModified: null,
    };
    const result = await this.ctx.withIndex(() =>
      this.ctx.store.reserve({
        record,
        capacity: this.ctx.terms(resource, audience),
        ...(status === 'awaiting_payment' ? { holdMs } : {}),
        ...(idempotency ? { idempotency } : {}),
      }),
    );
    switch (result.kind) {
      case 'ok': {
        let booked: BookingRecord = { ...record, holdExpiresAt: result.holdExpiresAt, version: 1, syncedVersion: 0 };
        if (paymentMode === 'tickets') booked = await this.payWithTickets(booked, request.ticketsShortfall ?? 'refuse', member, resource, idempotency, result.now);
        else await this.enqueue(booked, result.now);
        this.ctx.logger.info({ place: this.ctx.place.id, booking: id, resource: resource.id, status: booked.status, by: audience }, 'booking accepted');
        return { ok: true, value: this.view(snapshot, booked) };
      }
      case 'idempotent': {
        const existing = await this.ctx.withIndex(() => this.ctx.store.get(result.id));
        if (!existing) throw new ConflictError('the booking made with this Idempotency-Key is gone; retry with a new key');
        return { ok: true, value: this.view(snapshot, existing) };
      }
      case 'full':
        return refuse([this.ctx.capacityReason(resource, result.used, seats, audience)]);
      case 'exists':
        throw new ConflictError(`booking id ${id} already taken; retry`);
    }
  }

  async listMine(principal: Principal, filter: { from?: Instant; to?: Instant; status?: BookingView['status'][] }): Promise<BookingView[]> {
    if (!principal.customer) return [];
    const customer = principal.customer;
    const snapshot = await this.ctx.catalog.snapshot();
    const from = filter.from ?? 0;
    const to = filter.to ?? this.ctx.now() + 3650 * DAY_MS;
    checkInstants({ from: filter.from, to: filter.to });
    const records = await this.ctx.withIndex(() => this.ctx.store.byCustomer(customer, from, to));
    return records
      .filter((record) => !filter.status || filter.status.includes(record.status))
      .sort((a, b) => a.start - b.start)
      .map((record) => this.view(snapshot, record));
  }

  async get(principal: Principal, bookingId: string): Promise<BookingView> {
    const snapshot = await this.ctx.catalog.snapshot();
    return this.view(snapshot, await this.load(principal, bookingId));
  }

  async cancellationPreview(principal: Principal, bookingId: string): Promise<Outcome<CancellationPreview>> {
    const snapshot = await this.ctx.catalog.snapshot();
    const record = await this.load(principal, bookingId);
    const resource = snapshot.domainResources.get(record.resourceId);
    const now = this.ctx.now();
    const result = transition(toDomainBooking(record), { type: 'cancel' }, this.actor(principal, record.customer), now, this.transitionOptions(snapshot, resource));
    if (!result.ok) return refuse([result.reason]);
    const outcome = result.cancellation;
    if (!outcome) throw new Error('a cancellation without its outcome');
    const policy = snapshot.rules.cancellationPolicy;
    const step = policy.find((s) => outcome.noticeMinutes >= s.minNoticeMinutes) ?? policy[policy.length - 1];
    const hours = Math.floor((step?.minNoticeMinutes ?? 0) / 60);
    const refundPercent = 100 - (step?.feePercent ?? 100);
    const stepText =
      hours > 0
        ? { fr: `Annulation au moins ${hours} h avant le début : ${refundPercent} % remboursé`, en: `Cancelled at least ${hours} h before the start: ${refundPercent}% refunded` }
        : { fr: `Annulation moins de ${this.nextBoundaryHours(policy, 0)} h avant le début : ${refundPercent} % remboursé`, en: `Cancelled less than ${this.nextBoundaryHours(policy, 0)} h before the start: ${refundPercent}% refunded` };
    return {
      ok: true,
      value: {
        bookingId,
        fee: outcome.fee,
        refund: outcome.refund,
        step: stepText,
        validUntil: step && step.minNoticeMinutes > 0 ? record.start - step.minNoticeMinutes * MINUTE_MS : null,
      },
    };
  }

  private nextBoundaryHours(policy: readonly { minNoticeMinutes: number }[], after: number): number {
    const above = policy.map((s) => s.minNoticeMinutes).filter((m) => m > after);
    return Math.floor((above.length > 0 ? Math.min(...above) : 0) / 60);
  }

  async cancel(principal: Principal, bookingId: string, input: { reason?: string; expectedFee?: Cents }): Promise<Outcome<BookingView>> {
    return this.change(principal, bookingId, (record, snapshot, resource) => {
      const result = transition(toDomainBooking(record), { type: 'cancel' }, this.actor(principal, record.customer), this.ctx.now(), this.transitionOptions(snapshot, resource));
      if (!result.ok) return refuse([result.reason]);
      const fee = result.cancellation?.fee ?? 0;
      if (input.expectedFee !== undefined && fee !== input.expectedFee) {
        throw new ConflictError(`the cancellation fee is now ${fee} cents, not the ${input.expectedFee} shown; look at the new terms and confirm again`);
      }
      const next: BookingRecord = { ...withDomainBooking(record, result.booking), cancellationReason: input.reason ?? null, cancellationFee: fee };
      return { next, hold: { mode: 'clear' }, checkCapacity: false, audience: audienceOf(principal) };
    });
  }

  async reschedule(principal: Principal, bookingId: string, input: { start: Instant; end: Instant }): Promise<Outcome<BookingView>> {
    checkInstants({ start: input.start, end: input.end });
    const first = await this.load(principal, bookingId);
    const snapshot = await this.ctx.catalog.snapshot();
    const audience = audienceOf(principal);
    return this.perMember(first.customer, audience, snapshot, () =>
      this.change(principal, bookingId, async (record, current, resource) => {
        const movable: readonly BookingView['status'][] = ['pending_approval', 'awaiting_payment', 'confirmed'];
        if (!movable.includes(record.status) || (audience === 'member' && this.ctx.now() >= record.start)) {
          return refuse([reason('TRANSITION_NOT_ALLOWED', { from: record.status, event: 'reschedule' })]);
        }
        if (!resource) throw new NotFoundError(`no resource "${record.resourceId}" at ${this.ctx.place.name}`);
        const member = await this.member(record.customer);
        const interval = { start: input.start, end: input.end, seats: record.seats, replacesBookingId: record.id };
        const rules = await this.checkRules(current, resource, member, audience, interval);
        if (!rules.ok) return rules;
        const priced = await this.quoteFor(resource, member, current, interval);
        if (!priced.ok) return priced;
        if (record.amountPaid > 0 && priced.value.total !== record.price) {
          throw new InvalidRequestError('PRICE_CHANGE', {
            fr: 'Ce changement modifie le prix d’une réservation déjà payée : annulez-la et réservez à nouveau',
            en: 'This change alters the price of a booking already paid: cancel it and book again',
          });
        }
        // Tickets paid for the old quote: the same price keeps what was due (a new price was refused above once anything was paid).
        const amountDueNow =
          record.paymentMode === 'online' ? priced.value.total : record.paymentMode === 'deposit' ? priced.value.deposit : record.paymentMode === 'tickets' ? record.amountDueNow : 0;
        const next: BookingRecord = { ...record, start: input.start, end: input.end, quote: priced.value, price: priced.value.total, amountDueNow };
        return { next, hold: { mode: 'keep' }, checkCapacity: true, audience };
      }),
    );
  }

  // -------------------------------------------------------------------------------------------
  // Managers

  async approve(principal: Principal, bookingId: string): Promise<Outcome<BookingView>> {
    this.requireManager(principal);
    return this.transitionChange(principal, bookingId, (snapshot) => ({ type: 'approve', holdUntil: this.ctx.now() + this.ctx.holdMs(snapshot) }));
  }

  async reject(principal: Principal, bookingId: string, why: string): Promise<Outcome<BookingView>> {
    this.requireManager(principal);
    return this.transitionChange(principal, bookingId, () => ({ type: 'reject' }), () => ({ cancellationReason: why }));
  }

  async checkIn(principal: Principal, bookingId: string): Promise<Outcome<BookingView>> {
    this.requireManager(principal);
    return this.transitionChange(principal, bookingId, () => ({ type: 'check_in' }), (_record, now) => ({ checkedInAt: now }));
  }

  async checkOut(principal: Principal, bookingId: string): Promise<Outcome<BookingView>> {
    this.requireManager(principal);
    return this.transitionChange(principal, bookingId, () => ({ type: 'complete' }), (_record, now) => ({ checkedOutAt: now }));
  }

  async markNoShow(principal: Principal, bookingId: string): Promise<Outcome<BookingView>> {
    this.requireManager(principal);
    return this.transitionChange(principal, bookingId, () => ({ type: 'no_show' }));
  }

  /** A payment the ERP recorded (the money flows call this): confirms the booking once enough is paid. */
  async paymentReceived(bookingId: string, amount: Cents): Promise<Outcome<BookingView>> {
    return this.change(SYSTEM, bookingId, (record, snapshot, resource) => this.paymentChange(record, snapshot, resource, amount));
  }

  /** A payment as a change: the state machine confirms the booking once enough is paid; the hold lasts until then. */
  private paymentChange(record: BookingRecord, snapshot: CatalogSnapshot, resource: Resource | undefined, amount: Cents): Change | Refusal {
    const result = transition(toDomainBooking(record), { type: 'payment_received', amount }, { kind: 'system' }, this.ctx.now(), this.transitionOptions(snapshot, resource));
    if (!result.ok) return refuse([result.reason]);
    const next = withDomainBooking(record, result.booking);
    return { next, hold: next.status === 'awaiting_payment' ? { mode: 'keep' } : { mode: 'clear' }, checkCapacity: false, audience: 'manager' };
  }

  async occupancy(principal: Principal, date: string): Promise<OccupancyView> {
    this.requireManager(principal);
    if (!isLocalDate(date)) throw new InvalidRequestError('INVALID_DATE', { fr: `« ${date} » n'est pas une date AAAA-MM-JJ`, en: `"${date}" is not a date YYYY-MM-DD` });
    const snapshot = await this.ctx.catalog.snapshot();
    const now = this.ctx.now();
    const resources: OccupancyView['resources'] = [];
    for (const entry of snapshot.resources.values()) {
      const resource = entry.resource;
      const day = zoneDay(resource.timeZone, date);
      const records = await this.ctx.withIndex(() => this.ctx.store.byResource(resource.id, day.start, day.end, false));
      // buildOccupancy counts only the bookings that hold capacity now.
      const intervals = records.map(toBookedInterval);
      const before = resource.bufferBeforeMinutes * MINUTE_MS;
      const after = resource.bufferAfterMinutes * MINUTE_MS;
      resources.push({
        resourceId: resource.id,
        name: resource.name ?? resource.id,
        capacity: resource.compiled.units,
        walkInUnits: resource.compiled.walkInUnits,
        peak: maxOccupancy(buildOccupancy(resource, intervals, [], now), day.start - before, day.end + after),
        bookings: records.sort((a, b) => a.start - b.start).map((record) => this.view(snapshot, record)),
      });
    }
    return { date, resources: resources.sort((a, b) => a.name.localeCompare(b.name)) };
  }

  async conflicts(principal: Principal): Promise<ConflictView[]> {
    this.requireManager(principal);
    return this.ctx.withIndex(() => this.sync.conflicts());
  }

  async rebuildIndex(principal: Principal): Promise<RebuildReport> {
    this.requireManager(principal);
    return this.ctx.requestRebuild('demand');
  }
}
