import { z } from 'zod';
import { assertCents, sumCents, type Cents } from './money';
import { DEFAULT_UOMS, type QuoteLine, type UomNames } from './pricing';
import { byExpiry, lotsByExpiry, ticketLedger, validOn, writtenFor, type LedgerEntry, type Lot, type TicketPackType } from './tickets';
import { balanceText, ticketReason, ticketsText, type BalanceFigure, type TicketReason, type TicketUnit } from './tickets-reasons';
import { bothLangs, formatDateTime, type Bilingual } from './text';
import { DEFAULT_TIME_ZONE, isClock, isValidTimeZone, localDateOf, parseClock, wallClock, type Instant, type LocalDate } from './time';

/**
 * Paying with tickets: which lots a booking or a check-in takes from, and what a cancellation gives
 * back.
 *
 * - A lot is usable when its pack type is eligible (resource or item group, and customer group),
 *   it has tickets left and it is still valid on the **last local day of the booking** and today:
 *   a ticket must be valid on the day it is used, and a lot past its day is no longer usable even
 *   before the expiry job has closed it.
 * - Lots are taken **earliest expiry first** (lots that never expire last).
 * - A quote line is paid in its own unit, or, when the pack type allows conversion, through the
 *   place's factors (1 Half Day = 4 Hour tickets, 1 Day = 8 Hour tickets by default). A ticket is
 *   never split: a lot pays for whole chunks (a Day ticket covers 2 half-days or 8 hours, never 3
 *   hours); what no lot covers in whole tickets stays unpaid by tickets, to be paid online in
 *   partial mode, or refused in all-or-nothing mode.
 * - When taking lots strictly by expiry leaves part of a quote unpaid but serving each line from
 *   lots of its own unit first would pay it all, that second allocation is used.
 */

export interface UnitFactors {
  /** Hour tickets in one Half Day. */
  readonly halfDay: number;
  /** Hour tickets in one Day. */
  readonly day: number;
}

/** The add-on's UOM Conversion Factors: 1 Half Day = 4 Hour, 1 Day = 8 Hour. */
export const DEFAULT_UNIT_FACTORS: UnitFactors = { halfDay: 4, day: 8 };

const factor = () => z.number().int().min(1);

export const ticketSettingsSchema = z.object({
  /** The place's zone: lots expire at the end of a local day there. */
  zone: z.string().refine(isValidTimeZone, { error: 'not an IANA time zone' }).default(DEFAULT_TIME_ZONE),
  factors: z.object({ halfDay: factor(), day: factor() }).default(DEFAULT_UNIT_FACTORS),
  uoms: z.object({ hour: z.string().min(1), halfDay: z.string().min(1), day: z.string().min(1) }).default(DEFAULT_UOMS),
  /** A check-in without a booking from this local time on takes a Half Day ticket; before it, a Day ticket. */
  checkInHalfDayFrom: z.string().refine(isClock, { error: 'expected a time of day HH:mm' }).default('12:00'),
});

export type TicketSettings = z.output<typeof ticketSettingsSchema>;
export const DEFAULT_TICKET_SETTINGS: TicketSettings = ticketSettingsSchema.parse({});

/** Who uses tickets, and on what. */
export interface TicketUse {
  readonly customer: string;
  readonly customerGroup?: string | undefined;
  readonly resource: { readonly id: string; readonly itemGroup?: string | undefined };
}

export function packUsableFor(pack: TicketPackType, use: TicketUse): boolean {
  const { resources, itemGroups, customerGroups } = pack.eligibility;
  const what =
    (resources.length === 0 && itemGroups.length === 0) ||
    resources.includes(use.resource.id) ||
    (use.resource.itemGroup !== undefined && itemGroups.includes(use.resource.itemGroup));
  const who = customerGroups.length === 0 || (use.customerGroup !== undefined && customerGroups.includes(use.customerGroup));
  return what && who;
}

function unitOfUom(uom: string, uoms: UomNames): TicketUnit | undefined {
  if (uom === uoms.hour) return 'hour';
  if (uom === uoms.halfDay) return 'half_day';
  if (uom === uoms.day) return 'day';
  return undefined;
}

