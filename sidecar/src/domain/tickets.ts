import { z } from 'zod';
import { ticketReason, TICKET_UNITS, type TicketReason, type TicketUnit } from './tickets-reasons';
import { addDays, daysBetween, isLocalDate, zoneDay, type Instant, type LocalDate } from './time';

/**
 * The ticket-pack ledger (carnets de tickets).
 *
 * - Every movement is an entry with a signed whole number of tickets and a unique key (the ERP's
 *   `external_id`): writing the same entry twice counts once. Nothing is ever deleted: expiry and
 *   staff corrections are entries too.
 * - A **lot** is opened by a credit (a pack sold, a subscription period, an opening balance) or by a
 *   positive correction that names no lot. Its key is the key of the entry that opened it. Debits,
 *   refunds, returns (credit notes), expiries and corrections point at a lot by that key, so that
 *   every ticket keeps the expiry date it was sold with.
 * - A lot is valid **through the end of its `expiresOn` local day** in the place's zone (23, 24 or
 *   25 hours long): `expiresOn` is the payment date plus the pack's validity in days, and a lot
 *   without it never expires. Dates are compared as local dates, so no daylight-saving change can
 *   end a lot an hour early or late; `lotEndsAt` gives the instant when one is needed.
 * - The balance is the sum of the lots' remaining tickets. The fold below never lets a lot go
 *   below zero: an entry that would (which only a write bypassing the sidecar can produce) is
 *   applied as far as it goes and reported as an anomaly.
 */

export const LEDGER_ENTRY_TYPES = ['credit', 'debit', 'refund', 'expiry', 'correction', 'return'] as const;
/** The ERP's Select shows "Credit", "Debit", "Refund", "Expiry", "Correction", "Return". */
export type LedgerEntryType = (typeof LEDGER_ENTRY_TYPES)[number];

const nameSchema = z.string().trim().min(1);
export const localDateSchema = z.string().refine(isLocalDate, { error: 'expected a real date YYYY-MM-DD' });

export const ticketPackTypeSchema = z.object({
  /** The pack type's name in the ERP (Creneau Ticket Pack Type). */
  name: nameSchema,
  /** The Item whose sale credits the pack. */
  itemCode: nameSchema,
  /** A disabled pack is no longer sold; tickets already held stay usable and paid invoices are still credited. */
  enabled: z.boolean().default(true),
  ticketsPerPack: z.number().int().min(1),
  unit: z.enum(TICKET_UNITS),
  /** Days from the payment date to the last valid day; 0 means the tickets never expire. */
  validityDays: z.number().int().min(0),
  /** Whether tickets may pay for other units through the place's conversion factors. */
  allowConversion: z.boolean().default(false),
  /**
   * Where the tickets pay. Resources and item groups say what (empty both: every resource);
   * customer groups say who (empty: every member). Both must hold.
   */
  eligibility: z
    .object({
      resources: z.array(nameSchema).default([]),
      itemGroups: z.array(nameSchema).default([]),
      customerGroups: z.array(nameSchema).default([]),
    })
    .default({ resources: [], itemGroups: [], customerGroups: [] }),
});

export type TicketPackType = z.output<typeof ticketPackTypeSchema>;
export type TicketPackTypeInput = z.input<typeof ticketPackTypeSchema>;

export const ledgerEntrySchema = z
  .object({
    /** Unique: the ERP's external_id. */
    key: nameSchema,
    customer: nameSchema,
    packType: nameSchema,
    type: z.enum(LEDGER_ENTRY_TYPES),
    /** Signed whole tickets: positive adds to the balance. */
    quantity: z.number().int().refine((q) => q !== 0, { error: 'a ledger entry moves at least one ticket' }),
    postingDate: localDateSchema,
    /** Key of the entry that opened the lot this one draws on or gives back to. */
    lot: nameSchema.optional(),
    /** On an entry that opens a lot: its last valid day. Absent: never expires. */
    expiresOn: localDateSchema.optional(),
    salesInvoice: nameSchema.optional(),
    booking: nameSchema.optional(),
    reason: z.string().optional(),
  })
  .superRefine((e, ctx) => {
    const fail = (message: string) => ctx.addIssue({ code: 'custom', path: ['type'], message: `${e.type} entry ${e.key}: ${message}` });
    switch (e.type) {
      case 'credit':
        if (e.quantity < 0) fail('a credit adds tickets (a credit note is a return entry)');
        if (e.lot !== undefined) fail('a credit opens a lot of its own and points at none');
        break;
      case 'debit':
      case 'expiry':
      case 'return':
        if (e.quantity > 0) fail('takes tickets, so its quantity is negative');
        if (e.lot === undefined) fail('must name the lot it takes from');
        break;
      case 'refund':
        if (e.quantity < 0) fail('gives tickets back, so its quantity is positive');
        if (e.lot === undefined) fail('must name the lot it gives back to');
        break;
      case 'correction':
        break;
    }
    if (e.expiresOn !== undefined && !opensLot(e)) fail('only an entry that opens a lot carries an expiry date');
  });

