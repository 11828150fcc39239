import { z } from 'zod';
import { fromSelectOption, toSelectOption } from '../addon/select-values';
import { childTable, clockFromTime, ErpValueError, flag, textOf } from '../catalog/erp-values';
import {
  DEFAULT_TICKET_SETTINGS,
  LEDGER_ENTRY_TYPES,
  ledgerEntrySchema,
  opensLot,
  ticketPackTypeSchema,
  type CreditNote,
  type LedgerEntry,
  type LedgerEntryType,
  type LocalDate,
  type TicketInvoice,
  type TicketPackType,
  type UnitFactors,
} from '../domain';
import type { DocValues } from '../erp';

/**
 * The ticket ledger as the ERP holds it, and back: Creneau Ticket Ledger Entry ⇄ the domain's
 * LedgerEntry, Creneau Ticket Pack Type → TicketPackType, the ticket fields of Creneau Settings,
 * and a Sales Invoice as far as tickets are concerned. Pure mapping: no ERP call here.
 */

export const LEDGER_DOCTYPE = 'Creneau Ticket Ledger Entry';
export const PACK_TYPE_DOCTYPE = 'Creneau Ticket Pack Type';
export const BALANCE_DOCTYPE = 'Creneau Ticket Balance';

/** What the ERP's Data fields `external_id` and `lot` hold (their `length` in the DocType). */
export const MAX_KEY_LENGTH = 255;

/** A ledger key too long for the ERP (a customer or pack name of hundreds of characters). */
export class TicketKeyTooLongError extends Error {
  override readonly name = 'TicketKeyTooLongError';
}

export function checkKeyLength(entry: Pick<LedgerEntry, 'key' | 'lot' | 'customer'>): void {
  for (const key of [entry.key, entry.lot ?? '']) {
    if (key.length > MAX_KEY_LENGTH) {
      throw new TicketKeyTooLongError(
        `ticket entry key of ${key.length} characters for customer "${entry.customer}": the ERP's External ID holds ${MAX_KEY_LENGTH} (shorten the customer or pack type name)`,
      );
    }
  }
}

const text = z.string().nullish();

// ---------------------------------------------------------------------------------------------
// Ledger entries

export const ledgerDocSchema = z.looseObject({
  name: z.string().min(1),
  docstatus: z.number().int(),
  customer: z.string().min(1),
  pack_type: z.string().min(1),
  entry_type: z.string().min(1),
  quantity: z.number(),
  posting_date: z.string().min(1),
  expires_on: text,
  against_entry: text,
  lot: text,
  sales_invoice: text,
  booking: text,
  external_id: text,
  reason: text,
  modified: text,
  creation: text,
});
export type LedgerDoc = z.infer<typeof ledgerDocSchema>;

/** The fields a list asks for are those the schema checks, so that one cannot lag behind the other. */
export const LEDGER_FIELDS: readonly string[] = Object.keys(ledgerDocSchema.shape);

/** An entry typed in the desk has no external id: its key is its ERP name, which never changes. */
export const erpKey = (name: string): string => `erp:${name}`;

export const keyOfDoc = (doc: Pick<LedgerDoc, 'name' | 'external_id'>): string => textOf(doc.external_id) ?? erpKey(doc.name);

const ENTRY_TYPES = new Set<string>(LEDGER_ENTRY_TYPES);

export interface DocLinks {
  /** ERP name → key, for the lot an entry's Against Entry names. */
  keyOfName(name: string): string | undefined;
  /** Creneau Booking name → Créneau's booking id. */
  bookingIdOf(name: string): string | undefined;
}

/** The booking id inside keys `debit:<booking>:<lot>` and `refund:<booking>:<lot>` (booking ids hold no ':'). */
export function bookingIdInKey(key: string): string | undefined {
  const match = /^(?:debit|refund):([^:]+):/.exec(key);
  return match?.[1];
}

export type MappedEntry = { ok: true; entry: LedgerEntry; erpName: string } | { ok: false; erpName: string; error: string };

/**
 * A submitted ledger entry of the ERP as the domain's entry. The lot is the entry's Lot (the key
 * the sidecar wrote), else the key of the entry its Against Entry names (a correction typed in the
 * desk). An entry the domain cannot take (a fraction of a ticket, a debit adding tickets) is
 * reported, not guessed at.
 */