const hoursIn = (unit: TicketUnit, f: UnitFactors): number => (unit === 'hour' ? 1 : unit === 'half_day' ? f.halfDay : f.day);

function gcd(a: number, b: number): number {
  return b === 0 ? a : gcd(b, a % b);
}

/** How a lot of `pack` pays for a line of `lineUnit`: `tickets` whole tickets for every `units` line units. */
export function exchangeRate(lineUnit: TicketUnit, pack: Pick<TicketPackType, 'unit' | 'allowConversion'>, factors: UnitFactors): { units: number; tickets: number } | undefined {
  if (lineUnit === pack.unit) return { units: 1, tickets: 1 };
  if (!pack.allowConversion) return undefined;
  const lineHours = hoursIn(lineUnit, factors);
  const ticketHours = hoursIn(pack.unit, factors);
  const common = gcd(lineHours, ticketHours);
  return { units: ticketHours / common, tickets: lineHours / common };
}

interface Candidate {
  readonly lot: Lot;
  readonly pack: TicketPackType;
}

export interface TicketAllocation {
  readonly lot: string;
  readonly packType: string;
  readonly unit: TicketUnit;
  readonly expiresOn: LocalDate | undefined;
  readonly tickets: number;
  /** What these tickets pay for, per quote line (its UOM, and how many of its units). */
  readonly covers: readonly { readonly uom: string; readonly qty: number }[];
}

interface Plan {
  readonly allocation: TicketAllocation[];
  /** Per quote line, the units tickets did not pay. */
  readonly rest: number[];
  readonly covered: Cents;
}

function plan(lines: readonly QuoteLine[], candidates: readonly Candidate[], settings: TicketSettings, sameUnitFirst: boolean): Plan {
  const left = new Map(candidates.map((c) => [c.lot.key, c.lot.remaining]));
  const taken = new Map<string, { candidate: Candidate; tickets: number; covers: { uom: string; qty: number }[] }>();
  const rest: number[] = [];
  let covered = 0;
  for (const line of lines) {
    let units = line.qty;
    const unit = unitOfUom(line.uom, settings.uoms);
    const order =
      unit !== undefined && sameUnitFirst
        ? [...candidates.filter((c) => c.pack.unit === unit), ...candidates.filter((c) => c.pack.unit !== unit)]
        : candidates;
    for (const candidate of unit === undefined ? [] : order) {
      if (units === 0) break;
      const rate = exchangeRate(unit ?? 'hour', candidate.pack, settings.factors);
      const available = left.get(candidate.lot.key) ?? 0;
      if (!rate || available === 0) continue;
      const chunks = Math.min(Math.floor(units / rate.units), Math.floor(available / rate.tickets));
      if (chunks === 0) continue;
      const tickets = chunks * rate.tickets;
      const paid = chunks * rate.units;
      left.set(candidate.lot.key, available - tickets);
      units -= paid;
      covered += paid * line.rate;
      const use = taken.get(candidate.lot.key) ?? { candidate, tickets: 0, covers: [] };
      use.tickets += tickets;
      use.covers.push({ uom: line.uom, qty: paid });
      taken.set(candidate.lot.key, use);
    }
    rest.push(units);
  }
  const allocation = [...taken.values()].map(({ candidate, tickets, covers }) => ({
    lot: candidate.lot.key,
    packType: candidate.pack.name,
    unit: candidate.pack.unit,
    expiresOn: candidate.lot.expiresOn,
    tickets,
    covers,
  }));
  return { allocation, rest, covered };
}

/** The member's lots able to pay for a use on `lastDay` (and today), earliest expiry first. */
export function usableLots(
  entries: readonly LedgerEntry[],
  packTypes: readonly TicketPackType[],
  use: TicketUse,
  lastDay: LocalDate,
  today: LocalDate,
): { lot: Lot; pack: TicketPackType }[] {
  const packs = new Map(packTypes.map((p) => [p.name, p]));
  const out: Candidate[] = [];
  for (const lot of lotsByExpiry(ticketLedger(entries).lots)) {
    const pack = packs.get(lot.packType);
    if (!pack || lot.customer !== use.customer || lot.remaining === 0) continue;
    if (!validOn(lot, lastDay) || !validOn(lot, today) || !packUsableFor(pack, use)) continue;
    out.push({ lot, pack });
  }
  return out;
}

