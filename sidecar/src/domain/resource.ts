import { z } from 'zod';
import { isKnownHolidayCalendar } from './holidays';
import {
  DEFAULT_TIME_ZONE,
  isClock,
  isLocalDate,
  isValidTimeZone,
  parseClock,
  parseLocalDateTime,
  zoneDay,
  type Instant,
} from './time';

/**
 * The settings of a bookable resource, as the add-on's "Bookable Resource" DocType holds them, and
 * the place-level settings. External data enters the domain through these schemas only: parsing
 * validates, applies the defaults and compiles what the hot paths need (opening hours in minutes,
 * closures as instants), once.
 */

const clockSchema = z.string().refine(isClock, { error: 'expected a time of day HH:mm (00:00 to 24:00)' });

export const openingRowSchema = z
  .object({
    weekday: z.number().int().min(1).max(7),
    from: clockSchema,
    to: clockSchema,
  })
  .refine((row) => parseClock(row.from) < parseClock(row.to), {
    error: 'an opening row must end after it starts (a window across midnight is written as two rows)',
  });

export const closureRowSchema = z.object({
  /** "YYYY-MM-DD" (from the start of that day) or "YYYY-MM-DD HH:mm[:ss]" (wall-clock, resource zone) or ISO with offset. */
  from: z.string().min(1),
  /** "YYYY-MM-DD" (to the end of that day, inclusive) or a date-time (exclusive). */
  to: z.string().min(1),
  reason: z.string().default(''),
});

export const walkInMarginSchema = z.union([
  z.strictObject({ seats: z.number().int().min(0) }),
  z.strictObject({ percent: z.number().int().min(0).max(100) }),
]);

const HALF_DAY_WINDOW = /^(\d{2}:\d{2})\s*[-–]\s*(\d{2}:\d{2})$/;

/** "09:00-13:00" (hyphen or en dash) → [540, 780] minutes after midnight. */
export function parseClockSpan(text: string): readonly [number, number] {
  const match = HALF_DAY_WINDOW.exec(text.trim());
  if (!match?.[1] || !match[2]) throw new RangeError(`"${text}" is not a window in the form HH:mm-HH:mm`);
  const from = parseClock(match[1]);
  const to = parseClock(match[2]);
  if (to <= from) throw new RangeError(`window "${text}" must end after it starts`);
  return [from, to];
}

const clockSpanSchema = z.string().refine(
  (text) => {
    try {
      parseClockSpan(text);
      return true;
    } catch {
      return false;
    }
  },
  { error: 'expected a window HH:mm-HH:mm that ends after it starts' },
);

const minutes = () => z.number().int().min(0);

const settingsSchema = z
  .object({
    id: z.string().min(1),
    name: z.string().min(1).optional(),
    /** room: booked whole (capacity = people it holds); seat_pool: seats; machine: identical units. */
    kind: z.enum(['room', 'seat_pool', 'machine']),
    itemCode: z.string().min(1),
    capacity: z.number().int().min(1),
    walkInMargin: walkInMarginSchema.default({ seats: 0 }),
    slotMinutes: z.number().int().min(1).max(1440).default(30),
    minMinutes: minutes().default(0),
    maxMinutes: z.number().int().min(1).optional(),
    leadMinutes: minutes().default(0),
    horizonDays: z.number().int().min(0).optional(),
    bufferBeforeMinutes: minutes().default(0),
    bufferAfterMinutes: minutes().default(0),
    approvalRequired: z.boolean().default(false),
    depositPercent: z.number().int().min(0).max(100).default(0),
    requiredQualification: z.string().min(1).optional(),
    /** Customer groups allowed to book; empty means everyone. */
    memberGroups: z.array(z.string().min(1)).default([]),
    timeZone: z.string().refine(isValidTimeZone, { error: 'not an IANA time zone' }).default(DEFAULT_TIME_ZONE),
    calendarId: z.string().min(1).optional(),
    pricingMode: z.enum(['threshold', 'cheapest']).default('threshold'),
    halfDayThresholdMinutes: minutes().default(180),
    /** Past this many booked minutes in a day, threshold mode bills a day. Default: half-day length + half-day threshold. */
    dayThresholdMinutes: minutes().optional(),
    halfDayMinutes: z.number().int().min(1).default(240),
    halfDayMode: z.enum(['floating', 'fixed']).default('floating'),
    morning: clockSpanSchema.optional(),
    afternoon: clockSpanSchema.optional(),
    /** How many minutes a Day unit covers; unset means the whole day. */
    dayMinutes: z.number().int().min(1).optional(),
    openingHours: z.array(openingRowSchema).default([]),
    closures: z.array(closureRowSchema).default([]),
  })
  .superRefine((r, ctx) => {
    if (r.halfDayMode === 'fixed' && (!r.morning || !r.afternoon)) {
      ctx.addIssue({ code: 'custom', path: ['halfDayMode'], message: 'fixed half-days need both a morning and an afternoon window' });
    }
    if (r.morning && r.afternoon && clockSpanSchema.safeParse(r.morning).success && clockSpanSchema.safeParse(r.afternoon).success) {
      const [, morningEnd] = parseClockSpan(r.morning);
      const [afternoonStart] = parseClockSpan(r.afternoon);
      if (afternoonStart < morningEnd) {
        ctx.addIssue({ code: 'custom', path: ['afternoon'], message: 'the afternoon window must start after the morning window ends' });
      }
    }
    if (r.maxMinutes !== undefined && r.maxMinutes < r.minMinutes) {
      ctx.addIssue({ code: 'custom', path: ['maxMinutes'], message: `maxMinutes (${r.maxMinutes}) is below minMinutes (${r.minMinutes})` });
    }
    if (r.dayThresholdMinutes !== undefined && r.dayThresholdMinutes < r.halfDayThresholdMinutes) {
      ctx.addIssue({ code: 'custom', path: ['dayThresholdMinutes'], message: 'dayThresholdMinutes must not be below halfDayThresholdMinutes' });
    }
    if (!isValidTimeZone(r.timeZone)) return;
    r.closures.forEach((closure, index) => {
      try {
        const { start, end } = closureInterval(closure.from, closure.to, r.timeZone);
        if (end <= start) ctx.addIssue({ code: 'custom', path: ['closures', index], message: 'a closure must end after it starts' });
      } catch (error) {
        ctx.addIssue({ code: 'custom', path: ['closures', index], message: (error as Error).message });
      }
    });
  });

