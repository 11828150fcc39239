import { z } from 'zod';
import { bookingWindow, buildOccupancy, capacityFor, maxOccupancy, type Audience } from './availability';
import { countsForQuota, type BookedInterval, type BusyBlock } from './booking';
import { reason, type Reason } from './reasons';
import { unitsOf, type Place, type Resource } from './resource';
import { closedIntervals, onGrid, openingHoursText, timeInside, weeklyWindows, type Window } from './schedule';
import { bothLangs, formatDate, formatDateTime, formatTime } from './text';
import {
  addDays,
  MINUTE_MS,
  wallClock,
  weekdayOf,
  zoneDaysOverlapping,
  type Instant,
  type Interval,
  type LocalDate,
} from './time';

/**
 * Whether a member (or a manager on a member's behalf) may book a resource for an interval. Every
 * reason that applies is returned, except those a more basic one already implies: a booking whose
 * end is before its start has no duration to check, one in the past is not also "too soon", and one
 * asking for more seats than exist is not also "full".
 *
 * Managers are not bound by the walk-in margin, the lead time, the horizon, quotas or approval; the
 * opening hours, closures, grid, durations, capacity and eligibility bind everyone.
 */

export interface Qualification {
  readonly name: string;
  /** Last instant the qualification is valid; unset means it does not expire. */
  readonly expiresAt?: Instant | undefined;
}

export interface Member {
  readonly id: string;
  /** The ERP Customer's customer group. */
  readonly customerGroup?: string | undefined;
  readonly qualifications?: readonly Qualification[];
}

export interface BookingRequest {
  readonly start: Instant;
  readonly end: Instant;
  /** People for a room, seats for a seat pool, units for machines (default 1). */
  readonly seats?: number;
  readonly member: Member;
  /** Who asks: the member, or a manager booking for them. */
  readonly actor: Audience;
  /** When moving an existing booking: it must not count against itself. */
  readonly replacesBookingId?: string;
}

export const quotaSchema = z
  .object({
    id: z.string().min(1),
    /** Named in messages: "salles de réunion", "Découpe laser". */
    label: z.string().min(1),
    /** Resources the quota covers together: one for a per-resource quota, several for a group. */
    resourceIds: z.array(z.string().min(1)).min(1),
    /** Customer groups it applies to; empty means every member. */
    customerGroups: z.array(z.string().min(1)).default([]),
    period: z.enum(['day', 'week', 'month']),
    maxMinutes: z.number().int().min(0).optional(),
    maxBookings: z.number().int().min(0).optional(),
  })
  .refine((q) => (q.maxMinutes === undefined) !== (q.maxBookings === undefined), {
    error: 'a quota limits either minutes (maxMinutes) or bookings (maxBookings), exactly one of them',
  });

export type QuotaInput = z.input<typeof quotaSchema>;
export type Quota = z.output<typeof quotaSchema>;

export interface RulesContext {
  readonly resource: Resource;
  readonly place: Place;
  readonly now: Instant;
  /** Existing bookings: those of this resource (capacity) and the member's on any resource (quotas). */
  readonly bookings: readonly BookedInterval[];
  readonly busy?: readonly BusyBlock[];
  readonly quotas?: readonly Quota[];
  /** Other resources by id, to measure the member's bookings on them against group quotas. */
  readonly resources?: ReadonlyMap<string, Resource>;
}

export type Decision =
  | {
      readonly ok: true;
      readonly needsApproval: boolean;
      /** Minutes inside opening hours: what durations, quotas and prices count. */
      readonly bookedMinutes: number;
      readonly units: number;
    }
  | { readonly ok: false; readonly reasons: readonly Reason[] };

