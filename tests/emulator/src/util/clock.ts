import { DateTime } from 'luxon';

/** The site's time zone, as set by the setup wizard of the recorded site. */
export const SITE_TIME_ZONE = 'Europe/Paris';

const HOUR_MS = 3_600_000;

function pad(n: number, width: number): string {
  return String(n).padStart(width, '0');
}

/**
 * Frappe stores naive timestamps in the system time zone with microseconds. The emulator keeps
 * one clock per site so that `modified` strictly increases: Frappe's optimistic locking compares
 * `modified` strings, and two writes within the same microsecond must never look identical.
 */
export class SiteClock {
  private last = 0;
  private readonly offsetCache = new Map<number, number>();

  constructor(private readonly sourceMicros: () => number = realMicros) {}

  /** Microseconds since the Unix epoch, strictly increasing across calls. */
  nowMicros(): number {
    let t = Math.floor(this.sourceMicros());
    if (t <= this.last) t = this.last + 1;
    this.last = t;
    return t;
  }

  /** "YYYY-MM-DD HH:MM:SS.ffffff" in the site time zone. */
  now(): string {
    return this.formatDatetime(this.nowMicros());
  }

  /** "YYYY-MM-DD" in the site time zone. */
  today(): string {
    return this.formatDatetime(this.peekMicros()).slice(0, 10);
  }

  /** Epoch milliseconds, for cookie expiry dates and the like. */
  epochMs(): number {
    return Math.floor(this.peekMicros() / 1000);
  }

  /** Current time without consuming a tick (reading "today" must not move `modified`). */
  private peekMicros(): number {
    return Math.max(Math.floor(this.sourceMicros()), this.last);
  }

  formatDatetime(micros: number): string {
    const ms = Math.floor(micros / 1000);
    const local = new Date(ms + this.offsetMinutes(ms) * 60_000);
    const micro = micros - Math.floor(micros / 1_000_000) * 1_000_000;
    return (
      `${pad(local.getUTCFullYear(), 4)}-${pad(local.getUTCMonth() + 1, 2)}-${pad(local.getUTCDate(), 2)} ` +
      `${pad(local.getUTCHours(), 2)}:${pad(local.getUTCMinutes(), 2)}:${pad(local.getUTCSeconds(), 2)}.${pad(micro, 6)}`
    );
  }

  private offsetMinutes(ms: number): number {
    // Offsets only change on hour boundaries (DST), so one lookup per hour is exact.
    const hour = Math.floor(ms / HOUR_MS);
    let offset = this.offsetCache.get(hour);
    if (offset === undefined) {
      offset = DateTime.fromMillis(hour * HOUR_MS, { zone: SITE_TIME_ZONE }).offset;
      if (this.offsetCache.size > 10_000) this.offsetCache.clear();
      this.offsetCache.set(hour, offset);
    }
    return offset;
  }
}

function realMicros(): number {
  return Math.round((performance.timeOrigin + performance.now()) * 1000);
}

/** Adds days to a "YYYY-MM-DD" date. */
export function addDays(date: string, days: number): string {
  return DateTime.fromISO(date, { zone: 'UTC' }).plus({ days }).toISODate() ?? date;
}

/** Adds months to a "YYYY-MM-DD" date, clamping to the month's end like Frappe's add_months. */
export function addMonths(date: string, months: number): string {
  return DateTime.fromISO(date, { zone: 'UTC' }).plus({ months }).toISODate() ?? date;
}

/** HTTP cookie date ("Sat, 05 Dec 2026 17:08:34 GMT"). */
export function httpDate(epochMs: number): string {
  return new Date(epochMs).toUTCString();
}