function figures(candidates: readonly Candidate[]): BalanceFigure[] {
  const perPack = new Map<string, { pack: TicketPackType; tickets: number; firstExpiry: LocalDate | undefined }>();
  for (const { lot, pack } of candidates) {
    const figure = perPack.get(pack.name) ?? { pack, tickets: 0, firstExpiry: lot.expiresOn };
    figure.tickets += lot.remaining;
    perPack.set(pack.name, figure);
  }
  return [...perPack.values()].map((f) => ({ packType: f.pack.name, unit: f.pack.unit, tickets: f.tickets, firstExpiry: f.firstExpiry }));
}

function neededText(lines: readonly QuoteLine[], uoms: UomNames): Bilingual {
  return bothLangs((lang) =>
    lines
      .map((line) => {
        const unit = unitOfUom(line.uom, uoms);
        return unit ? ticketsText(line.qty, unit, lang) : `${line.qty} × ${line.uom}`;
      })
      .join(' + '),
  );
}

export type DebitMode = 'all_or_nothing' | 'partial';

export interface BookingDebitRequest extends TicketUse {
  readonly bookingId: string;
  /** The booking's quote lines (ERP UOMs; amount = rate × qty, in cents). */
  readonly lines: readonly QuoteLine[];
  readonly start: Instant;
  readonly end: Instant;
  readonly today: LocalDate;
  /** All or nothing: not enough tickets refuses. Partial: tickets pay what they can, the rest is paid online. */
  readonly mode: DebitMode;
  /** Key of this debit; its entries are keyed `<operation>:<lot>`. Default `debit:<bookingId>`. */
  readonly operation?: string | undefined;
}

export type DebitResult =
  | {
      readonly ok: true;
      readonly status: 'debited';
      /** To write; empty when tickets pay nothing (partial mode). */
      readonly entries: readonly LedgerEntry[];
      readonly allocation: readonly TicketAllocation[];
      /** The quote lines left to pay online, each rate × the units tickets did not pay. */
      readonly toPayOnline: readonly QuoteLine[];
      /** What tickets paid for, in cents of the quote: the quote's total minus the online lines' total. */
      readonly coveredAmount: Cents;
      readonly onlineAmount: Cents;
    }
  | { readonly ok: true; readonly status: 'already_debited'; readonly written: readonly LedgerEntry[] }
  | { readonly ok: false; readonly reason: TicketReason };

export const bookingDebitOperation = (bookingId: string): string => `debit:${bookingId}`;

/** What paying a booking with tickets takes, from which lots, and what is left to pay online. */
export function debitForBooking(
  entries: readonly LedgerEntry[],
  packTypes: readonly TicketPackType[],
  request: BookingDebitRequest,
  settings: TicketSettings = DEFAULT_TICKET_SETTINGS,
): DebitResult {
  for (const line of request.lines) {
    assertCents(line.rate, 'rate');
    if (!Number.isInteger(line.qty) || line.qty < 0) throw new RangeError(`quote line ${line.uom}: quantity ${line.qty} is not a whole number of units`);
    if (line.amount !== line.rate * line.qty) throw new RangeError(`quote line ${line.uom}: amount ${line.amount} is not rate ${line.rate} × ${line.qty}`);
  }
  const operation = request.operation ?? bookingDebitOperation(request.bookingId);
  const written = writtenFor(entries, operation);
  if (written.length > 0) return { ok: true, status: 'already_debited', written };

  const lastDay = localDateOf(Math.max(request.start, request.end - 1), settings.zone);
  const candidates = usableLots(entries, packTypes, request, lastDay, request.today);
  const byExpiryFirst = plan(request.lines, candidates, settings, false);
  const unpaid = (p: Plan) => p.rest.some((r) => r > 0);
  let chosen = byExpiryFirst;
  if (unpaid(byExpiryFirst)) {
    const ownUnitFirst = plan(request.lines, candidates, settings, true);
    if (!unpaid(ownUnitFirst) || ownUnitFirst.covered > byExpiryFirst.covered) chosen = ownUnitFirst;
  }
  if (request.mode === 'all_or_nothing' && unpaid(chosen)) {
    return {
      ok: false,
      reason: ticketReason('TICKETS_INSUFFICIENT', { needed: neededText(request.lines, settings.uoms), balance: balanceText(figures(candidates)) }),
    };
  }
  const toPayOnline: QuoteLine[] = [];
  request.lines.forEach((line, i) => {
    const units = chosen.rest[i] ?? line.qty;
    if (units > 0) toPayOnline.push({ ...line, qty: units, amount: line.rate * units });
  });
  const onlineAmount = sumCents(toPayOnline.map((l) => l.amount));
  return {
    ok: true,
    status: 'debited',
    entries: chosen.allocation.map((a) => debitEntry(operation, request.customer, a, request.today, request.bookingId)),
    allocation: chosen.allocation,
    toPayOnline,
    coveredAmount: chosen.covered,
    onlineAmount,
  };
}

