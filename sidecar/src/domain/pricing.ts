import { percentOf, sumCents, type Cents } from './money';
import { reason, type Reason } from './reasons';
import { unitsOf, type ClockSpan, type Resource } from './resource';
import { openingHoursText, weeklyWindows } from './schedule';
import { bothLangs, countOf, formatDate, formatDuration, formatTime, type Bilingual, type Lang } from './text';
import { HOUR_MS, instantOfLocalTime, MINUTE_MS, wallClock, zoneDaysOverlapping, type Instant, type Interval, type LocalDate, type ZoneDay } from './time';

/**
 * What a booking costs: which units to sell (hours, half-days, days) and how many. The rates come
 * from the customer's ERP price list (Item Price per UOM); this module only chooses the units.
 *
 * - A booking is priced day by day (local days of the resource's zone), on the time it spends inside
 *   opening hours; lines of the same unit are summed over the days.
 * - Hours are sold whole, every started hour counts. Whole quantities keep the ERP's amount
 *   (rate × qty, which ERPNext rounds on its own) equal to ours to the cent.
 * - threshold mode (the places' rule): up to N minutes (halfDayThresholdMinutes, 3 h) by the hour;
 *   past N, a half-day, and what exceeds the half-day by the same ladder; past M minutes
 *   (dayThresholdMinutes, default half-day + N) a day. Fixed half-days apply the threshold to the
 *   time inside each half-day window; time outside them goes by the hour.
 * - cheapest mode: the cheapest set of priced units that covers the time (floating half-days cover
 *   any block of their length, fixed ones only their window; a day covers dayMinutes, or the
 *   whole day when unset). Ties go to the smaller units.
 * - A booking never costs more than a longer one on the same day would: if extending it would
 *   cost less, it is billed as that longer booking (and the explanation says so). This keeps the
 *   price from ever going down as a booking grows, whatever rates the price list holds.
 * - A unit without a price is not used; if no priced unit can cover the time, there is no quote
 *   (NO_PRICE), nor for a booking with no open time (OUTSIDE_OPENING_HOURS, END_BEFORE_START).
 */

export interface UomNames {
  readonly hour: string;
  readonly halfDay: string;
  readonly day: string;
}

/** The ERP UOM names used unless the place maps its own. */
export const DEFAULT_UOMS: UomNames = { hour: 'Hour', halfDay: 'Half Day', day: 'Day' };

export type UnitPrices = Readonly<Record<string, Cents>>;

interface UnitCount {
  day: number;
  halfDay: number;
  hour: number;
}

interface Rates {
  readonly hour: Cents | undefined;
  readonly halfDay: Cents | undefined;
  readonly day: Cents | undefined;
}

/** Booked time of one local day, split by where it falls with respect to the fixed half-day windows. */
interface PartTime {
  total: number;
  morning: number;
  afternoon: number;
  outside: number;
}

interface Ladder {
  readonly mode: 'threshold' | 'cheapest';
  readonly fixed: boolean;
  /** All in milliseconds. */
  readonly halfDayThreshold: number;
  readonly dayThreshold: number;
  readonly halfDay: number;
  readonly day: number;
  readonly rates: Rates;
}

const costOf = (count: UnitCount, rates: Rates): Cents =>
  count.day * (rates.day ?? 0) + count.halfDay * (rates.halfDay ?? 0) + count.hour * (rates.hour ?? 0);

const hoursFor = (ms: number): number => Math.ceil(ms / HOUR_MS);

/** The place's ladder; null when it needs a unit the price list lacks. */
function thresholdCover(time: PartTime, l: Ladder): UnitCount | null {
  const has = { hour: l.rates.hour !== undefined, halfDay: l.rates.halfDay !== undefined, day: l.rates.day !== undefined };
  const count: UnitCount = { day: 0, halfDay: 0, hour: 0 };
  let rest = time.total;
  if (l.fixed && !(has.day && rest > l.dayThreshold)) {
    let pool = time.outside;
    if (has.halfDay && time.morning > l.halfDayThreshold) count.halfDay++;
    else pool += time.morning;
    if (has.halfDay && time.afternoon > l.halfDayThreshold) count.halfDay++;
    else pool += time.afternoon;
    if (pool <= 0) return count;
    if (!has.hour) return null;
    count.hour = hoursFor(pool);
    return count;
  }
  while (rest > 0) {
    if (has.day && rest > l.dayThreshold) {
      count.day++;
      rest -= l.day;
    } else if (has.halfDay && rest > l.halfDayThreshold && !l.fixed) {
      count.halfDay++;
      rest -= l.halfDay;
    } else if (has.hour) {
      count.hour += hoursFor(rest);
      rest = 0;
    } else {
      return null;
    }
  }
  return count;
}

