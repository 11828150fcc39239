import { DateTime, IANAZone } from 'luxon';

/**
 * Time in the domain.
 *
 * An instant is a number of milliseconds since the Unix epoch (UTC). Every computation works on
 * these numbers; luxon is used only where a zone's rules are needed: placing local midnights and
 * wall-clock times on days with a daylight-saving change, reading an instant's local date or time,
 * parsing the ERP's date-times and checking zone names. That keeps the inner loops (slots, sweeps)
 * free of allocation and makes daylight-saving changes explicit: a local day is not always 24 hours
 * long.
 */
export type Instant = number;

/** A half-open interval [start, end) of instants. */
export interface Interval {
  readonly start: Instant;
  readonly end: Instant;
}

/** A calendar date of a zone, "YYYY-MM-DD". */
export type LocalDate = string;

/** ISO weekday: 1 = Monday … 7 = Sunday. */
export type Weekday = 1 | 2 | 3 | 4 | 5 | 6 | 7;

export const MINUTE_MS = 60_000;
export const HOUR_MS = 60 * MINUTE_MS;
export const DAY_MS = 24 * HOUR_MS;
export const MINUTES_PER_DAY = 24 * 60;

export const DEFAULT_TIME_ZONE = 'Europe/Paris';

export function isValidTimeZone(zone: string): boolean {
  return IANAZone.isValidZone(zone);
}

const CLOCK = /^(\d{2}):(\d{2})$/;

/** "HH:mm" → minutes after local midnight. "24:00" is accepted as the end of the day. */
export function parseClock(text: string): number {
  const match = CLOCK.exec(text);
  const hours = match ? Number(match[1]) : NaN;
  const minutes = match ? Number(match[2]) : NaN;
  if (!match || minutes > 59 || hours > 24 || (hours === 24 && minutes !== 0)) {
    throw new RangeError(`"${text}" is not a time of day in the form HH:mm (00:00 to 24:00)`);
  }
  return hours * 60 + minutes;
}

export function isClock(text: string): boolean {
  try {
    parseClock(text);
    return true;
  } catch {
    return false;
  }
}

/** Minutes after local midnight → "HH:mm". */
export function formatClock(minuteOfDay: number): string {
  const hours = Math.floor(minuteOfDay / 60);
  const minutes = minuteOfDay % 60;
  return `${String(hours).padStart(2, '0')}:${String(minutes).padStart(2, '0')}`;
}

const LOCAL_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

function dateParts(date: LocalDate): [number, number, number] {
  const match = LOCAL_DATE.exec(date);
  if (!match) throw new RangeError(`"${date}" is not a date in the form YYYY-MM-DD`);
  return [Number(match[1]), Number(match[2]), Number(match[3])];
}

export function isLocalDate(text: string): boolean {
  const match = LOCAL_DATE.exec(text);
  if (!match) return false;
  const [year, month, day] = [Number(match[1]), Number(match[2]), Number(match[3])];
  const utc = new Date(Date.UTC(year, month - 1, day));
  return utc.getUTCFullYear() === year && utc.getUTCMonth() === month - 1 && utc.getUTCDate() === day;
}

/** Calendar arithmetic on dates; no zone is involved, a date is just a label of a day. */
export function addDays(date: LocalDate, days: number): LocalDate {
  const [year, month, day] = dateParts(date);
  return new Date(Date.UTC(year, month - 1, day + days)).toISOString().slice(0, 10);
}

export function weekdayOf(date: LocalDate): Weekday {
  const [year, month, day] = dateParts(date);
  const sundayFirst = new Date(Date.UTC(year, month - 1, day)).getUTCDay();
  return (sundayFirst === 0 ? 7 : sundayFirst) as Weekday;
}

/** Whole days from `from` to `to` (negative when `to` is earlier). */
export function daysBetween(from: LocalDate, to: LocalDate): number {
  const [y1, m1, d1] = dateParts(from);
  const [y2, m2, d2] = dateParts(to);
  return Math.round((Date.UTC(y2, m2 - 1, d2) - Date.UTC(y1, m1 - 1, d1)) / DAY_MS);
}

/** One local day of a zone: where it starts and ends as instants (23, 24 or 25 hours apart). */
export interface ZoneDay {
  readonly date: LocalDate;
  readonly weekday: Weekday;
  readonly start: Instant;
  readonly end: Instant;
  /** The following date, kept so walking through days does no date arithmetic. */
  readonly nextDate: LocalDate;
}

/*
 * Local midnights are asked for again and again (every resource of a zone, every query), and luxon
 * takes about 10 µs per conversion. The answer never changes, so it is remembered. The cache is
 * bounded so a long-running process cannot grow it without limit.
 */
const zoneDayCache = new Map<string, ZoneDay>();
const ZONE_DAY_CACHE_LIMIT = 50_000;

function localMidnight(zone: string, date: LocalDate): Instant {
  const [year, month, day] = dateParts(date);
  // Where midnight does not exist (a zone that springs forward at 00:00) luxon moves forward to the
  // first instant of the day, which is what the start of that day means.
  const dt = DateTime.fromObject({ year, month, day }, { zone });
  if (!dt.isValid) throw new RangeError(`cannot place ${date} in time zone "${zone}": ${dt.invalidExplanation ?? 'invalid'}`);
  return dt.toMillis();
}

