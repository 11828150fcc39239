import { DateTime } from 'luxon';
import type { z } from 'zod';
import type {
  AvailabilityView,
  BookingView,
  CancellationPreview,
  ConflictView,
  OccupancyView,
  Principal,
  QuoteView,
  ResourceView,
} from '../booking/contract';
import type { Cents, Instant, Reason } from '../domain';
import type {
  availabilityResponse,
  bookingSchema,
  cancellationPreviewSchema,
  conflictsResponse,
  moneySchema,
  occupancySchema,
  quoteSchema,
  reasonSchema,
  resourceSchema,
  sessionSchema,
} from './schemas';

/**
 * The engine's views as the API writes them: instants in UTC plus the place's wall-clock reading, money as cents
 * with a currency. Pure functions of the view and the place.
 */

export interface ViewContext {
  /** The place's IANA zone, for the `…Local` readings. */
  timeZone: string;
  /** The place's currency, for amounts the engine gives without one (prices, cancellation fees). */
  currency: string;
}

export function utc(instant: Instant): string {
  const iso = new Date(instant).toISOString();
  // Whole seconds read better without ".000"; a fraction, when there is one, is kept.
  return iso.endsWith('.000Z') ? `${iso.slice(0, -5)}Z` : iso;
}

export function local(instant: Instant, timeZone: string): string {
  const text = DateTime.fromMillis(instant, { zone: timeZone }).toISO({ suppressMilliseconds: true });
  if (text === null) throw new RangeError(`instant ${instant} cannot be shown in time zone "${timeZone}"`);
  return text;
}

function span(start: Instant, end: Instant, zone: string) {
  return { start: utc(start), startLocal: local(start, zone), end: utc(end), endLocal: local(end, zone) };
}

export function money(cents: Cents, currency: string): z.input<typeof moneySchema> {
  return { cents, currency };
}

export function reasonJson(r: Reason): z.input<typeof reasonSchema> {
  return { code: r.code, fr: r.fr, en: r.en, params: { ...r.params } };
}

export function sessionJson(principal: Principal, csrfToken: string): z.input<typeof sessionSchema> {
  return {
    user: principal.user,
    fullName: principal.fullName,
    customer: principal.customer,
    isManager: principal.isManager,
    roles: [...principal.roles],
    csrfToken,
  };
}

export function resourceJson(r: ResourceView, ctx: ViewContext): z.input<typeof resourceSchema> {
  return {
    id: r.id,
    name: r.name,
    kind: r.kind,
    itemCode: r.itemCode,
    capacity: r.capacity,
    bookableCapacity: r.bookableCapacity,
    timeZone: r.timeZone,
    slotMinutes: r.slotMinutes,
    minMinutes: r.minMinutes,
    maxMinutes: r.maxMinutes ?? null,
    leadMinutes: r.leadMinutes,
    horizonDays: r.horizonDays ?? null,
    approvalRequired: r.approvalRequired,
    depositPercent: r.depositPercent,
    requiredQualification: r.requiredQualification ?? null,
    eligible: r.eligible,
    ineligibleReasons: r.ineligibleReasons.map(reasonJson),
    prices: Object.fromEntries(Object.entries(r.prices).map(([uom, cents]) => [uom, money(cents, ctx.currency)])),
    priceList: r.priceList,
    openingHours: r.openingHours.map((h) => ({ weekday: h.weekday, from: h.from, to: h.to })),
  };
}

export function availabilityJson(
  range: { from: Instant; to: Instant },
  views: readonly AvailabilityView[],
  ctx: ViewContext,
): z.input<typeof availabilityResponse> {
  return {
    from: utc(range.from),
    to: utc(range.to),
    resources: views.map((v) => ({
      resourceId: v.resourceId,
      slots: v.slots.map((s) => ({ ...span(s.start, s.end, ctx.timeZone), free: s.free })),
      bookable: v.bookable.map((b) => span(b.start, b.end, ctx.timeZone)),
    })),
  };
}

export function quoteJson(q: QuoteView, ctx: ViewContext): z.input<typeof quoteSchema> {
  const m = (cents: Cents) => money(cents, q.currency);
  return {
    resourceId: q.resourceId,
    ...span(q.start, q.end, ctx.timeZone),
    seats: q.seats,
    currency: q.currency,
    lines: q.lines.map((l) => ({ itemCode: l.itemCode, uom: l.uom, qty: l.qty, rate: m(l.rate), amount: m(l.amount) })),
    total: m(q.total),
    deposit: m(q.deposit),
    explanation: { fr: q.explanation.fr, en: q.explanation.en },
    samePriceUntil: q.samePriceUntil
      ? { end: utc(q.samePriceUntil.end), endLocal: local(q.samePriceUntil.end, ctx.timeZone), fr: q.samePriceUntil.fr, en: q.samePriceUntil.en }
      : null,
    priceList: q.priceList,
  };
}

const nullableUtc = (instant: Instant | null): string | null => (instant === null ? null : utc(instant));

export function bookingJson(b: BookingView, ctx: ViewContext): z.input<typeof bookingSchema> {
  return {
    id: b.id,
    erpName: b.erpName,
    resourceId: b.resourceId,
    resourceName: b.resourceName,
    customer: b.customer,
    user: b.user,
    ...span(b.start, b.end, ctx.timeZone),
    seats: b.seats,
    status: b.status,
    paymentMode: b.paymentMode,
    quote: b.quote ? quoteJson(b.quote, ctx) : null,
    holdExpiresAt: nullableUtc(b.holdExpiresAt),
    holdExpiresAtLocal: b.holdExpiresAt === null ? null : local(b.holdExpiresAt, ctx.timeZone),
    createdAt: utc(b.createdAt),
    checkedInAt: nullableUtc(b.checkedInAt),
    checkedOutAt: nullableUtc(b.checkedOutAt),
    cancellationReason: b.cancellationReason,
    erpSync: b.erpSync,
  };
}

export function cancellationJson(p: CancellationPreview, ctx: ViewContext): z.input<typeof cancellationPreviewSchema> {
  return {
    bookingId: p.bookingId,
    fee: money(p.fee, ctx.currency),
    refund: money(p.refund, ctx.currency),
    step: { fr: p.step.fr, en: p.step.en },
    validUntil: nullableUtc(p.validUntil),
    validUntilLocal: p.validUntil === null ? null : local(p.validUntil, ctx.timeZone),
  };
}

export function occupancyJson(o: OccupancyView, ctx: ViewContext): z.input<typeof occupancySchema> {
  return {
    date: o.date,
    resources: o.resources.map((r) => ({
      resourceId: r.resourceId,
      name: r.name,
      capacity: r.capacity,
      walkInUnits: r.walkInUnits,
      peak: r.peak,
      bookings: r.bookings.map((b) => bookingJson(b, ctx)),
    })),
  };
}

export function conflictsJson(conflicts: readonly ConflictView[], ctx: ViewContext): z.input<typeof conflictsResponse> {
  return {
    conflicts: conflicts.map((c) => ({
      id: c.id,
      resourceId: c.resourceId,
      ...span(c.start, c.end, ctx.timeZone),
      bookingIds: [...c.bookingIds],
      excess: c.excess,
      detectedAt: utc(c.detectedAt),
      source: c.source,
    })),
  };
}