/** Prefer the cheaper; on a tie the smaller units (fewer days, then fewer half-days). */
function better(a: UnitCount, aCost: Cents, b: UnitCount | null, bCost: Cents): boolean {
  if (b === null) return true;
  if (aCost !== bCost) return aCost < bCost;
  if (a.day !== b.day) return a.day < b.day;
  return a.halfDay < b.halfDay;
}

/** The cheapest cover by priced units; null when none exists. */
function cheapestCover(time: PartTime, l: Ladder): UnitCount | null {
  const { rates } = l;
  let best: UnitCount | null = null;
  let bestCost = Infinity;
  const maxDays = rates.day === undefined ? 0 : Number.isFinite(l.day) ? Math.ceil(time.total / l.day) : 1;
  for (let days = 0; days <= maxDays; days++) {
    // 0 × Infinity is NaN: no day covers nothing, whatever a day's length.
    const coveredByDays = days === 0 ? 0 : days * l.day;
    const halfDayChoices: [number, number][] = []; // [half-days, time they leave uncovered]
    if (l.fixed) {
      const windows = rates.halfDay === undefined ? [false] : [false, true];
      for (const useMorning of windows) {
        for (const useAfternoon of windows) {
          if ((useMorning && time.morning <= 0) || (useAfternoon && time.afternoon <= 0)) continue;
          const left = time.outside + (useMorning ? 0 : time.morning) + (useAfternoon ? 0 : time.afternoon);
          halfDayChoices.push([(useMorning ? 1 : 0) + (useAfternoon ? 1 : 0), left]);
        }
      }
    } else {
      const afterDays = Math.max(0, time.total - coveredByDays);
      const maxHalfDays = rates.halfDay === undefined ? 0 : Math.ceil(afterDays / l.halfDay);
      for (let halves = 0; halves <= maxHalfDays; halves++) halfDayChoices.push([halves, time.total - halves * l.halfDay]);
    }
    for (const [halfDay, uncovered] of halfDayChoices) {
      // Days cover any remaining time, wherever it lies.
      const rest = uncovered - coveredByDays;
      if (rest > 0 && rates.hour === undefined) continue;
      const count: UnitCount = { day: days, halfDay, hour: rest > 0 ? hoursFor(rest) : 0 };
      const cost = costOf(count, rates);
      if (better(count, cost, best, bestCost)) {
        best = count;
        bestCost = cost;
      }
    }
  }
  return best;
}

function coverFor(time: PartTime, l: Ladder): UnitCount | null {
  if (l.mode === 'cheapest') return cheapestCover(time, l);
  return thresholdCover(time, l) ?? cheapestCover(time, l);
}

/** One local day of a booking, with what the pricer needs to look at its extensions. */
interface DayPart {
  readonly day: ZoneDay;
  readonly booked: readonly Interval[];
  readonly time: PartTime;
  readonly morning: Interval | undefined;
  readonly afternoon: Interval | undefined;
}

function clockInterval(resource: Resource, day: ZoneDay, span: ClockSpan | undefined): Interval | undefined {
  if (!span) return undefined;
  return { start: instantOfLocalTime(resource.timeZone, day, span[0]), end: instantOfLocalTime(resource.timeZone, day, span[1]) };
}

const overlap = (a: Interval, b: Interval | undefined): number =>
  b ? Math.max(0, Math.min(a.end, b.end) - Math.max(a.start, b.start)) : 0;

