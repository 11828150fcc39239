import Holidays from 'date-holidays';
import type { Bilingual } from './text';
import type { LocalDate } from './time';

/**
 * Public holidays of a country (and optionally a subdivision: "57" for Moselle in France), from the
 * date-holidays rules bundled with the package (no network). Only holidays of type "public" close a
 * place; observances such as Pentecost Sunday or Mother's Day do not.
 */
export interface HolidayCalendarKey {
  readonly country: string;
  readonly subdivision?: string | undefined;
}

const calendars = new Map<string, Holidays>();
const yearCache = new Map<string, ReadonlyMap<LocalDate, Bilingual>>();

function calendarFor(key: HolidayCalendarKey): Holidays {
  const id = `${key.country}|${key.subdivision ?? ''}`;
  let calendar = calendars.get(id);
  if (!calendar) {
    calendar = key.subdivision ? new Holidays(key.country, key.subdivision) : new Holidays(key.country);
    calendars.set(id, calendar);
  }
  return calendar;
}

/** Whether date-holidays knows this country (and subdivision). */
export function isKnownHolidayCalendar(key: HolidayCalendarKey): boolean {
  const countries = new Holidays().getCountries();
  if (!(key.country in countries)) return false;
  if (key.subdivision === undefined) return true;
  const states = new Holidays().getStates(key.country);
  // The typings promise an object, but an unknown country gives undefined.
  const known = states as Record<string, string> | undefined;
  return known !== undefined && key.subdivision in known;
}

/** The public holidays of one year, by local date, named in French and English. */
export function publicHolidays(key: HolidayCalendarKey, year: number): ReadonlyMap<LocalDate, Bilingual> {
  const id = `${key.country}|${key.subdivision ?? ''}|${year}`;
  const cached = yearCache.get(id);
  if (cached) return cached;
  const calendar = calendarFor(key);
  const english = new Map(calendar.getHolidays(year, 'en').map((h) => [h.date.slice(0, 10) + h.rule, h.name]));
  const days = new Map<LocalDate, Bilingual>();
  for (const holiday of calendar.getHolidays(year, 'fr')) {
    if (holiday.type !== 'public') continue;
    const date = holiday.date.slice(0, 10);
    const name: Bilingual = { fr: holiday.name, en: english.get(date + holiday.rule) ?? holiday.name };
    const existing = days.get(date);
    days.set(date, existing ? { fr: `${existing.fr}, ${name.fr}`, en: `${existing.en}, ${name.en}` } : name);
  }
  yearCache.set(id, days);
  return days;
}

export function publicHoliday(key: HolidayCalendarKey, date: LocalDate): Bilingual | undefined {
  return publicHolidays(key, Number(date.slice(0, 4))).get(date);
}