export type LedgerEntry = z.output<typeof ledgerEntrySchema>;

/** A credit, or a positive correction naming no lot, opens a lot keyed by its own key. */
export function opensLot(entry: Pick<LedgerEntry, 'type' | 'quantity' | 'lot'>): boolean {
  return entry.lot === undefined && entry.quantity > 0 && (entry.type === 'credit' || entry.type === 'correction');
}

export interface Lot {
  readonly key: string;
  readonly customer: string;
  readonly packType: string;
  readonly openedOn: LocalDate;
  readonly expiresOn: LocalDate | undefined;
  /** Tickets the lot was opened with. */
  readonly opened: number;
  /** Tickets left after every entry against it. */
  readonly remaining: number;
  /** Whether an expiry entry has closed it. */
  readonly expired: boolean;
}

export type LedgerAnomaly =
  | { readonly kind: 'unknown_lot'; readonly entry: string; readonly lot: string }
  | { readonly kind: 'lot_mismatch'; readonly entry: string; readonly lot: string }
  /** Tickets given back to no lot: there is nowhere to put them. */
  | { readonly kind: 'no_lot'; readonly entry: string }
  /** The entry took more than the lot held: only what it held was taken. */
  | { readonly kind: 'overdrawn'; readonly entry: string; readonly lot: string; readonly missing: number }
  /** A correction naming no lot took more than every lot held. */
  | { readonly kind: 'uncovered'; readonly entry: string; readonly missing: number };

export interface TicketLedger {
  readonly lots: ReadonlyMap<string, Lot>;
  /** Every key seen: an entry whose key is here is already written. */
  readonly keys: ReadonlySet<string>;
  readonly anomalies: readonly LedgerAnomaly[];
}

type MutableLot = { -readonly [K in keyof Lot]: Lot[K] };

/** Earliest expiry first; lots that never expire last; then the older lot, then the key (stable). */
export function byExpiry(a: Pick<Lot, 'expiresOn' | 'openedOn' | 'key'>, b: Pick<Lot, 'expiresOn' | 'openedOn' | 'key'>): number {
  if (a.expiresOn !== b.expiresOn) {
    if (a.expiresOn === undefined) return 1;
    if (b.expiresOn === undefined) return -1;
    return a.expiresOn < b.expiresOn ? -1 : 1;
  }
  if (a.openedOn !== b.openedOn) return a.openedOn < b.openedOn ? -1 : 1;
  return a.key < b.key ? -1 : a.key > b.key ? 1 : 0;
}

/** The lots in the order tickets are taken from them. */
export function lotsByExpiry(lots: ReadonlyMap<string, Lot>): Lot[] {
  return [...lots.values()].sort(byExpiry);
}

/** Whether a lot can still be used on a local day (it is valid through the end of `expiresOn`). */
export function validOn(lot: Pick<Lot, 'expiresOn'>, date: LocalDate): boolean {
  return lot.expiresOn === undefined || date <= lot.expiresOn;
}

/** The instant a lot stops being valid: the end of its last local day in the place's zone. */
export function lotEndsAt(lot: Pick<Lot, 'expiresOn'>, zone: string): Instant | undefined {
  return lot.expiresOn === undefined ? undefined : zoneDay(zone, lot.expiresOn).end;
}

/**
 * Folds entries into lots. Duplicated keys count once (the first one). Lots are opened first,
 * whatever the order entries arrive in, so that a debit read before its credit still finds it;
 * the other entries apply in the order given (the ERP's creation order).
 */