/** `time` with one more booked piece, split by where it falls with respect to the half-day windows. */
function addPiece(time: PartTime, piece: Interval, morning: Interval | undefined, afternoon: Interval | undefined): PartTime {
  const length = piece.end - piece.start;
  const inMorning = overlap(piece, morning);
  const inAfternoon = overlap(piece, afternoon);
  return {
    total: time.total + length,
    morning: time.morning + inMorning,
    afternoon: time.afternoon + inAfternoon,
    outside: time.outside + length - inMorning - inAfternoon,
  };
}

function timeOf(booked: readonly Interval[], morning: Interval | undefined, afternoon: Interval | undefined): PartTime {
  let time: PartTime = { total: 0, morning: 0, afternoon: 0, outside: 0 };
  for (const piece of booked) time = addPiece(time, piece, morning, afternoon);
  return time;
}

function dayParts(resource: Resource, interval: Interval): DayPart[] {
  const windows = weeklyWindows(resource, interval);
  const fixed = resource.halfDayMode === 'fixed';
  const parts: DayPart[] = [];
  for (const day of zoneDaysOverlapping(resource.timeZone, interval)) {
    const booked: Interval[] = [];
    for (const w of windows) {
      const start = Math.max(w.start, interval.start, day.start);
      const end = Math.min(w.end, interval.end, day.end);
      if (end > start) booked.push({ start, end });
    }
    if (booked.length === 0) continue;
    const morning = fixed ? clockInterval(resource, day, resource.compiled.morning) : undefined;
    const afternoon = fixed ? clockInterval(resource, day, resource.compiled.afternoon) : undefined;
    parts.push({ day, booked, time: timeOf(booked, morning, afternoon), morning, afternoon });
  }
  return parts;
}

/** The part's time if it went on until `until` (every minute counted). */
function extended(part: DayPart, until: Instant): PartTime {
  const last = part.booked[part.booked.length - 1];
  if (!last || until <= last.end) return part.time;
  return addPiece(part.time, { start: last.end, end: until }, part.morning, part.afternoon);
}

interface PartPrice {
  readonly count: UnitCount;
  readonly cost: Cents;
  /** The plain rule's units, when a longer booking was cheaper and was billed instead. */
  readonly instead: UnitCount | undefined;
  /** What the part would cost if it went on until `until` (same day). */
  readonly costUntil: (until: Instant) => Cents;
}

function pricePart(part: DayPart, l: Ladder): PartPrice | null {
  const count = coverFor(part.time, l);
  const last = part.booked[part.booked.length - 1];
  if (!count || !last) return null;
  const cost = costOf(count, l.rates);
  const rawCostUntil = (until: Instant): Cents => {
    const cover = coverFor(extended(part, until), l);
    return cover ? costOf(cover, l.rates) : Infinity;
  };
  // A cheapest cover never gets cheaper with more time.
  if (l.mode === 'cheapest') return { count, cost, instead: undefined, costUntil: rawCostUntil };

  // The threshold ladder may: price every longer booking up to the end of the day, minute by
  // minute, and keep for each length the lowest price of any length at least as long.
  const steps = Math.max(0, Math.floor((part.day.end - last.end) / MINUTE_MS));
  const raw = new Float64Array(steps + 1);
  raw[0] = cost;
  for (let i = 1; i <= steps; i++) raw[i] = rawCostUntil(last.end + i * MINUTE_MS);
  const lowest = new Float64Array(steps + 1);
  lowest[steps] = raw[steps] ?? Infinity;
  for (let i = steps - 1; i >= 0; i--) lowest[i] = Math.min(raw[i] ?? Infinity, lowest[i + 1] ?? Infinity);
  const costUntil = (until: Instant): Cents => {
    const i = Math.round((until - last.end) / MINUTE_MS);
    return i <= 0 ? (lowest[0] ?? cost) : i > steps ? rawCostUntil(until) : (lowest[i] ?? Infinity);
  };
  const envelope = lowest[0] ?? cost;
  if (envelope >= cost) return { count, cost, instead: undefined, costUntil };
  // Bill the shortest of the longer bookings that reach the lower price.
  const cheapestAt = raw.findIndex((c) => c === envelope);
  const longer = coverFor(extended(part, last.end + cheapestAt * MINUTE_MS), l) ?? count;
  return { count: longer, cost: costOf(longer, l.rates), instead: count, costUntil };
}

