import { DateTime } from 'luxon';

/**
 * Dates for tests that book on the real calendar (the ERP and Redis keep real time): days counted from today in
 * Paris, the test places' time zone, and instants read on Paris's wall clock whatever the offset that day.
 */

export const PARIS = 'Europe/Paris';

/** The day `days` after the one holding `from` (default: now) in Paris, "YYYY-MM-DD". */
export function dayAhead(days: number, from = Date.now()): string {
  return DateTime.fromMillis(from, { zone: PARIS }).startOf('day').plus({ days }).toISODate() ?? '';
}

/** The first weekday (Monday to Friday) at least `days` after the day holding `from` (default: now) in Paris: many test rooms close at weekends. */
export function weekdayAhead(days: number, from = Date.now()): string {
  let day = DateTime.fromMillis(from, { zone: PARIS }).startOf('day').plus({ days });
  while (day.weekday > 5) day = day.plus({ days: 1 });
  return day.toISODate() ?? '';
}

/** "2026-12-05", "09:00" → the instant, in milliseconds, at that time in Paris. */
export function at(date: string, time: string): number {
  return DateTime.fromISO(`${date}T${time}`, { zone: PARIS }).toMillis();
}

/** "2026-12-03", "10:00" → "2026-12-03T10:00:00+01:00", as the sidecar's API takes and gives times. */
export function parisTime(date: string, time: string): string {
  const text = DateTime.fromISO(`${date}T${time}`, { zone: PARIS }).toISO({ suppressMilliseconds: true });
  if (text === null) throw new Error(`not a time: ${date} ${time}`);
  return text;
}
