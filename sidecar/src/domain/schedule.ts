import { publicHoliday } from './holidays';
import type { Place, Resource } from './resource';
import type { Bilingual } from './text';
import {
  formatClock,
  instantOfLocalTime,
  mergeIntervals,
  MINUTE_MS,
  subtractIntervals,
  zoneDaysOverlapping,
  type Instant,
  type Interval,
  type Weekday,
} from './time';

/**
 * When a resource is open: its weekly opening hours laid on the calendar of its zone, minus
 * closures and (where the place closes on them) public holidays; and the slot grid inside.
 *
 * The grid: slots are `slotMinutes` long, laid in real time from the opening of each weekly window
 * (its anchor). A window that is not a whole number of slots leaves its last, partial slot unused. A
 * closure cuts slots out but does not move the grid. A window that spans a daylight-saving change
 * keeps equal-length slots.
 */
export interface Window extends Interval {
  /** Opening instant of the weekly window this piece belongs to: the origin of its slot grid. */
  readonly anchor: Instant;
}

export interface ClosedInterval extends Interval {
  readonly kind: 'closure' | 'holiday';
  readonly label: Bilingual;
}

/** The weekly opening windows (before closures and holidays) of the local days overlapping `range`. */
export function weeklyWindows(resource: Resource, range: Interval): Window[] {
  const zone = resource.timeZone;
  const windows: Window[] = [];
  for (const day of zoneDaysOverlapping(zone, range)) {
    const spans = resource.compiled.opening[day.weekday] ?? [];
    for (const [from, to] of spans) {
      const start = instantOfLocalTime(zone, day, from);
      const end = instantOfLocalTime(zone, day, to);
      if (end > start) windows.push({ start, end, anchor: start });
    }
  }
  return windows;
}

/** Closures and public holidays (when they close the place) overlapping `range`, sorted by start. */
export function closedIntervals(resource: Resource, place: Place, range: Interval): ClosedInterval[] {
  const closed: ClosedInterval[] = [];
  for (const closure of resource.compiled.closures) {
    if (closure.start >= range.end) break;
    if (closure.end > range.start) {
      closed.push({ start: closure.start, end: closure.end, kind: 'closure', label: { fr: closure.reason, en: closure.reason } });
    }
  }
  if (place.holidaysClose) {
    const calendar = { country: place.holidayCountry, subdivision: place.holidaySubdivision };
    for (const day of zoneDaysOverlapping(resource.timeZone, range)) {
      const name = publicHoliday(calendar, day.date);
      if (name) closed.push({ start: day.start, end: day.end, kind: 'holiday', label: name });
    }
  }
  return closed.sort((a, b) => a.start - b.start);
}

/** Where the resource is actually open within the local days overlapping `range`. */
export function openWindows(resource: Resource, place: Place, range: Interval): Window[] {
  const weekly = weeklyWindows(resource, range);
  const first = weekly[0];
  const last = weekly[weekly.length - 1];
  if (!first || !last) return weekly;
  const closed = closedIntervals(resource, place, { start: first.start, end: last.end });
  if (closed.length === 0) return weekly;
  const holes = mergeIntervals(closed);
  const open: Window[] = [];
  for (const window of weekly) {
    for (const piece of subtractIntervals(window, holes)) open.push({ start: piece.start, end: piece.end, anchor: window.anchor });
  }
  return open;
}

/** Start of the first slot of `window`'s grid that begins at or after `from`. */
export function firstSlotStart(window: Window, slotMs: number, from: Instant): Instant {
  const lowest = Math.max(window.start, from);
  return window.anchor + Math.ceil((lowest - window.anchor) / slotMs) * slotMs;
}

/** Whether `instant` is on the slot grid of `window`. */
export function onGrid(window: Window, instant: Instant, slotMinutes: number): boolean {
  return (instant - window.anchor) % (slotMinutes * MINUTE_MS) === 0;
}

/** "08:00–12:00, 14:00–18:00" for a weekday, or "" when closed all day. */
export function openingHoursText(resource: Resource, weekday: Weekday): string {
  return (resource.compiled.opening[weekday] ?? []).map(([from, to]) => `${formatClock(from)}–${formatClock(to)}`).join(', ');
}

/** Milliseconds of `interval` that fall inside `windows` (windows sorted, not overlapping). */
export function timeInside(windows: readonly Interval[], interval: Interval): number {
  let total = 0;
  for (const window of windows) {
    if (window.start >= interval.end) break;
    total += Math.max(0, Math.min(window.end, interval.end) - Math.max(window.start, interval.start));
  }
  return total;
}