export interface QuoteLine {
  readonly itemCode: string;
  /** ERP UOM name. */
  readonly uom: string;
  /** Whole units: hours, half-days, days (times seats for seat pools and machines). */
  readonly qty: number;
  readonly rate: Cents;
  readonly amount: Cents;
}

export interface QuotePart {
  readonly date: LocalDate;
  readonly bookedMinutes: number;
  readonly units: Readonly<UnitCount>;
  readonly amount: Cents;
  readonly explanation: Bilingual;
}

export interface Quote {
  readonly itemCode: string;
  readonly lines: readonly QuoteLine[];
  readonly total: Cents;
  /** Part of the total to pay before the booking is confirmed (depositPercent, rounded half up). */
  readonly deposit: Cents;
  readonly bookedMinutes: number;
  readonly parts: readonly QuotePart[];
  readonly explanation: Bilingual;
  /** When a longer booking would cost the same: how far it could go. */
  readonly samePriceUntil?: { readonly end: Instant } & Bilingual;
}

export interface QuoteRequest {
  readonly start: Instant;
  readonly end: Instant;
  readonly seats?: number;
}

export interface QuoteOptions {
  readonly uoms?: Partial<UomNames>;
  /**
   * Latest end the booking could be moved to (from availability: the end of its bookable interval).
   * Bounds the "same price until" hint; it never goes past the opening window the booking ends in.
   */
  readonly extendableUntil?: Instant;
}

export type QuoteResult = { readonly ok: true; readonly quote: Quote } | { readonly ok: false; readonly reason: Reason };

const ORDER = ['day', 'halfDay', 'hour'] as const;

function unitsText(count: UnitCount, lang: Lang): string {
  const present = ORDER.filter((k) => count[k] > 0);
  if (present.length === 1 && present[0] !== 'hour' && count[present[0] ?? 'day'] === 1) {
    const single = present[0] === 'day' ? { fr: 'une journée', en: 'a day' } : { fr: 'une demi-journée', en: 'a half-day' };
    return single[lang];
  }
  return present.map((k) => countOf(count[k], k, lang)).join(' + ');
}

function explain(minutes: number, price: PartPrice): Bilingual {
  const { count } = price;
  const onlyHours = count.day === 0 && count.halfDay === 0;
  const make = (lang: Lang): string => {
    const d = formatDuration(minutes, lang);
    // French agrees with the number of hours: "1 h 30 facturée", "2 h facturées".
    const billed = minutes < 120 ? 'facturée' : 'facturées';
    let text: string;
    if (onlyHours && count.hour * 60 === minutes) {
      text = lang === 'fr' ? `${d} ${billed} à l'heure` : `${d} billed by the hour`;
    } else if (onlyHours) {
      text =
        lang === 'fr'
          ? `${d} ${billed} ${countOf(count.hour, 'hour', lang)} (toute heure commencée est due)`
          : `${d} billed as ${countOf(count.hour, 'hour', lang)} (each started hour counts)`;
    } else {
      text = lang === 'fr' ? `${d} ${billed} comme ${unitsText(count, lang)}` : `${d} billed as ${unitsText(count, lang)}`;
    }
    if (price.instead) {
      text += lang === 'fr' ? `, moins cher que ${unitsText(price.instead, lang)}` : `, cheaper than ${unitsText(price.instead, lang)}`;
    }
    return text;
  };
  return bothLangs(make);
}