export function zoneDay(zone: string, date: LocalDate): ZoneDay {
  const key = `${zone}|${date}`;
  const cached = zoneDayCache.get(key);
  if (cached) return cached;
  const nextDate = addDays(date, 1);
  const day: ZoneDay = {
    date,
    weekday: weekdayOf(date),
    start: localMidnight(zone, date),
    end: localMidnight(zone, nextDate),
    nextDate,
  };
  if (zoneDayCache.size >= ZONE_DAY_CACHE_LIMIT) zoneDayCache.clear();
  zoneDayCache.set(key, day);
  return day;
}

// A query asks the date of the same "now" for each of its resources: remember the last answer per zone.
const lastLocalDate = new Map<string, { instant: Instant; date: LocalDate }>();

/** The local date of an instant in a zone. */
export function localDateOf(instant: Instant, zone: string): LocalDate {
  const last = lastLocalDate.get(zone);
  if (last?.instant === instant) return last.date;
  const date = DateTime.fromMillis(instant, { zone }).toISODate();
  if (date === null) throw new RangeError(`instant ${instant} cannot be shown in time zone "${zone}"`);
  if (lastLocalDate.size > 64) lastLocalDate.clear();
  lastLocalDate.set(zone, { instant, date });
  return date;
}

// Every resource of a query walks the same days of the same zone: the last few walks are kept.
const daysCache = new Map<string, readonly ZoneDay[]>();
const DAYS_CACHE_LIMIT = 256;

/** The local days of a zone that overlap an interval, in order. */
export function zoneDaysOverlapping(zone: string, interval: Interval): readonly ZoneDay[] {
  if (interval.end <= interval.start) return [];
  const key = `${zone}|${interval.start}|${interval.end}`;
  const cached = daysCache.get(key);
  if (cached) return cached;
  const days: ZoneDay[] = [];
  let day = zoneDay(zone, localDateOf(interval.start, zone));
  while (day.start < interval.end) {
    if (day.end > interval.start) days.push(day);
    day = zoneDay(zone, day.nextDate);
  }
  if (daysCache.size >= DAYS_CACHE_LIMIT) daysCache.clear();
  daysCache.set(key, days);
  return days;
}

/**
 * The instant at which a local day of a zone shows a wall-clock time. On a day of 24 hours the
 * offset is the same all day, so it is plain arithmetic; on a day with a change luxon decides:
 * a time that does not exist (02:30 on a spring-forward day) moves forward by the gap, and a time
 * that happens twice (02:30 on a fall-back day) is the second one.
 */
export function instantOfLocalTime(zone: string, day: ZoneDay, minuteOfDay: number): Instant {
  if (minuteOfDay <= 0) return day.start;
  if (minuteOfDay >= MINUTES_PER_DAY) return day.end;
  if (day.end - day.start === DAY_MS) return day.start + minuteOfDay * MINUTE_MS;
  const [year, month, dayOfMonth] = dateParts(day.date);
  return DateTime.fromObject(
    { year, month, day: dayOfMonth, hour: Math.floor(minuteOfDay / 60), minute: minuteOfDay % 60 },
    { zone },
  ).toMillis();
}

/** Wall-clock time of `date` at `minuteOfDay` in `zone`, as an instant. */
export function localTimeToInstant(zone: string, date: LocalDate, minuteOfDay: number): Instant {
  return instantOfLocalTime(zone, zoneDay(zone, date), minuteOfDay);
}

/**
 * Reads a date or a date-time written the way an ERP stores it: "2026-08-01" (the start of that local
 * day), "2026-08-01 14:30[:00]" (wall-clock time in `zone`), or ISO 8601 with an offset or Z (that
 * exact instant).
 */
export function parseLocalDateTime(text: string, zone: string): Instant {
  const trimmed = text.trim();
  if (isLocalDate(trimmed)) return zoneDay(zone, trimmed).start;
  const dt = DateTime.fromISO(trimmed.replace(' ', 'T'), { zone });
  if (!dt.isValid) throw new RangeError(`"${text}" is not a date or date-time (YYYY-MM-DD or YYYY-MM-DD HH:mm)`);
  return dt.toMillis();
}

/** Wall-clock reading of an instant: for messages and for rules stated in local time. */
export function wallClock(instant: Instant, zone: string): { date: LocalDate; minuteOfDay: number; weekday: Weekday } {
  const dt = DateTime.fromMillis(instant, { zone });
  return {
    date: dt.toISODate() ?? '',
    minuteOfDay: dt.hour * 60 + dt.minute,
    weekday: dt.weekday as Weekday,
  };
}

// ---- intervals ----

/** Sorts and merges overlapping or touching intervals. */
export function mergeIntervals(intervals: readonly Interval[]): Interval[] {
  const sorted = [...intervals].filter((i) => i.end > i.start).sort((a, b) => a.start - b.start);
  const merged: Interval[] = [];
  for (const interval of sorted) {
    const last = merged[merged.length - 1];
    if (last && interval.start <= last.end) {
      if (interval.end > last.end) merged[merged.length - 1] = { start: last.start, end: interval.end };
    } else {
      merged.push({ start: interval.start, end: interval.end });
    }
  }
  return merged;
}

/** The parts of `interval` not covered by `holes` (holes sorted by start, merged). */
export function subtractIntervals(interval: Interval, holes: readonly Interval[]): Interval[] {
  const pieces: Interval[] = [];
  let cursor = interval.start;
  for (const hole of holes) {
    if (hole.end <= cursor) continue;
    if (hole.start >= interval.end) break;
    if (hole.start > cursor) pieces.push({ start: cursor, end: hole.start });
    cursor = Math.max(cursor, hole.end);
    if (cursor >= interval.end) break;
  }
  if (cursor < interval.end) pieces.push({ start: cursor, end: interval.end });
  return pieces;
}