export function entryFromDoc(doc: LedgerDoc, links: DocLinks): MappedEntry {
  const key = keyOfDoc(doc);
  const type = fromSelectOption(doc.entry_type);
  if (!ENTRY_TYPES.has(type)) return { ok: false, erpName: doc.name, error: `entry type "${doc.entry_type}" is not one of ${LEDGER_ENTRY_TYPES.map(toSelectOption).join(', ')}` };
  if (!Number.isInteger(doc.quantity) || doc.quantity === 0) {
    return { ok: false, erpName: doc.name, error: `quantity ${String(doc.quantity)} is not a whole number of tickets other than 0` };
  }
  const against = doc.against_entry?.trim();
  const lot = textOf(doc.lot) ?? (against ? (links.keyOfName(against) ?? erpKey(against)) : undefined);
  const bookingName = doc.booking?.trim();
  const booking = (bookingName ? links.bookingIdOf(bookingName) : undefined) ?? bookingIdInKey(key);
  const candidate = {
    key,
    customer: doc.customer,
    packType: doc.pack_type,
    type: type as LedgerEntryType,
    quantity: doc.quantity,
    postingDate: doc.posting_date,
    // A credit opens its own lot whatever a form says; only an entry that opens a lot keeps an expiry.
    ...(lot !== undefined && type !== 'credit' ? { lot } : {}),
    ...(doc.sales_invoice?.trim() ? { salesInvoice: doc.sales_invoice.trim() } : {}),
    ...(booking ? { booking } : {}),
    ...(doc.reason?.trim() ? { reason: doc.reason.trim() } : {}),
  };
  const expiresOn = doc.expires_on?.trim();
  const withExpiry = expiresOn && opensLot(candidate) ? { ...candidate, expiresOn } : candidate;
  const parsed = ledgerEntrySchema.safeParse(withExpiry);
  if (!parsed.success) return { ok: false, erpName: doc.name, error: parsed.error.issues.map((issue) => issue.message).join('; ') };
  return { ok: true, entry: parsed.data, erpName: doc.name };
}

/** What is written to the ERP for an entry: submitted in the same request (docstatus 1). */
export function docValuesOf(entry: LedgerEntry, links: { againstEntry?: string | undefined; booking?: string | undefined; reason?: string | undefined }): DocValues {
  checkKeyLength(entry);
  const reason = links.reason ?? entry.reason;
  return {
    docstatus: 1,
    customer: entry.customer,
    pack_type: entry.packType,
    entry_type: toSelectOption(entry.type),
    quantity: entry.quantity,
    posting_date: entry.postingDate,
    external_id: entry.key,
    ...(entry.expiresOn ? { expires_on: entry.expiresOn } : {}),
    ...(entry.lot ? { lot: entry.lot } : {}),
    ...(links.againstEntry ? { against_entry: links.againstEntry } : {}),
    ...(entry.salesInvoice ? { sales_invoice: entry.salesInvoice } : {}),
    ...(links.booking ? { booking: links.booking } : {}),
    ...(reason ? { reason } : {}),
  };
}

// ---------------------------------------------------------------------------------------------
// Pack types

export const packTypeDocSchema = z.looseObject({
  name: z.string().min(1),
  item: z.string().nullish(),
  enabled: z.unknown().optional(),
  tickets_per_pack: z.unknown().optional(),
  ticket_unit: z.string().nullish(),
  validity_days: z.unknown().optional(),
  allow_conversion: z.unknown().optional(),
  eligibility: childTable(z.looseObject({ applies_to: text, resource: text, item_group: text, customer_group: text })),
});
export type PackTypeDoc = z.infer<typeof packTypeDocSchema>;

export type Mapped<T> = { ok: true; value: T } | { ok: false; error: string };

export function packTypeFromDoc(doc: PackTypeDoc): Mapped<TicketPackType> {
  const resources: string[] = [];
  const itemGroups: string[] = [];
  const customerGroups: string[] = [];
  for (const row of doc.eligibility) {
    const appliesTo = row.applies_to ?? 'Resource';
    if (appliesTo === 'Resource' && row.resource) resources.push(row.resource);
    else if (appliesTo === 'Item Group' && row.item_group) itemGroups.push(row.item_group);
    else if (appliesTo === 'Customer Group' && row.customer_group) customerGroups.push(row.customer_group);
  }
  const parsed = ticketPackTypeSchema.safeParse({
    name: doc.name,
    itemCode: doc.item ?? '',
    enabled: doc.enabled === undefined || doc.enabled === null ? true : flag(doc.enabled),
    ticketsPerPack: Number(doc.tickets_per_pack ?? 0),
    unit: fromSelectOption(doc.ticket_unit ?? 'Hour'),
    validityDays: Number(doc.validity_days ?? 0),
    allowConversion: flag(doc.allow_conversion),
    eligibility: { resources, itemGroups, customerGroups },
  });
  if (!parsed.success) {
    return { ok: false, error: `pack type "${doc.name}": ${parsed.error.issues.map((issue) => `${issue.path.join('.') || 'value'}: ${issue.message}`).join('; ')}` };
  }
  return { ok: true, value: parsed.data };
}

// ---------------------------------------------------------------------------------------------
// Creneau Settings: the ticket fields

export const ticketSettingsDocSchema = z.looseObject({
  ticket_credit_on: text,
  ticket_reminder_days: z.unknown().optional(),
  ticket_check_in_half_day_from: text,
});

export type CreditOn = 'payment' | 'submission';

export interface PlaceTicketSettings {
  readonly creditOn: CreditOn;
  /** 0: no reminder. */
  readonly reminderDays: number;
  readonly checkInHalfDayFrom: string;
}

export const DEFAULT_PLACE_TICKET_SETTINGS: PlaceTicketSettings = { creditOn: 'payment', reminderDays: 14, checkInHalfDayFrom: DEFAULT_TICKET_SETTINGS.checkInHalfDayFrom };

