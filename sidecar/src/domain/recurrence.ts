import { z } from 'zod';
import type { BookedInterval } from './booking';
import { reason, type Reason } from './reasons';
import { checkBooking, type BookingRequest, type RulesContext } from './rules';
import {
  addDays,
  isClock,
  isLocalDate,
  localTimeToInstant,
  parseClock,
  weekdayOf,
  type Instant,
  type LocalDate,
  type Weekday,
} from './time';

/**
 * Recurring bookings, daily or weekly, until a date or for a number of occurrences.
 *
 * Occurrences are generated on the wall clock of the resource's zone — "every Tuesday 09:00–11:00"
 * stays 09:00–11:00 local time across daylight-saving changes — and each is then turned into
 * instants with the zone's rules of that day. (rrule's own zone handling shifts such times by the
 * offset change, which is why the expansion is written here on dates.)
 */

export const MAX_OCCURRENCES = 366;

const localDateSchema = z.string().refine(isLocalDate, { error: 'expected a date YYYY-MM-DD' });
const clockSchema = z.string().refine(isClock, { error: 'expected a time of day HH:mm' });

export const recurrenceSchema = z
  .object({
    /** Date of the first occurrence, in the resource's zone. */
    firstDate: localDateSchema,
    startTime: clockSchema,
    endTime: clockSchema,
    freq: z.enum(['daily', 'weekly']),
    /** Every `interval` days or weeks. */
    interval: z.number().int().min(1).max(52).default(1),
    /** Weekly: ISO weekdays (1 = Monday); default the weekday of firstDate. */
    weekdays: z.array(z.number().int().min(1).max(7)).min(1).optional(),
    /** Last date an occurrence may fall on (inclusive). */
    until: localDateSchema.optional(),
    count: z.number().int().min(1).optional(),
  })
  .refine((r) => parseClock(r.startTime) < parseClock(r.endTime), {
    error: 'an occurrence must end after it starts, on the same day',
    path: ['endTime'],
  })
  .refine((r) => (r.until === undefined) !== (r.count === undefined), {
    error: 'a series ends either at a date (until) or after a number of occurrences (count), exactly one of them',
  })
  .refine((r) => r.until === undefined || r.until >= r.firstDate, { error: 'until is before firstDate', path: ['until'] });

export type RecurrenceInput = z.input<typeof recurrenceSchema>;
export type Recurrence = z.output<typeof recurrenceSchema>;

export interface Occurrence {
  readonly index: number;
  readonly date: LocalDate;
  readonly start: Instant;
  readonly end: Instant;
}

/** The dates of the series, in order, stopping after `limit + 1` so a runaway series is caught. */
function seriesDates(r: Recurrence, limit: number): LocalDate[] {
  const dates: LocalDate[] = [];
  const wanted = r.count ?? Infinity;
  const done = (date: LocalDate) => (r.until !== undefined && date > r.until) || dates.length >= wanted || dates.length > limit;
  if (r.freq === 'daily') {
    for (let date = r.firstDate; !done(date); date = addDays(date, r.interval)) dates.push(date);
    return dates;
  }
  const weekdays = [...new Set<number>(r.weekdays ?? [weekdayOf(r.firstDate)])].sort((a, b) => a - b) as Weekday[];
  const firstMonday = addDays(r.firstDate, 1 - weekdayOf(r.firstDate));
  for (let monday = firstMonday; ; monday = addDays(monday, 7 * r.interval)) {
    for (const weekday of weekdays) {
      const date = addDays(monday, weekday - 1);
      if (date < r.firstDate) continue;
      if (done(date)) return dates;
      dates.push(date);
    }
  }
}

export type ExpansionResult = { readonly ok: true; readonly occurrences: readonly Occurrence[] } | { readonly ok: false; readonly reason: Reason };

export function expandRecurrence(recurrence: Recurrence, zone: string, limit = MAX_OCCURRENCES): ExpansionResult {
  const dates = seriesDates(recurrence, limit);
  if (dates.length > limit || (recurrence.count ?? 0) > limit) {
    return { ok: false, reason: reason('RECURRENCE_TOO_LONG', { occurrences: Math.max(dates.length, recurrence.count ?? 0), limit }) };
  }
  if (dates.length === 0) return { ok: false, reason: reason('RECURRENCE_EMPTY', {}) };
  const from = parseClock(recurrence.startTime);
  const to = parseClock(recurrence.endTime);
  return {
    ok: true,
    occurrences: dates.map((date, index) => ({
      index,
      date,
      start: localTimeToInstant(zone, date, from),
      end: localTimeToInstant(zone, date, to),
    })),
  };
}

/** all_or_nothing: book the series only if every occurrence can be booked; free_only: book those that can. */
export type SeriesMode = 'all_or_nothing' | 'free_only';

export interface SeriesRequest extends Omit<BookingRequest, 'start' | 'end'> {
  readonly recurrence: Recurrence;
  readonly mode: SeriesMode;
}

export interface SeriesDecision {
  /** Whether anything will be booked: every occurrence (all_or_nothing) or at least one (free_only). */
  readonly ok: boolean;
  readonly mode: SeriesMode;
  /** The occurrences to book now (empty when all_or_nothing fails). */
  readonly toBook: readonly (Occurrence & { readonly needsApproval: boolean; readonly bookedMinutes: number })[];
  /** Every occurrence that cannot be booked, with all its reasons. */
  readonly refused: readonly { readonly occurrence: Occurrence; readonly reasons: readonly Reason[] }[];
  /** Why the series itself could not be laid out (too long, empty). */
  readonly reason?: Reason;
}

/**
 * Checks a series occurrence by occurrence. Each accepted occurrence counts against the next ones
 * (capacity and quotas), as if it were already held.
 */
export function checkSeries(request: SeriesRequest, ctx: RulesContext): SeriesDecision {
  const expansion = expandRecurrence(request.recurrence, ctx.resource.timeZone);
  if (!expansion.ok) return { ok: false, mode: request.mode, toBook: [], refused: [], reason: expansion.reason };

  // checkBooking reads only the bookings of this resource (capacity) and the member's (quotas):
  // the others would be scanned again for every occurrence for nothing.
  const held: BookedInterval[] = ctx.bookings.filter((b) => b.resourceId === ctx.resource.id || b.memberId === request.member.id);
  const accepted: (Occurrence & { needsApproval: boolean; bookedMinutes: number })[] = [];
  const refused: { occurrence: Occurrence; reasons: readonly Reason[] }[] = [];
  for (const occurrence of expansion.occurrences) {
    const decision = checkBooking({ ...request, start: occurrence.start, end: occurrence.end }, { ...ctx, bookings: held });
    if (!decision.ok) {
      refused.push({ occurrence, reasons: decision.reasons });
      continue;
    }
    accepted.push({ ...occurrence, needsApproval: decision.needsApproval, bookedMinutes: decision.bookedMinutes });
    held.push({
      id: `series-occurrence-${occurrence.index}`,
      resourceId: ctx.resource.id,
      memberId: request.member.id,
      start: occurrence.start,
      end: occurrence.end,
      seats: request.seats ?? 1,
      status: 'pending_approval',
    });
  }
  const ok = request.mode === 'all_or_nothing' ? refused.length === 0 : accepted.length > 0;
  return { ok, mode: request.mode, toBook: request.mode === 'all_or_nothing' && !ok ? [] : accepted, refused };
}
