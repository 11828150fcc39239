import { bothLangs, countOf, formatDate, type Bilingual, type Lang, type Word } from './text';
import { zoneDay, type LocalDate } from './time';

/**
 * Why the ticket ledger says no: the same shape as the booking core's reasons (`reasons.ts`), a
 * stable code for programs and a French and an English message carrying the figures.
 */

export const TICKET_UNITS = ['hour', 'half_day', 'day'] as const;
/** What one ticket pays for. The ERP's Select shows "Hour", "Half Day", "Day". */
export type TicketUnit = (typeof TICKET_UNITS)[number];

const UNIT_WORD: Record<TicketUnit, Word> = { hour: 'hour', half_day: 'halfDay', day: 'day' };

/** "3 demi-journées" / "3 half-days": a number of tickets of a unit. */
export function ticketsText(tickets: number, unit: TicketUnit, lang: Lang): string {
  return countOf(tickets, UNIT_WORD[unit], lang);
}

/** As `ticketsText`, or plain tickets for a pack type whose unit is not set. */
export function ticketCountText(tickets: number, unit: TicketUnit | undefined, lang: Lang): string {
  return unit ? ticketsText(tickets, unit, lang) : `${String(tickets)} ticket${tickets > 1 ? 's' : ''}`;
}

/** One line of a balance as a message shows it: a pack type, its unit, its tickets and when the first ones expire. */
export interface BalanceFigure {
  readonly packType: string;
  readonly unit: TicketUnit | undefined;
  readonly tickets: number;
  readonly firstExpiry: LocalDate | undefined;
}

/** Dates in messages are local dates already: any zone names them the same, so none is asked for. */
export const localDateText = (date: LocalDate, lang: Lang): string => formatDate(zoneDay('UTC', date).start, 'UTC', lang);

export function balanceText(figures: readonly BalanceFigure[]): Bilingual {
  const shown = figures.filter((f) => f.tickets > 0);
  return bothLangs((lang) => {
    if (shown.length === 0) return lang === 'fr' ? 'aucun ticket' : 'no tickets';
    return shown
      .map((f) => {
        const amount = ticketCountText(f.tickets, f.unit, lang);
        const until = f.firstExpiry
          ? lang === 'fr'
            ? `, les premiers expirent le ${localDateText(f.firstExpiry, lang)}`
            : `, the first expire on ${localDateText(f.firstExpiry, lang)}`
          : '';
        return `${amount} (${f.packType}${until})`;
      })
      .join(lang === 'fr' ? ' ; ' : '; ');
  });
}

interface TicketReasonParams {
  /** The booking (or check-in) needs more tickets than the member's usable lots hold. */
  TICKETS_INSUFFICIENT: { needed: Bilingual; balance: Bilingual };
  /** A negative staff correction larger than what it would take from. */
  CORRECTION_EXCEEDS_BALANCE: { packType: string; requested: number; available: number; lot: string | undefined };
  UNKNOWN_LOT: { lot: string };
  LOT_MISMATCH: { lot: string; customer: string; packType: string };
  UNKNOWN_PACK_TYPE: { packType: string };
  LOT_EXPIRED: { lot: string; expiresOn: LocalDate };
}

export type TicketReasonCode = keyof TicketReasonParams;

export interface TicketReason<C extends TicketReasonCode = TicketReasonCode> extends Bilingual {
  readonly code: C;
  readonly params: TicketReasonParams[C];
}

type MessageMakers = { [C in TicketReasonCode]: (p: TicketReasonParams[C], lang: Lang) => string };

const MESSAGES: MessageMakers = {
  TICKETS_INSUFFICIENT: (p, l) =>
    l === 'fr'
      ? `Pas assez de tickets : il faut ${p.needed.fr} ; votre solde utilisable ici : ${p.balance.fr}`
      : `Not enough tickets: this needs ${p.needed.en}; your balance usable here: ${p.balance.en}`,
  CORRECTION_EXCEEDS_BALANCE: (p, l) => {
    const where = p.lot ? (l === 'fr' ? `le lot ${p.lot}` : `lot ${p.lot}`) : l === 'fr' ? `le carnet « ${p.packType} »` : `pack "${p.packType}"`;
    return l === 'fr'
      ? `Correction impossible : retirer ${p.requested} ticket${p.requested > 1 ? 's' : ''} alors que ${where} n'en compte que ${p.available}`
      : `Correction refused: taking ${p.requested} ticket${p.requested > 1 ? 's' : ''} when ${where} holds only ${p.available}`;
  },
  UNKNOWN_LOT: (p, l) => (l === 'fr' ? `Lot de tickets inconnu : ${p.lot}` : `Unknown ticket lot: ${p.lot}`),
  LOT_MISMATCH: (p, l) =>
    l === 'fr'
      ? `Le lot ${p.lot} n'appartient pas au client ${p.customer} pour le carnet « ${p.packType} »`
      : `Lot ${p.lot} does not belong to customer ${p.customer} for pack "${p.packType}"`,
  UNKNOWN_PACK_TYPE: (p, l) => (l === 'fr' ? `Type de carnet inconnu : « ${p.packType} »` : `Unknown pack type: "${p.packType}"`),
  LOT_EXPIRED: (p, l) =>
    l === 'fr'
      ? `Le lot ${p.lot} a expiré le ${localDateText(p.expiresOn, l)}`
      : `Lot ${p.lot} expired on ${localDateText(p.expiresOn, l)}`,
};

export function ticketReason<C extends TicketReasonCode>(code: C, params: TicketReasonParams[C]): TicketReason<C> {
  const make = MESSAGES[code] as (p: TicketReasonParams[C], lang: Lang) => string;
  return { code, params, ...bothLangs((lang) => make(params, lang)) };
}

export type { TicketReasonParams };