export function quote(resource: Resource, prices: UnitPrices, request: QuoteRequest, options: QuoteOptions = {}): QuoteResult {
  const uoms: UomNames = { ...DEFAULT_UOMS, ...options.uoms };
  const rates: Rates = { hour: prices[uoms.hour], halfDay: prices[uoms.halfDay], day: prices[uoms.day] };
  const ladder: Ladder = {
    mode: resource.pricingMode,
    fixed: resource.halfDayMode === 'fixed',
    halfDayThreshold: resource.halfDayThresholdMinutes * MINUTE_MS,
    dayThreshold: resource.compiled.dayThresholdMinutes * MINUTE_MS,
    halfDay: resource.halfDayMinutes * MINUTE_MS,
    day: resource.dayMinutes === undefined ? Infinity : resource.dayMinutes * MINUTE_MS,
    rates,
  };
  const noPrice = (): QuoteResult => ({
    ok: false,
    reason: reason('NO_PRICE', { itemCode: resource.itemCode, uoms: Object.keys(prices).filter((k) => prices[k] !== undefined) }),
  });
  const multiplier = unitsOf(resource, request.seats ?? 1);
  const zone = resource.timeZone;
  if (!(request.end > request.start)) return { ok: false, reason: reason('END_BEFORE_START', {}) };
  const interval: Interval = { start: request.start, end: request.end };
  const parts = dayParts(resource, interval);
  // Only open time is billed; a booking with none is not a booking the rules would accept.
  if (parts.length === 0) {
    return { ok: false, reason: reason('OUTSIDE_OPENING_HOURS', { hours: openingHoursText(resource, wallClock(request.start, zone).weekday) }) };
  }

  const totals: UnitCount = { day: 0, halfDay: 0, hour: 0 };
  const quoteParts: QuotePart[] = [];
  let lastPrice: PartPrice | undefined;
  for (const part of parts) {
    const price = pricePart(part, ladder);
    if (!price) return noPrice();
    lastPrice = price;
    for (const k of ORDER) totals[k] += price.count[k];
    const bookedMinutes = Math.round(part.time.total / MINUTE_MS);
    const explanation = explain(bookedMinutes, price);
    quoteParts.push({
      date: part.day.date,
      bookedMinutes,
      units: { ...price.count },
      amount: price.cost * multiplier,
      explanation:
        parts.length > 1
          ? bothLangs((lang) => `${formatDate(part.day.start, zone, lang)}${lang === 'fr' ? ' : ' : ': '}${explanation[lang]}`)
          : explanation,
    });
  }

  const lines: QuoteLine[] = [];
  for (const k of ORDER) {
    const rate = rates[k];
    if (totals[k] === 0 || rate === undefined) continue;
    const qty = totals[k] * multiplier;
    lines.push({ itemCode: resource.itemCode, uom: uoms[k], qty, rate, amount: rate * qty });
  }
  const total = sumCents(lines.map((l) => l.amount));
  const bookedMinutes = quoteParts.reduce((sum, p) => sum + p.bookedMinutes, 0);

  const result: Quote = {
    itemCode: resource.itemCode,
    lines,
    total,
    deposit: percentOf(total, resource.depositPercent),
    bookedMinutes,
    parts: quoteParts,
    explanation: { fr: quoteParts.map((p) => p.explanation.fr).join(' ; '), en: quoteParts.map((p) => p.explanation.en).join('; ') },
  };
  const lastPart = parts[parts.length - 1];
  const hint = lastPart && lastPrice ? samePriceUntil(resource, lastPart, lastPrice, bookedMinutes, options) : undefined;
  return { ok: true, quote: hint ? { ...result, samePriceUntil: hint } : result };
}

/** How far the booking could be extended, slot by slot, without costing more. */
function samePriceUntil(
  resource: Resource,
  part: DayPart,
  price: PartPrice,
  bookedMinutes: number,
  options: QuoteOptions,
): ({ end: Instant } & Bilingual) | undefined {
  const last = part.booked[part.booked.length - 1];
  if (!last) return undefined;
  const window = weeklyWindows(resource, { start: last.end - 1, end: last.end }).find((w) => w.start < last.end && last.end <= w.end);
  let limit = Math.min(window?.end ?? last.end, options.extendableUntil ?? Infinity);
  if (resource.maxMinutes !== undefined) limit = Math.min(limit, last.end + (resource.maxMinutes - bookedMinutes) * MINUTE_MS);
  const slotMs = resource.slotMinutes * MINUTE_MS;
  let best: Instant | undefined;
  for (let until = last.end + slotMs; until <= limit; until += slotMs) {
    if (price.costUntil(until) > price.cost) break;
    best = until;
  }
  if (best === undefined) return undefined;
  const time = formatTime(best, resource.timeZone);
  return { end: best, fr: `Jusqu'à ${time} pour le même prix`, en: `Until ${time} for the same price` };
}
