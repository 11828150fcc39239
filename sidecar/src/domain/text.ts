import { DateTime } from 'luxon';
import type { Instant } from './time';

/** Every message the domain produces exists in these languages. */
export interface Bilingual {
  readonly fr: string;
  readonly en: string;
}

export type Lang = keyof Bilingual;

/** 90 → "1 h 30" (fr) / "1 h 30 min" (en); 45 → "45 min"; 120 → "2 h". */
export function formatDuration(totalMinutes: number, lang: Lang): string {
  const rounded = Math.round(totalMinutes);
  const hours = Math.floor(rounded / 60);
  const minutes = rounded % 60;
  if (hours === 0) return `${minutes} min`;
  if (minutes === 0) return `${hours} h`;
  const mm = String(minutes).padStart(2, '0');
  return lang === 'fr' ? `${hours} h ${mm}` : `${hours} h ${mm} min`;
}

const DATE_FORMAT: Record<Lang, string> = { fr: 'dd/MM/yyyy', en: 'yyyy-MM-dd' };

export function formatDate(instant: Instant, zone: string, lang: Lang): string {
  return DateTime.fromMillis(instant, { zone }).toFormat(DATE_FORMAT[lang]);
}

export function formatTime(instant: Instant, zone: string): string {
  return DateTime.fromMillis(instant, { zone }).toFormat('HH:mm');
}

export function formatDateTime(instant: Instant, zone: string, lang: Lang): string {
  return `${formatDate(instant, zone, lang)} ${formatTime(instant, zone)}`;
}

/** French and English plurals of the words the domain counts. */
const WORDS = {
  hour: { fr: ['heure', 'heures'], en: ['hour', 'hours'] },
  halfDay: { fr: ['demi-journée', 'demi-journées'], en: ['half-day', 'half-days'] },
  day: { fr: ['journée', 'journées'], en: ['day', 'days'] },
  calendarDay: { fr: ['jour', 'jours'], en: ['day', 'days'] },
  booking: { fr: ['réservation', 'réservations'], en: ['booking', 'bookings'] },
  seat: { fr: ['place', 'places'], en: ['seat', 'seats'] },
  person: { fr: ['personne', 'personnes'], en: ['person', 'people'] },
} as const;

export type Word = keyof typeof WORDS;

export function countOf(n: number, word: Word, lang: Lang): string {
  const [one, many] = WORDS[word][lang];
  // French uses the singular for 0 and 1; English only for 1.
  const singular = lang === 'fr' ? n <= 1 : n === 1;
  return `${n} ${singular ? one : many}`;
}

export function bothLangs(make: (lang: Lang) => string): Bilingual {
  return { fr: make('fr'), en: make('en') };
}