export function ticketLedger(entries: readonly LedgerEntry[]): TicketLedger {
  const keys = new Set<string>();
  const unique: LedgerEntry[] = [];
  for (const entry of entries) {
    if (keys.has(entry.key)) continue;
    keys.add(entry.key);
    unique.push(entry);
  }
  const lots = new Map<string, MutableLot>();
  const anomalies: LedgerAnomaly[] = [];
  for (const entry of unique) {
    if (!opensLot(entry)) continue;
    lots.set(entry.key, {
      key: entry.key,
      customer: entry.customer,
      packType: entry.packType,
      openedOn: entry.postingDate,
      expiresOn: entry.expiresOn,
      opened: entry.quantity,
      remaining: entry.quantity,
      expired: false,
    });
  }
  for (const entry of unique) {
    if (opensLot(entry)) continue;
    if (entry.lot === undefined && entry.quantity > 0) {
      // Only a credit or a correction may add tickets without naming a lot (and then it opens one).
      anomalies.push({ kind: 'no_lot', entry: entry.key });
      continue;
    }
    if (entry.lot === undefined) {
      // A staff correction entered in the ERP without a lot: it takes from the member's lots of
      // that pack, valid on its date, earliest expiry first, as a debit would.
      let missing = -entry.quantity;
      const candidates = [...lots.values()]
        .filter((lot) => lot.customer === entry.customer && lot.packType === entry.packType && lot.remaining > 0 && validOn(lot, entry.postingDate))
        .sort(byExpiry);
      for (const lot of candidates) {
        const taken = Math.min(lot.remaining, missing);
        lot.remaining -= taken;
        missing -= taken;
        if (missing === 0) break;
      }
      if (missing > 0) anomalies.push({ kind: 'uncovered', entry: entry.key, missing });
      continue;
    }
    const lot = lots.get(entry.lot);
    if (!lot) {
      anomalies.push({ kind: 'unknown_lot', entry: entry.key, lot: entry.lot });
      continue;
    }
    if (lot.customer !== entry.customer || lot.packType !== entry.packType) {
      anomalies.push({ kind: 'lot_mismatch', entry: entry.key, lot: entry.lot });
      continue;
    }
    const next = lot.remaining + entry.quantity;
    if (next < 0) anomalies.push({ kind: 'overdrawn', entry: entry.key, lot: lot.key, missing: -next });
    lot.remaining = Math.max(0, next);
    if (entry.type === 'expiry') lot.expired = true;
  }
  return { lots, keys, anomalies };
}

/** The entries not yet in the ledger (by key): what writing `added` on top of `entries` really adds. */
export function newEntries(entries: readonly LedgerEntry[], added: readonly LedgerEntry[]): LedgerEntry[] {
  const keys = new Set(entries.map((e) => e.key));
  const fresh: LedgerEntry[] = [];
  for (const entry of added) {
    if (keys.has(entry.key)) continue;
    keys.add(entry.key);
    fresh.push(entry);
  }
  return fresh;
}

/** The ledger with `added` written: entries whose key is already there are left out. */
export function withEntries(entries: readonly LedgerEntry[], added: readonly LedgerEntry[]): LedgerEntry[] {
  return [...entries, ...newEntries(entries, added)];
}

// ---- balance ----

export interface ExpiryBucket {
  /** Last valid day; undefined: never expires. */
  readonly expiresOn: LocalDate | undefined;
  readonly tickets: number;
}

export interface PackBalance {
  readonly packType: string;
  /** Known when the pack types are handed in. */
  readonly unit: TicketUnit | undefined;
  /** Usable today. */
  readonly tickets: number;
  /** Earliest expiry first. */
  readonly byExpiry: readonly ExpiryBucket[];
  /** Tickets of lots past their last day that the daily expiry job has not closed yet (not usable). */
  readonly awaitingExpiry: number;
}

export interface TicketBalance {
  readonly customer: string | undefined;
  readonly packs: readonly PackBalance[];
}

/**
 * A member's balance on a local day, per pack type and per expiry date. Only lots still valid that
 * day count; once the expiry job has run, this is the plain sum of the ledger's quantities. Never
 * negative: lots never are.
 */