export function checkBooking(request: BookingRequest, ctx: RulesContext): Decision {
  const { resource, now } = ctx;
  const zone = resource.timeZone;
  const seats = request.seats ?? 1;
  const isMember = request.actor === 'member';
  const reasons: Reason[] = [];

  // Who: eligibility does not depend on the time asked for.
  if (resource.memberGroups.length > 0 && !resource.memberGroups.includes(request.member.customerGroup ?? '')) {
    reasons.push(reason('NOT_ELIGIBLE', { groups: resource.memberGroups }));
  }
  if (resource.requiredQualification !== undefined) {
    const held = (request.member.qualifications ?? []).filter((q) => q.name === resource.requiredQualification);
    if (!held.some((q) => q.expiresAt === undefined || q.expiresAt >= request.start)) {
      reasons.push(reason('QUALIFICATION_REQUIRED', { qualification: resource.requiredQualification, expired: held.length > 0 }));
    }
  }

  let seatsValid = true;
  if (!Number.isInteger(seats) || seats < 1) {
    seatsValid = false;
    reasons.push(reason('INVALID_SEATS', { seats }));
  } else if (seats > resource.capacity) {
    seatsValid = false;
    reasons.push(reason('TOO_MANY_SEATS', { seats, capacity: resource.capacity, kind: resource.kind }));
  }

  if (!(request.end > request.start)) {
    reasons.push(reason('END_BEFORE_START', {}));
    return { ok: false, reasons };
  }
  const interval: Interval = { start: request.start, end: request.end };

  // When.
  if (request.start < now) {
    reasons.push(reason('IN_THE_PAST', {}));
  } else {
    const { earliestStart, latestStartBefore } = bookingWindow(resource, now, request.actor);
    if (request.start < earliestStart) reasons.push(reason('LEAD_TIME', { leadMinutes: resource.leadMinutes }));
    if (request.start >= latestStartBefore && resource.horizonDays !== undefined) {
      const lastDay = latestStartBefore - 1;
      reasons.push(
        reason('HORIZON', { horizonDays: resource.horizonDays, latestDate: bothLangs((l) => formatDate(lastDay, zone, l)) }),
      );
    }
  }

  const windows = weeklyWindows(resource, interval);
  const startWindow = windows.find((w) => w.start <= request.start && request.start < w.end);
  const endWindow = windows.find((w) => w.start < request.end && request.end <= w.end);
  if (!startWindow || !endWindow) {
    const outside = startWindow ? request.end - 1 : request.start;
    reasons.push(reason('OUTSIDE_OPENING_HOURS', { hours: openingHoursText(resource, wallClock(outside, zone).weekday) }));
  } else if (!onGrid(startWindow, request.start, resource.slotMinutes) || !onGrid(endWindow, request.end, resource.slotMinutes)) {
    const exampleStart = startWindow.anchor;
    const example = `${formatTime(exampleStart, zone)}, ${formatTime(exampleStart + resource.slotMinutes * MINUTE_MS, zone)}`;
    reasons.push(reason('NOT_ALIGNED', { slotMinutes: resource.slotMinutes, example }));
  }

  // Closures and holidays matter where the place would otherwise be open during the booking.
  for (const closed of closedIntervals(resource, ctx.place, interval)) {
    const during = windows.some(
      (w) => Math.max(w.start, closed.start, interval.start) < Math.min(w.end, closed.end, interval.end),
    );
    if (!during) continue;
    if (closed.kind === 'holiday') {
      reasons.push(reason('HOLIDAY', { date: bothLangs((l) => formatDate(closed.start, zone, l)), name: closed.label }));
    } else {
      reasons.push(
        reason('CLOSED', {
          from: bothLangs((l) => formatDateTime(closed.start, zone, l)),
          to: bothLangs((l) => formatDateTime(closed.end, zone, l)),
          label: closed.label.fr,
        }),
      );
    }
  }

  const bookedMinutes = Math.round(timeInside(windows, interval) / MINUTE_MS);
  if (bookedMinutes < resource.minMinutes) {
    reasons.push(reason('MIN_DURATION', { minMinutes: resource.minMinutes, minutes: bookedMinutes }));
  }
  if (resource.maxMinutes !== undefined && bookedMinutes > resource.maxMinutes) {
    reasons.push(reason('MAX_DURATION', { maxMinutes: resource.maxMinutes, minutes: bookedMinutes }));
  }

  // How many.
  const units = unitsOf(resource, seats);
  if (seatsValid) {
    const occupancy = buildOccupancy(resource, ctx.bookings, ctx.busy ?? [], now, request.replacesBookingId);
    const used = maxOccupancy(
      occupancy,
      request.start - resource.bufferBeforeMinutes * MINUTE_MS,
      request.end + resource.bufferAfterMinutes * MINUTE_MS,
    );
    if (used + units > capacityFor(resource, request.actor)) reasons.push(capacityRefusal(resource, used, units, request.actor));
  }

  if (isMember) reasons.push(...quotaReasons(request, ctx, windows));

  if (reasons.length > 0) return { ok: false, reasons };
  return { ok: true, needsApproval: isMember && resource.approvalRequired, bookedMinutes, units };
}

/**
 * Why `units` more do not fit where `used` are taken, for an audience the request exceeds: a member
 * who would still fit in the whole resource is told about the walk-in margin rather than that it is
 * full, since a manager could still book it.
 */