function debitEntry(operation: string, customer: string, a: TicketAllocation, today: LocalDate, booking?: string, reason?: string): LedgerEntry {
  return {
    key: `${operation}:${a.lot}`,
    customer,
    packType: a.packType,
    type: 'debit',
    quantity: -a.tickets,
    postingDate: today,
    lot: a.lot,
    ...(booking === undefined ? {} : { booking }),
    ...(reason === undefined ? {} : { reason }),
  };
}

// ---- check-in without a booking ----

export interface CheckInRequest extends TicketUse {
  /** When the badge was read. */
  readonly at: Instant;
}

export type CheckInResult =
  | {
      readonly ok: true;
      readonly status: 'debited';
      readonly unit: 'day' | 'half_day';
      readonly entries: readonly LedgerEntry[];
      readonly allocation: readonly TicketAllocation[];
    }
  | { readonly ok: true; readonly status: 'already_debited'; readonly written: readonly LedgerEntry[] }
  | { readonly ok: false; readonly reason: TicketReason };

export const checkInOperation = (customer: string, date: LocalDate): string => `checkin:${customer}:${date}`;

/**
 * A coworking check-in without a booking: the member's first one on a local day takes one Day
 * ticket when it happens before `checkInHalfDayFrom` (12:00 by default), one Half Day ticket from
 * then on (or their equivalent where conversion is allowed); the next ones that day take nothing.
 */
export function checkInDebit(
  entries: readonly LedgerEntry[],
  packTypes: readonly TicketPackType[],
  request: CheckInRequest,
  settings: TicketSettings = DEFAULT_TICKET_SETTINGS,
): CheckInResult {
  const { date, minuteOfDay } = wallClock(request.at, settings.zone);
  const operation = checkInOperation(request.customer, date);
  const written = writtenFor(
    entries.filter((e) => e.customer === request.customer),
    operation,
  );
  if (written.length > 0) return { ok: true, status: 'already_debited', written };
  const unit = minuteOfDay >= parseClock(settings.checkInHalfDayFrom) ? 'half_day' : 'day';
  const line: QuoteLine = { itemCode: '', uom: unit === 'day' ? settings.uoms.day : settings.uoms.halfDay, qty: 1, rate: 0, amount: 0 };
  const candidates = usableLots(entries, packTypes, request, date, date);
  const chosen = plan([line], candidates, settings, false);
  if (chosen.rest.some((r) => r > 0)) {
    return { ok: false, reason: ticketReason('TICKETS_INSUFFICIENT', { needed: neededText([line], settings.uoms), balance: balanceText(figures(candidates)) }) };
  }
  const reason = `Arrivée sans réservation le ${formatDateTime(request.at, settings.zone, 'fr')}`;
  return {
    ok: true,
    status: 'debited',
    unit,
    entries: chosen.allocation.map((a) => debitEntry(operation, request.customer, a, date, undefined, reason)),
    allocation: chosen.allocation,
  };
}

// ---- refunds ----