export function balance(entries: readonly LedgerEntry[], today: LocalDate, packTypes: readonly TicketPackType[] = []): TicketBalance {
  const customers = [...new Set(entries.map((e) => e.customer))];
  if (customers.length > 1) throw new RangeError(`a balance is one member's: the entries belong to ${customers.join(', ')}`);
  const unitOf = new Map(packTypes.map((p) => [p.name, p.unit]));
  const perPack = new Map<string, { tickets: number; awaiting: number; buckets: Map<LocalDate | undefined, number> }>();
  const lots = lotsByExpiry(ticketLedger(entries).lots);
  for (const lot of lots) {
    const pack = perPack.get(lot.packType) ?? { tickets: 0, awaiting: 0, buckets: new Map<LocalDate | undefined, number>() };
    perPack.set(lot.packType, pack);
    if (lot.remaining === 0) continue;
    if (!validOn(lot, today)) {
      pack.awaiting += lot.remaining;
      continue;
    }
    pack.tickets += lot.remaining;
    pack.buckets.set(lot.expiresOn, (pack.buckets.get(lot.expiresOn) ?? 0) + lot.remaining);
  }
  const packs = [...perPack.entries()]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([packType, pack]) => ({
      packType,
      unit: unitOf.get(packType),
      tickets: pack.tickets,
      byExpiry: [...pack.buckets.entries()].map(([expiresOn, tickets]) => ({ expiresOn, tickets })),
      awaitingExpiry: pack.awaiting,
    }));
  return { customer: customers[0], packs };
}

// ---- credits ----

/** The last valid day of tickets paid on `paidOn`: validity days later (never, for a validity of 0). */
export function expiryFor(packType: Pick<TicketPackType, 'validityDays'>, paidOn: LocalDate): LocalDate | undefined {
  return packType.validityDays > 0 ? addDays(paidOn, packType.validityDays) : undefined;
}

/** Item code → pack type. Two pack types sold by the same item would make a sale ambiguous. */
export function packTypesByItem(packTypes: readonly TicketPackType[]): Map<string, TicketPackType> {
  const byItem = new Map<string, TicketPackType>();
  for (const pack of packTypes) {
    const other = byItem.get(pack.itemCode);
    if (other) throw new RangeError(`pack types "${other.name}" and "${pack.name}" are both sold by item ${pack.itemCode}`);
    byItem.set(pack.itemCode, pack);
  }
  return byItem;
}

/** A Sales Invoice as far as tickets are concerned. */
export interface TicketInvoice {
  readonly name: string;
  readonly customer: string;
  /** Set on an invoice an ERP Subscription made, with the start of the period it bills (from_date). */
  readonly subscription?: string | undefined;
  readonly periodStart?: LocalDate | undefined;
  readonly lines: readonly TicketInvoiceLine[];
}

export interface TicketInvoiceLine {
  /** The Sales Invoice Item's name. */
  readonly name: string;
  readonly itemCode: string;
  /** Packs sold, in the item's stock unit (stock_qty; qty when the line's UOM is the stock UOM). Negative on a credit note. */
  readonly qty: number;
  /** On a credit note line: the original invoice line it returns (sales_invoice_item). */
  readonly salesInvoiceItem?: string | undefined;
}

export interface LineProblem extends Readonly<Record<'fr' | 'en', string>> {
  readonly line: string;
}

export interface CreditResult {
  readonly entries: readonly LedgerEntry[];
  /** Lines selling a pack that could not be credited, with why (for staff). */
  readonly problems: readonly LineProblem[];
}

export const creditKey = (invoice: string, line: string): string => `credit:${invoice}:${line}`;
export const subscriptionCreditKey = (subscription: string, periodStart: LocalDate, packType: string): string =>
  `subscription:${subscription}:${periodStart}:${packType}`;

/**
 * The credits a paid (or, by the place's setting, submitted) invoice gives: qty × tickets per pack
 * for each line selling a pack, expiring `validityDays` after `paidOn`, keyed per invoice line so
 * that seeing the invoice again credits nothing more. An invoice a Subscription made is keyed by
 * subscription and period start instead (its lines of one pack summed), so a period re-invoiced
 * after a cancellation is still credited once.
 */