/** The settings with their defaults applied. */
export type ResourceSettings = z.output<typeof settingsSchema>;

export const resourceSettingsSchema = settingsSchema.transform((r): Resource => ({ ...r, compiled: compile(r) }));

export type ResourceSettingsInput = z.input<typeof settingsSchema>;
/** A parsed resource: its settings plus what the domain precomputes from them. */
export type Resource = ResourceSettings & { readonly compiled: CompiledResource };
export type ResourceKind = Resource['kind'];

/** Opening span of one weekday, minutes after local midnight, [from, to). */
export type ClockSpan = readonly [number, number];

export interface Closure {
  readonly start: Instant;
  readonly end: Instant;
  readonly reason: string;
}

export interface CompiledResource {
  /** Index 1..7 (ISO weekday) → sorted, merged spans. Index 0 is unused. */
  readonly opening: readonly (readonly ClockSpan[])[];
  readonly closures: readonly Closure[];
  readonly morning: ClockSpan | undefined;
  readonly afternoon: ClockSpan | undefined;
  readonly dayThresholdMinutes: number;
  /** Units a booking can take at once, for everyone: a room is one unit, booked whole. */
  readonly units: number;
  /** Units kept for walk-ins (never sold to members online). Rooms have none: they are booked whole. */
  readonly walkInUnits: number;
}

function closureInterval(from: string, to: string, zone: string): { start: Instant; end: Instant } {
  const start = parseLocalDateTime(from, zone);
  // A date alone as the end means "to the end of that day": closures are written in whole days.
  const end = isLocalDate(to.trim()) ? zoneDay(zone, to.trim()).end : parseLocalDateTime(to, zone);
  return { start, end };
}

function compile(r: ResourceSettings): CompiledResource {
  const opening: ClockSpan[][] = [[], [], [], [], [], [], [], []];
  for (const row of r.openingHours) opening[row.weekday]?.push([parseClock(row.from), parseClock(row.to)]);
  const merged = opening.map((spans) => {
    const sorted = [...spans].sort((a, b) => a[0] - b[0]);
    const out: [number, number][] = [];
    for (const [from, to] of sorted) {
      const last = out[out.length - 1];
      if (last && from <= last[1]) last[1] = Math.max(last[1], to);
      else out.push([from, to]);
    }
    return out;
  });
  const closures = r.closures
    .map((c) => ({ ...closureInterval(c.from, c.to, r.timeZone), reason: c.reason }))
    .sort((a, b) => a.start - b.start);
  const units = r.kind === 'room' ? 1 : r.capacity;
  let walkInUnits = 0;
  if (r.kind !== 'room') {
    // A percentage is rounded up: the place keeps at least the share it asked for.
    walkInUnits = 'seats' in r.walkInMargin ? r.walkInMargin.seats : Math.floor((r.capacity * r.walkInMargin.percent + 99) / 100);
    walkInUnits = Math.min(walkInUnits, units);
  }
  return {
    opening: merged,
    closures,
    morning: r.morning ? parseClockSpan(r.morning) : undefined,
    afternoon: r.afternoon ? parseClockSpan(r.afternoon) : undefined,
    dayThresholdMinutes: r.dayThresholdMinutes ?? r.halfDayMinutes + r.halfDayThresholdMinutes,
    units,
    walkInUnits,
  };
}

export function parseResource(input: unknown): Resource {
  return resourceSettingsSchema.parse(input);
}

export const placeSettingsSchema = z
  .object({
    /** ISO 3166-1 country whose public holidays apply (date-holidays). */
    holidayCountry: z.string().min(2).default('FR'),
    /** date-holidays subdivision, e.g. "57" (Moselle) for France. */
    holidaySubdivision: z.string().min(1).optional(),
    /** Whether public holidays close the place. */
    holidaysClose: z.boolean().default(true),
  })
  .refine((p) => isKnownHolidayCalendar({ country: p.holidayCountry, subdivision: p.holidaySubdivision }), {
    error: 'unknown holiday country or subdivision (see date-holidays)',
  });

export type PlaceSettingsInput = z.input<typeof placeSettingsSchema>;
export type Place = z.output<typeof placeSettingsSchema>;

export function parsePlace(input: unknown = {}): Place {
  return placeSettingsSchema.parse(input);
}

/** How many units a booking of `seats` takes: a room is booked whole, seats and machines one each. */
export function unitsOf(resource: Resource, seats: number): number {
  return resource.kind === 'room' ? 1 : seats;
}