export interface RefundRequest {
  readonly customer: string;
  readonly bookingId: string;
  /** The cancellation policy's fee for this cancellation (`cancellationOutcome(...).feePercent`). */
  readonly feePercent: number;
  readonly today: LocalDate;
  /** Key of this refund; its entries are keyed `<operation>:<lot>`. Default `refund:<bookingId>`. */
  readonly operation?: string | undefined;
}

export interface RefundResult {
  readonly status: 'refunded' | 'already_refunded' | 'nothing_debited';
  readonly entries: readonly LedgerEntry[];
  /** Tickets the booking holds (debited, net of earlier refunds). */
  readonly debited: number;
  /** Kept by the place: the fee's share, rounded down (in the member's favour). */
  readonly kept: number;
  /** Given back to lots still valid today. */
  readonly returned: number;
  /** Owed back but belonging to lots already past their last day: lost, as those tickets would be. */
  readonly forfeited: number;
}

export const bookingRefundOperation = (bookingId: string): string => `refund:${bookingId}`;

/**
 * Tickets a booking holds per lot: its debits net of its refunds, so 0 or less once it was given
 * back. `exclude` leaves out entries (a refund's own, when deciding it again).
 */
export function ticketsHeldBy(entries: readonly LedgerEntry[], customer: string, bookingId: string, exclude: readonly LedgerEntry[] = []): Map<string, number> {
  const held = new Map<string, number>();
  for (const e of entries) {
    if (e.customer !== customer || e.booking !== bookingId || e.lot === undefined) continue;
    if (e.type !== 'debit' && e.type !== 'refund') continue;
    if (exclude.includes(e)) continue;
    held.set(e.lot, (held.get(e.lot) ?? 0) - e.quantity);
  }
  return held;
}

/**
 * What cancelling a booking paid with tickets gives back. The place keeps the fee's share of the
 * tickets, rounded down to a whole ticket (the member's favour: a 50 % fee on one ticket keeps
 * none); the rest goes back to the lots it came from, with their original expiry, those that
 * expire last first. A lot already past its last day gets nothing back: those tickets are
 * forfeited, as they would have been had the booking not been made.
 */
export function refundForBooking(entries: readonly LedgerEntry[], request: RefundRequest): RefundResult {
  if (!Number.isInteger(request.feePercent) || request.feePercent < 0 || request.feePercent > 100) {
    throw new RangeError(`a fee is a whole percentage from 0 to 100, got ${request.feePercent}`);
  }
  const operation = request.operation ?? bookingRefundOperation(request.bookingId);
  const written = writtenFor(entries, operation);
  const held = ticketsHeldBy(entries, request.customer, request.bookingId, written);
  const debited = [...held.values()].reduce((sum, n) => sum + Math.max(0, n), 0);
  const kept = Math.floor((debited * request.feePercent) / 100);
  const owed = debited - kept;
  if (written.length > 0) {
    const returned = written.reduce((sum, e) => sum + e.quantity, 0);
    return { status: 'already_refunded', entries: [], debited, kept, returned, forfeited: owed - returned };
  }
  if (debited === 0) return { status: 'nothing_debited', entries: [], debited, kept: 0, returned: 0, forfeited: 0 };

  const { lots } = ticketLedger(entries);
  const targets = [...held.entries()]
    .map(([key, tickets]) => ({ lot: lots.get(key), tickets }))
    .filter((t): t is { lot: Lot; tickets: number } => t.lot !== undefined && t.tickets > 0 && validOn(t.lot, request.today))
    .sort((a, b) => byExpiry(b.lot, a.lot));
  let left = owed;
  const out: LedgerEntry[] = [];
  for (const { lot, tickets } of targets) {
    if (left === 0) break;
    const back = Math.min(tickets, left);
    left -= back;
    out.push({
      key: `${operation}:${lot.key}`,
      customer: request.customer,
      packType: lot.packType,
      type: 'refund',
      quantity: back,
      postingDate: request.today,
      lot: lot.key,
      booking: request.bookingId,
    });
  }
  return { status: 'refunded', entries: out, debited, kept, returned: owed - left, forfeited: left };
}