export function creditsForInvoice(invoice: TicketInvoice, packTypes: readonly TicketPackType[], paidOn: LocalDate): CreditResult {
  const byItem = packTypesByItem(packTypes);
  const problems: LineProblem[] = [];
  const perSubscriptionPack = new Map<string, { pack: TicketPackType; tickets: number }>();
  const entries: LedgerEntry[] = [];
  const period =
    invoice.subscription !== undefined && invoice.periodStart !== undefined
      ? { subscription: invoice.subscription, start: invoice.periodStart }
      : undefined;
  for (const line of invoice.lines) {
    const pack = byItem.get(line.itemCode);
    if (!pack) continue;
    if (!Number.isInteger(line.qty) || line.qty <= 0) {
      problems.push({
        line: line.name,
        fr: `Ligne ${line.name} : ${line.qty} carnet(s) « ${pack.name} » — seul un nombre entier positif de carnets peut être crédité`,
        en: `Line ${line.name}: ${line.qty} pack(s) "${pack.name}" — only a positive whole number of packs can be credited`,
      });
      continue;
    }
    const tickets = line.qty * pack.ticketsPerPack;
    if (period) {
      const sum = perSubscriptionPack.get(pack.name) ?? { pack, tickets: 0 };
      sum.tickets += tickets;
      perSubscriptionPack.set(pack.name, sum);
      continue;
    }
    entries.push(creditEntry(creditKey(invoice.name, line.name), invoice, pack, tickets, paidOn));
  }
  for (const { pack, tickets } of perSubscriptionPack.values()) {
    if (period) entries.push(creditEntry(subscriptionCreditKey(period.subscription, period.start, pack.name), invoice, pack, tickets, paidOn));
  }
  return { entries, problems };
}

function creditEntry(key: string, invoice: TicketInvoice, pack: TicketPackType, tickets: number, paidOn: LocalDate): LedgerEntry {
  const expiresOn = expiryFor(pack, paidOn);
  return {
    key,
    customer: invoice.customer,
    packType: pack.name,
    type: 'credit',
    quantity: tickets,
    postingDate: paidOn,
    salesInvoice: invoice.name,
    ...(expiresOn === undefined ? {} : { expiresOn }),
  };
}

export interface CreditNote extends TicketInvoice {
  /** The invoice it returns (return_against). */
  readonly returnAgainst: string;
}

export interface ReturnOutcome {
  readonly line: string;
  readonly lot: string | undefined;
  /** Tickets the credit note pays back. */
  readonly requested: number;
  /** Tickets taken out of the lot: what was left unused of them. */
  readonly removed: number;
  /** Tickets already used, expired or taken back before: the lot cannot give them, staff decide. */
  readonly notReclaimed: number;
}

export interface ReturnResult {
  readonly entries: readonly LedgerEntry[];
  readonly outcomes: readonly ReturnOutcome[];
}

export const returnKey = (creditNote: string, line: string): string => `return:${creditNote}:${line}`;

/**
 * A credit note (return Sales Invoice) against a pack sale takes back the tickets it pays for from
 * the lot that sale opened, but only those still unused: the lot goes down to zero at most, never
 * below. What the lot can no longer give (tickets already used or expired) is reported as
 * `notReclaimed`, for staff to bill or let go; the ledger stays as it is for those.
 */
export function returnsForCreditNote(
  entries: readonly LedgerEntry[],
  packTypes: readonly TicketPackType[],
  creditNote: CreditNote,
  today: LocalDate,
): ReturnResult {
  const byItem = packTypesByItem(packTypes);
  const { lots, keys } = ticketLedger(entries);
  const taken = new Map<string, number>();
  const out: LedgerEntry[] = [];
  const outcomes: ReturnOutcome[] = [];
  for (const line of creditNote.lines) {
    const pack = byItem.get(line.itemCode);
    if (!pack || line.qty >= 0) continue;
    // A fraction of a pack returned gives back the whole tickets it pays for, rounded down.
    const requested = Math.floor(-line.qty * pack.ticketsPerPack);
    const key = returnKey(creditNote.name, line.name);
    const lot = findSoldLot(lots, creditNote, pack, line);
    if (keys.has(key)) {
      // Already written: report it again as it was, and count it as taken.
      const written = entries.find((e) => e.key === key);
      const removed = written ? -written.quantity : 0;
      outcomes.push({ line: line.name, lot: lot?.key, requested, removed, notReclaimed: requested - removed });
      continue;
    }
    if (!lot) {
      outcomes.push({ line: line.name, lot: undefined, requested, removed: 0, notReclaimed: requested });
      continue;
    }
    const left = validOn(lot, today) ? lot.remaining - (taken.get(lot.key) ?? 0) : 0;
    const removed = Math.max(0, Math.min(requested, left));
    if (removed > 0) {
      taken.set(lot.key, (taken.get(lot.key) ?? 0) + removed);
      out.push({
        key,
        customer: lot.customer,
        packType: lot.packType,
        type: 'return',
        quantity: -removed,
        postingDate: today,
        lot: lot.key,
        salesInvoice: creditNote.name,
      });
    }
    outcomes.push({ line: line.name, lot: lot.key, requested, removed, notReclaimed: requested - removed });
  }
  return { entries: out, outcomes };
}

