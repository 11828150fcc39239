import { bothLangs, countOf, formatDuration, type Bilingual, type Lang } from './text';

/**
 * Why the domain says no. Each reason has a stable code (for programs: the portal, the API, tests)
 * and a French and an English message carrying the figures (for people). `params` holds the same
 * figures in machine form.
 */

type Period = 'day' | 'week' | 'month';

interface ReasonParams {
  END_BEFORE_START: Record<string, never>;
  INVALID_SEATS: { seats: number };
  TOO_MANY_SEATS: { seats: number; capacity: number; kind: 'room' | 'seat_pool' | 'machine' };
  IN_THE_PAST: Record<string, never>;
  LEAD_TIME: { leadMinutes: number };
  HORIZON: { horizonDays: number; latestDate: { fr: string; en: string } };
  MIN_DURATION: { minMinutes: number; minutes: number };
  MAX_DURATION: { maxMinutes: number; minutes: number };
  NOT_ALIGNED: { slotMinutes: number; example: string };
  OUTSIDE_OPENING_HOURS: { hours: string };
  CLOSED: { from: { fr: string; en: string }; to: { fr: string; en: string }; label: string };
  HOLIDAY: { date: { fr: string; en: string }; name: { fr: string; en: string } };
  CAPACITY: { free: number; requested: number; exclusive: boolean };
  WALK_IN_MARGIN: { margin: number; free: number; requested: number };
  QUOTA_EXCEEDED:
    | { quotaId: string; label: string; period: Period; unit: 'minutes'; limit: number; used: number; requested: number }
    | { quotaId: string; label: string; period: Period; unit: 'bookings'; limit: number; used: number; requested: number };
  NOT_ELIGIBLE: { groups: readonly string[] };
  QUALIFICATION_REQUIRED: { qualification: string; expired: boolean };
  NO_PRICE: { itemCode: string; uoms: readonly string[] };
  TRANSITION_NOT_ALLOWED: { from: string; event: string };
  ACTOR_NOT_ALLOWED: { actor: string; event: string };
  NOT_OWNER: Record<string, never>;
  HOLD_NOT_EXPIRED: { expiresAt: { fr: string; en: string } };
  CHECK_IN_TOO_EARLY: { opensAt: { fr: string; en: string } };
  CHECK_IN_TOO_LATE: Record<string, never>;
  TOO_LATE_TO_CANCEL: Record<string, never>;
  NOT_STARTED: Record<string, never>;
  NOT_ENDED: Record<string, never>;
  RECURRENCE_TOO_LONG: { occurrences: number; limit: number };
  RECURRENCE_EMPTY: Record<string, never>;
}

export type ReasonCode = keyof ReasonParams;

export interface Reason<C extends ReasonCode = ReasonCode> extends Bilingual {
  readonly code: C;
  readonly params: ReasonParams[C];
}

const PERIOD_WORDS: Record<Period, Bilingual> = {
  day: { fr: 'par jour', en: 'per day' },
  week: { fr: 'par semaine', en: 'per week' },
  month: { fr: 'par mois', en: 'per month' },
};

const KIND_WORDS: Record<'room' | 'seat_pool' | 'machine', Bilingual> = {
  room: { fr: 'La salle accueille', en: 'The room holds' },
  seat_pool: { fr: 'Cet espace compte', en: 'This space has' },
  machine: { fr: 'Cet équipement compte', en: 'This equipment has' },
};

type MessageMakers = { [C in ReasonCode]: (p: ReasonParams[C], lang: Lang) => string };