export function capacityRefusal(resource: Resource, used: number, units: number, audience: Audience): Reason {
  const total = resource.compiled.units;
  if (audience === 'member' && used + units <= total) {
    const margin = resource.compiled.walkInUnits;
    return reason('WALK_IN_MARGIN', { margin, free: Math.max(0, total - margin - used), requested: units });
  }
  return reason('CAPACITY', { free: Math.max(0, total - used), requested: units, exclusive: resource.kind === 'room' });
}

type PeriodKind = Quota['period'];

function periodKey(date: LocalDate, period: PeriodKind): string {
  if (period === 'day') return date;
  if (period === 'month') return date.slice(0, 7);
  return addDays(date, 1 - weekdayOf(date)); // the Monday of its ISO week
}

/** Minutes of a booking inside its resource's opening hours, per local date of `zone`. */
function minutesPerDate(
  interval: Interval,
  zone: string,
  windows: readonly Window[] | undefined,
): Map<LocalDate, number> {
  const perDate = new Map<LocalDate, number>();
  for (const day of zoneDaysOverlapping(zone, interval)) {
    const part = { start: Math.max(day.start, interval.start), end: Math.min(day.end, interval.end) };
    const ms = windows ? timeInside(windows, part) : part.end - part.start;
    perDate.set(day.date, ms / MINUTE_MS);
  }
  return perDate;
}

interface PeriodUse {
  minutes: number;
  bookings: number;
}

function addUse(into: Map<string, PeriodUse>, perDate: Map<LocalDate, number>, period: PeriodKind): void {
  const touched = new Set<string>();
  for (const [date, minutes] of perDate) {
    const key = periodKey(date, period);
    const use = into.get(key) ?? { minutes: 0, bookings: 0 };
    use.minutes += minutes;
    if (!touched.has(key)) {
      use.bookings += 1;
      touched.add(key);
    }
    into.set(key, use);
  }
}

function quotaReasons(request: BookingRequest, ctx: RulesContext, requestWindows: readonly Window[]): Reason[] {
  const { resource, now } = ctx;
  const zone = resource.timeZone;
  const reasons: Reason[] = [];
  const applicable = (ctx.quotas ?? []).filter(
    (q) =>
      q.resourceIds.includes(resource.id) &&
      (q.customerGroups.length === 0 || q.customerGroups.includes(request.member.customerGroup ?? '')),
  );
  if (applicable.length === 0) return reasons;

  const requestPerDate = minutesPerDate(request, zone, requestWindows);
  const mine = ctx.bookings.filter(
    (b) => b.memberId === request.member.id && b.id !== request.replacesBookingId && countsForQuota(b, now),
  );
  // Several quotas may cover the same booking (a resource's own and its group's): measure it once,
  // and only if a quota needs it.
  const measured = new Map<BookedInterval, Map<LocalDate, number>>();
  const perDateOf = (booking: BookedInterval): Map<LocalDate, number> => {
    let perDate = measured.get(booking);
    if (!perDate) {
      const owner = booking.resourceId === resource.id ? resource : ctx.resources?.get(booking.resourceId);
      perDate = minutesPerDate(booking, zone, owner ? weeklyWindows(owner, booking) : undefined);
      measured.set(booking, perDate);
    }
    return perDate;
  };

  for (const quota of applicable) {
    const requested = new Map<string, PeriodUse>();
    addUse(requested, requestPerDate, quota.period);
    const used = new Map<string, PeriodUse>();
    for (const booking of mine) {
      if (quota.resourceIds.includes(booking.resourceId)) addUse(used, perDateOf(booking), quota.period);
    }
    for (const [key, asked] of requested) {
      const already = used.get(key) ?? { minutes: 0, bookings: 0 };
      const base = { quotaId: quota.id, label: quota.label, period: quota.period };
      if (quota.maxMinutes !== undefined && already.minutes + asked.minutes > quota.maxMinutes) {
        reasons.push(
          reason('QUOTA_EXCEEDED', { ...base, unit: 'minutes', limit: quota.maxMinutes, used: Math.round(already.minutes), requested: Math.round(asked.minutes) }),
        );
        break;
      }
      if (quota.maxBookings !== undefined && already.bookings + asked.bookings > quota.maxBookings) {
        reasons.push(reason('QUOTA_EXCEEDED', { ...base, unit: 'bookings', limit: quota.maxBookings, used: already.bookings, requested: asked.bookings }));
        break;
      }
    }
  }
  return reasons;
}