function findSoldLot(lots: ReadonlyMap<string, Lot>, creditNote: CreditNote, pack: TicketPackType, line: TicketInvoiceLine): Lot | undefined {
  if (line.salesInvoiceItem !== undefined) {
    const lot = lots.get(creditKey(creditNote.returnAgainst, line.salesInvoiceItem));
    if (lot) return lot;
  }
  if (creditNote.subscription !== undefined && creditNote.periodStart !== undefined) {
    const lot = lots.get(subscriptionCreditKey(creditNote.subscription, creditNote.periodStart, pack.name));
    if (lot) return lot;
  }
  // A return typed by hand without the original line: the lot that invoice opened for this pack.
  const prefix = creditKey(creditNote.returnAgainst, '');
  return [...lots.values()].find((lot) => lot.key.startsWith(prefix) && lot.packType === pack.name && lot.customer === creditNote.customer);
}

// ---- expiry and reminders ----

export const expiryKey = (lot: string): string => `expiry:${lot}`;

/**
 * For each lot past its last day with tickets left, one expiry entry taking them (never a
 * deletion). Keyed per lot, so a job run twice writes once. It is dated the day after the lot's
 * last day, when the tickets stopped being valid, whenever the job runs.
 */
export function expiryEntries(entries: readonly LedgerEntry[], today: LocalDate): LedgerEntry[] {
  const { lots, keys } = ticketLedger(entries);
  const out: LedgerEntry[] = [];
  for (const lot of lotsByExpiry(lots)) {
    if (lot.expiresOn === undefined || validOn(lot, today) || lot.remaining === 0) continue;
    const key = expiryKey(lot.key);
    if (keys.has(key)) continue;
    out.push({
      key,
      customer: lot.customer,
      packType: lot.packType,
      type: 'expiry',
      quantity: -lot.remaining,
      postingDate: addDays(lot.expiresOn, 1),
      lot: lot.key,
    });
  }
  return out;
}

export interface ExpiryReminder {
  /** Send once: a reminder whose key was already sent is not due again. */
  readonly key: string;
  readonly customer: string;
  readonly packType: string;
  readonly lot: string;
  readonly expiresOn: LocalDate;
  readonly tickets: number;
  /** Days left including today (1 on the last day). */
  readonly daysLeft: number;
}

export const reminderKey = (lot: string): string => `reminder:${lot}`;

/** Lots with tickets left whose last day is within `daysBefore` days of today, each reminded once. */
export function remindersDue(
  entries: readonly LedgerEntry[],
  today: LocalDate,
  daysBefore: number,
  sent: ReadonlySet<string> = new Set(),
): ExpiryReminder[] {
  if (!Number.isInteger(daysBefore) || daysBefore < 0) throw new RangeError(`daysBefore must be a whole number of days, got ${daysBefore}`);
  const out: ExpiryReminder[] = [];
  for (const lot of lotsByExpiry(ticketLedger(entries).lots)) {
    if (lot.expiresOn === undefined || lot.remaining === 0 || !validOn(lot, today)) continue;
    const until = daysBetween(today, lot.expiresOn);
    if (until > daysBefore) continue;
    const key = reminderKey(lot.key);
    if (sent.has(key)) continue;
    out.push({ key, customer: lot.customer, packType: lot.packType, lot: lot.key, expiresOn: lot.expiresOn, tickets: lot.remaining, daysLeft: until + 1 });
  }
  return out;
}

// ---- staff corrections ----