/** The settings, and what was wrong in them (a wrong value falls back to its default, said once in the log). */
export function ticketSettingsFromDoc(doc: z.infer<typeof ticketSettingsDocSchema>): { settings: PlaceTicketSettings; errors: string[] } {
  const errors: string[] = [];
  const creditOn = doc.ticket_credit_on?.trim() ? fromSelectOption(doc.ticket_credit_on) : 'payment';
  if (creditOn !== 'payment' && creditOn !== 'submission') errors.push(`Creneau Settings: Credit Tickets On "${String(doc.ticket_credit_on)}" is neither Payment nor Submission; Payment applies`);
  let reminderDays = DEFAULT_PLACE_TICKET_SETTINGS.reminderDays;
  const days = doc.ticket_reminder_days;
  if (days !== undefined && days !== null && days !== '') {
    const number = Number(days);
    if (Number.isInteger(number) && number >= 0) reminderDays = number;
    else errors.push(`Creneau Settings: Expiry Reminder (Days Before) must be a whole number of days, got ${JSON.stringify(days)}`);
  }
  let checkInHalfDayFrom = DEFAULT_PLACE_TICKET_SETTINGS.checkInHalfDayFrom;
  if (doc.ticket_check_in_half_day_from?.trim()) {
    try {
      checkInHalfDayFrom = clockFromTime(doc.ticket_check_in_half_day_from, 'Creneau Settings: Check-in Without Booking: Half Day From');
    } catch (error) {
      if (!(error instanceof ErpValueError)) throw error;
      errors.push(error.message);
    }
  }
  return { settings: { creditOn: creditOn === 'submission' ? 'submission' : 'payment', reminderDays, checkInHalfDayFrom }, errors };
}

/** UOM Conversion Factor rows → the Hour tickets in a Half Day and a Day (defaults where the site has none). */
export function unitFactorsFrom(rows: readonly { from_uom?: string | null; to_uom?: string | null; value?: number | null }[], uoms: { hour: string; halfDay: string; day: string }, fallback: UnitFactors): UnitFactors {
  const find = (from: string): number | undefined => {
    const row = rows.find((r) => r.from_uom === from && r.to_uom === uoms.hour);
    return row?.value !== undefined && row.value !== null && Number.isInteger(row.value) && row.value >= 1 ? row.value : undefined;
  };
  return { halfDay: find(uoms.halfDay) ?? fallback.halfDay, day: find(uoms.day) ?? fallback.day };
}

// ---------------------------------------------------------------------------------------------
// Sales Invoices

export const invoiceDocSchema = z.looseObject({
  name: z.string().min(1),
  docstatus: z.number().int(),
  customer: z.string().min(1),
  status: text,
  posting_date: z.string().min(1),
  outstanding_amount: z.number().nullish(),
  is_return: z.unknown().optional(),
  return_against: text,
  subscription: text,
  from_date: text,
  items: childTable(
    z.looseObject({
      name: z.string().min(1),
      item_code: z.string().nullish(),
      qty: z.number().nullish(),
      stock_qty: z.number().nullish(),
      sales_invoice_item: text,
    }),
  ),
});
export type InvoiceDoc = z.infer<typeof invoiceDocSchema>;

export type InvoiceForTickets =
  | { readonly kind: 'sale'; readonly invoice: TicketInvoice; readonly docstatus: number; readonly paid: boolean; readonly postingDate: LocalDate }
  | { readonly kind: 'credit_note'; readonly creditNote: CreditNote; readonly docstatus: number; readonly postingDate: LocalDate };

/**
 * An invoice as the ledger sees it. Packs are counted in the item's stock unit (`stock_qty`),
 * which is `qty` when the line is sold in that unit. Paid means nothing is outstanding any more
 * (ERPNext's "Paid", and a fully paid invoice whose status a later credit note changed).
 */
export function invoiceForTickets(doc: InvoiceDoc): InvoiceForTickets {
  const lines = doc.items.map((row) => ({
    name: row.name,
    itemCode: row.item_code ?? '',
    qty: row.stock_qty ?? row.qty ?? 0,
    ...(row.sales_invoice_item ? { salesInvoiceItem: row.sales_invoice_item } : {}),
  }));
  const base = {
    name: doc.name,
    customer: doc.customer,
    lines,
    ...(doc.subscription ? { subscription: doc.subscription } : {}),
    ...(doc.subscription && doc.from_date ? { periodStart: doc.from_date } : {}),
  };
  if (flag(doc.is_return) && doc.return_against) {
    return { kind: 'credit_note', creditNote: { ...base, returnAgainst: doc.return_against }, docstatus: doc.docstatus, postingDate: doc.posting_date };
  }
  const outstanding = doc.outstanding_amount ?? undefined;
  const paid = doc.docstatus === 1 && (doc.status === 'Paid' || (outstanding !== undefined && outstanding <= 0));
  return { kind: 'sale', invoice: base, docstatus: doc.docstatus, paid, postingDate: doc.posting_date };
}