const MESSAGES: MessageMakers = {
  END_BEFORE_START: (_p, l) => (l === 'fr' ? 'La fin doit être après le début' : 'The end must be after the start'),
  INVALID_SEATS: (p, l) =>
    l === 'fr'
      ? `Nombre de places invalide (${p.seats}) : un entier d'au moins 1 est attendu`
      : `Invalid number of seats (${p.seats}): a whole number of at least 1 is expected`,
  TOO_MANY_SEATS: (p, l) =>
    `${KIND_WORDS[p.kind][l]} ${l === 'fr' ? 'au plus' : 'at most'} ${countOf(p.capacity, p.kind === 'room' ? 'person' : 'seat', l)}` +
    (l === 'fr' ? ` (${p.seats} demandées)` : ` (${p.seats} requested)`),
  IN_THE_PAST: (_p, l) => (l === 'fr' ? 'Ce créneau est déjà passé' : 'This time is already past'),
  LEAD_TIME: (p, l) =>
    l === 'fr'
      ? `Réservation possible au plus tôt ${formatDuration(p.leadMinutes, l)} à l'avance`
      : `Bookings must be made at least ${formatDuration(p.leadMinutes, l)} in advance`,
  HORIZON: (p, l) =>
    l === 'fr'
      ? `Réservation possible au plus ${countOf(p.horizonDays, 'calendarDay', l)} à l'avance (jusqu'au ${p.latestDate.fr})`
      : `Bookings open at most ${countOf(p.horizonDays, 'calendarDay', l)} ahead (until ${p.latestDate.en})`,
  MIN_DURATION: (p, l) =>
    l === 'fr'
      ? `Durée minimale : ${formatDuration(p.minMinutes, l)} (demandé : ${formatDuration(p.minutes, l)})`
      : `Minimum duration: ${formatDuration(p.minMinutes, l)} (requested: ${formatDuration(p.minutes, l)})`,
  MAX_DURATION: (p, l) =>
    l === 'fr'
      ? `Durée maximale : ${formatDuration(p.maxMinutes, l)} (demandé : ${formatDuration(p.minutes, l)})`
      : `Maximum duration: ${formatDuration(p.maxMinutes, l)} (requested: ${formatDuration(p.minutes, l)})`,
  NOT_ALIGNED: (p, l) =>
    l === 'fr'
      ? `Les réservations commencent et finissent sur des créneaux de ${formatDuration(p.slotMinutes, l)} (par exemple ${p.example})`
      : `Bookings start and end on ${formatDuration(p.slotMinutes, l)} slots (for example ${p.example})`,
  OUTSIDE_OPENING_HOURS: (p, l) =>
    l === 'fr'
      ? `En dehors des heures d'ouverture (ce jour-là : ${p.hours || 'fermé'})`
      : `Outside opening hours (that day: ${p.hours || 'closed'})`,
  CLOSED: (p, l) =>
    (l === 'fr' ? `Fermé du ${p.from.fr} au ${p.to.fr}` : `Closed from ${p.from.en} to ${p.to.en}`) + (p.label ? ` (${p.label})` : ''),
  HOLIDAY: (p, l) => (l === 'fr' ? `Fermé le ${p.date.fr} (${p.name.fr})` : `Closed on ${p.date.en} (${p.name.en})`),
  CAPACITY: (p, l) => {
    if (p.exclusive) return l === 'fr' ? 'Déjà réservé sur ce créneau' : 'Already booked at that time';
    return l === 'fr'
      ? `Plus que ${countOf(p.free, 'seat', l)} disponible${p.free > 1 ? 's' : ''} sur ce créneau (${p.requested} demandée${p.requested > 1 ? 's' : ''})`
      : `Only ${countOf(p.free, 'seat', l)} left at that time (${p.requested} requested)`;
  },
  WALK_IN_MARGIN: (p, l) =>
    l === 'fr'
      ? `${countOf(p.margin, 'seat', l)} ${p.margin > 1 ? 'sont gardées' : 'est gardée'} pour les visiteurs sans réservation : ${countOf(p.free, 'seat', l)} réservable${p.free > 1 ? 's' : ''} en ligne sur ce créneau (${p.requested} demandée${p.requested > 1 ? 's' : ''})`
      : `${countOf(p.margin, 'seat', l)} ${p.margin === 1 ? 'is' : 'are'} kept for walk-in visitors: ${countOf(p.free, 'seat', l)} bookable online at that time (${p.requested} requested)`,
  QUOTA_EXCEEDED: (p, l) => {
    const amount = (n: number) => (p.unit === 'minutes' ? formatDuration(n, l) : countOf(n, 'booking', l));
    return l === 'fr'
      ? `Quota dépassé : ${amount(p.limit)} ${PERIOD_WORDS[p.period].fr} pour ${p.label} (déjà ${amount(p.used)}, demandé ${amount(p.requested)})`
      : `Quota exceeded: ${amount(p.limit)} ${PERIOD_WORDS[p.period].en} for ${p.label} (already ${amount(p.used)}, requested ${amount(p.requested)})`;
  },
  NOT_ELIGIBLE: (p, l) =>
    l === 'fr' ? `Réservé aux groupes : ${p.groups.join(', ')}` : `Only for these groups: ${p.groups.join(', ')}`,
  QUALIFICATION_REQUIRED: (p, l) =>
    l === 'fr'
      ? `Habilitation « ${p.qualification} » ${p.expired ? 'expirée' : 'requise'}`
      : `Qualification "${p.qualification}" ${p.expired ? 'has expired' : 'required'}`,
  NO_PRICE: (p, l) =>
    l === 'fr'
      ? `Aucun tarif ne permet de facturer « ${p.itemCode} » (unités tarifées : ${p.uoms.length ? p.uoms.join(', ') : 'aucune'})`
      : `No price can bill "${p.itemCode}" (priced units: ${p.uoms.length ? p.uoms.join(', ') : 'none'})`,
  TRANSITION_NOT_ALLOWED: (p, l) =>
    l === 'fr'
      ? `Action « ${p.event} » impossible pour une réservation à l'état « ${p.from} »`
      : `Action "${p.event}" is not possible for a booking in state "${p.from}"`,
  ACTOR_NOT_ALLOWED: (p, l) =>
    l === 'fr' ? `Action « ${p.event} » non autorisée pour : ${p.actor}` : `Action "${p.event}" is not allowed for: ${p.actor}`,
  NOT_OWNER: (_p, l) => (l === 'fr' ? "Cette réservation n'est pas la vôtre" : 'This booking is not yours'),
  HOLD_NOT_EXPIRED: (p, l) =>
    l === 'fr' ? `Le blocage court jusqu'au ${p.expiresAt.fr}` : `The hold runs until ${p.expiresAt.en}`,
  CHECK_IN_TOO_EARLY: (p, l) =>
    l === 'fr' ? `Arrivée possible à partir du ${p.opensAt.fr}` : `Check-in opens at ${p.opensAt.en}`,
  CHECK_IN_TOO_LATE: (_p, l) => (l === 'fr' ? 'La réservation est terminée' : 'The booking has ended'),
  TOO_LATE_TO_CANCEL: (_p, l) =>
    l === 'fr'
      ? 'La réservation a commencé : seul un gestionnaire peut encore l’annuler'
      : 'The booking has started: only a manager can still cancel it',
  NOT_STARTED: (_p, l) => (l === 'fr' ? "La réservation n'a pas encore commencé" : 'The booking has not started yet'),
  NOT_ENDED: (_p, l) => (l === 'fr' ? "La réservation n'est pas encore terminée" : 'The booking has not ended yet'),
  RECURRENCE_TOO_LONG: (p, l) =>
    l === 'fr'
      ? `Série trop longue : ${p.occurrences} occurrences (au plus ${p.limit})`
      : `Series too long: ${p.occurrences} occurrences (at most ${p.limit})`,
  RECURRENCE_EMPTY: (_p, l) =>
    l === 'fr' ? 'La série ne contient aucune occurrence' : 'The series has no occurrence',
};

export function reason<C extends ReasonCode>(code: C, params: ReasonParams[C]): Reason<C> {
  const make = MESSAGES[code] as (p: ReasonParams[C], lang: Lang) => string;
  return { code, params, ...bothLangs((lang) => make(params, lang)) };
}

export type { ReasonParams };