export interface CorrectionRequest {
  /** Unique key of the correction (the sidecar's id for it). */
  readonly key: string;
  readonly customer: string;
  readonly packType: string;
  /** Signed whole tickets. */
  readonly quantity: number;
  /** The lot it adjusts. Without one, a positive correction opens a lot, a negative one takes from the lots earliest expiry first. */
  readonly lot?: string | undefined;
  /** For a positive correction opening a lot: its last valid day (none: never expires). */
  readonly expiresOn?: LocalDate | undefined;
  readonly reason: string;
}

export type CorrectionResult =
  | { readonly ok: true; readonly entries: readonly LedgerEntry[] }
  | { readonly ok: false; readonly reason: TicketReason };

/**
 * A staff correction as adjusting entries: positive or negative, on a lot or not. A negative one
 * larger than what it would take from (the lot, or the member's valid lots of that pack) is refused.
 * Taking from several lots writes one entry per lot, keyed `<key>:<lot>`.
 */
export function correctionEntries(
  entries: readonly LedgerEntry[],
  packTypes: readonly TicketPackType[],
  request: CorrectionRequest,
  today: LocalDate,
): CorrectionResult {
  if (!Number.isInteger(request.quantity) || request.quantity === 0) {
    throw new RangeError(`a correction moves a whole number of tickets other than 0, got ${request.quantity}`);
  }
  if (!packTypes.some((p) => p.name === request.packType)) {
    return { ok: false, reason: ticketReason('UNKNOWN_PACK_TYPE', { packType: request.packType }) };
  }
  const existing = writtenFor(entries, request.key);
  if (existing.length > 0) return { ok: true, entries: existing };
  const { lots } = ticketLedger(entries);
  const base = { customer: request.customer, packType: request.packType, type: 'correction' as const, postingDate: today, reason: request.reason };
  if (request.lot !== undefined) {
    const lot = lots.get(request.lot);
    if (!lot) return { ok: false, reason: ticketReason('UNKNOWN_LOT', { lot: request.lot }) };
    if (lot.customer !== request.customer || lot.packType !== request.packType) {
      return { ok: false, reason: ticketReason('LOT_MISMATCH', { lot: lot.key, customer: request.customer, packType: request.packType }) };
    }
    if (!validOn(lot, today) && lot.expiresOn !== undefined) {
      return { ok: false, reason: ticketReason('LOT_EXPIRED', { lot: lot.key, expiresOn: lot.expiresOn }) };
    }
    if (-request.quantity > lot.remaining) {
      return {
        ok: false,
        reason: ticketReason('CORRECTION_EXCEEDS_BALANCE', { packType: request.packType, requested: -request.quantity, available: lot.remaining, lot: lot.key }),
      };
    }
    return { ok: true, entries: [{ ...base, key: request.key, quantity: request.quantity, lot: lot.key }] };
  }
  if (request.quantity > 0) {
    return {
      ok: true,
      entries: [{ ...base, key: request.key, quantity: request.quantity, ...(request.expiresOn === undefined ? {} : { expiresOn: request.expiresOn }) }],
    };
  }
  const usable = [...lots.values()]
    .filter((lot) => lot.customer === request.customer && lot.packType === request.packType && lot.remaining > 0 && validOn(lot, today))
    .sort(byExpiry);
  const available = usable.reduce((sum, lot) => sum + lot.remaining, 0);
  let missing = -request.quantity;
  if (missing > available) {
    return { ok: false, reason: ticketReason('CORRECTION_EXCEEDS_BALANCE', { packType: request.packType, requested: missing, available, lot: undefined }) };
  }
  const out: LedgerEntry[] = [];
  for (const lot of usable) {
    const taken = Math.min(lot.remaining, missing);
    out.push({ ...base, key: `${request.key}:${lot.key}`, quantity: -taken, lot: lot.key });
    missing -= taken;
    if (missing === 0) break;
  }
  return { ok: true, entries: out };
}

/**
 * The entries an operation already wrote: the one keyed `operation`, or those keyed
 * `<operation>:<lot>` when it drew on several lots. Seeing them, an operation writes nothing new
 * (recomputing it on the changed ledger could pick other lots, hence other keys).
 */
export function writtenFor(entries: readonly LedgerEntry[], operation: string): LedgerEntry[] {
  const prefix = `${operation}:`;
  return entries.filter((e) => e.key === operation || e.key.startsWith(prefix));
}
