import { daysBetween, formatDate, formatTime, isLocalDate, percentOf, zoneDay, type Bilingual, type Cents, type Instant, type LocalDate } from '../domain';

/**
 * The money flows' decisions, as pure functions of what was read from the ERP and the index: which lines an invoice
 * carries, how a credit note makes an exact amount out of an invoice's rows, what a machine's final bill changes,
 * which month a post-paid run bills, whether a payment covers what was asked. No I/O, no clock: "today" is an argument.
 */

/** A billed line in the quote's terms: rate in cents, a whole or decimal quantity of an ERP UOM. */
export interface Line {
  readonly itemCode: string;
  readonly uom: string;
  readonly qty: number;
  readonly rate: Cents;
}

/** An invoice row as the ERP holds it (its `name` is what a credit note's `sales_invoice_item` names). */
export interface InvoiceRow extends Line {
  readonly rowName: string;
}

/** A credit note row: returns `qty` of the invoice row `rowName` at `rate` (never above the row's own rate). */
export interface CreditRow {
  readonly rowName: string;
  readonly itemCode: string;
  readonly uom: string;
  readonly qty: number;
  readonly rate: Cents;
}

export class CreditPlanError extends Error {
  override readonly name = 'CreditPlanError';
}

const lineKey = (line: Pick<Line, 'itemCode' | 'uom' | 'rate'>): string => `${line.itemCode}\u0000${line.uom}\u0000${String(line.rate)}`;

/** rate × qty in cents, exact for the whole and decimal quantities an invoice holds (qty up to 3 decimals). */
export function amountOf(line: Pick<Line, 'qty' | 'rate'>): Cents {
  const thousandths = Math.round(line.qty * 1000);
  const scaled = line.rate * thousandths;
  // Half up, as the ERP rounds a row amount to the cent.
  return Math.sign(scaled) * Math.floor((Math.abs(scaled) + 500) / 1000);
}

/**
 * Credit note rows worth exactly `amount` cents, taken from the invoice's rows in order. ERPNext refuses a
 * returned row whose rate is above the original's or whose quantity is more than was sold, so each row gives
 * whole units at its own rate, and the odd cents one unit at a lower rate: 45.00 out of 3 h at 30.00 is one
 * hour at 30.00 and one at 15.00. Throws when the rows cannot make the amount (more than they are worth).
 */
export function creditRows(rows: readonly InvoiceRow[], amount: Cents): CreditRow[] {
  if (!Number.isSafeInteger(amount) || amount < 0) throw new CreditPlanError(`a credit must be whole cents of at least 0, got ${String(amount)}`);
  const credit: CreditRow[] = [];
  let remaining = amount;
  for (const row of rows) {
    if (remaining === 0) break;
    if (row.rate <= 0 || row.qty <= 0) continue;
    const worth = amountOf(row);
    let take = Math.min(remaining, worth);
    const units = Math.floor(take / row.rate);
    let rest = take - units * row.rate;
    // A row of 1.5 units has no room for a second, partial unit after the first: its odd cents go to the next row.
    if (rest > 0 && units + 1 > row.qty) {
      take -= rest;
      rest = 0;
    }
    const base = { rowName: row.rowName, itemCode: row.itemCode, uom: row.uom };
    if (units > 0) credit.push({ ...base, qty: units, rate: row.rate });
    if (rest > 0) credit.push({ ...base, qty: 1, rate: rest });
    remaining -= take;
  }
  if (remaining > 0) {
    throw new CreditPlanError(`the invoice rows cannot make a credit of ${String(amount)} cents exactly (${String(remaining)} cents left over)`);
  }
  return credit;
}

/** Quantities per (item, UOM, rate): what a set of rows bills, credit note rows counting negative. */
function billedQuantities(lines: readonly Line[]): Map<string, Line> {
  const out = new Map<string, Line>();
  for (const line of lines) {
    const key = lineKey(line);
    const seen = out.get(key);
    const qty = Math.round(((seen?.qty ?? 0) + line.qty) * 1000) / 1000;
    out.set(key, { itemCode: line.itemCode, uom: line.uom, rate: line.rate, qty });
  }
  return out;
}

export interface Adjustment {
  /** Billed and not used: to credit. */
  readonly remove: readonly Line[];
  /** Used and not billed: to invoice. */
  readonly add: readonly Line[];
}

/** What turns the lines billed into the lines of the time used (a machine's final bill). Empty when they agree. */
export function adjustment(billed: readonly Line[], used: readonly Line[]): Adjustment {
  const have = billedQuantities(billed);
  const want = billedQuantities(used);
  const remove: Line[] = [];
  const add: Line[] = [];
  for (const key of new Set([...have.keys(), ...want.keys()])) {
    const h = have.get(key);
    const w = want.get(key);
    const base = h ?? w;
    if (!base) continue;
    const diff = Math.round(((w?.qty ?? 0) - (h?.qty ?? 0)) * 1000) / 1000;
    if (diff > 0) add.push({ itemCode: base.itemCode, uom: base.uom, rate: base.rate, qty: diff });
    if (diff < 0) remove.push({ itemCode: base.itemCode, uom: base.uom, rate: base.rate, qty: -diff });
  }
  return { remove, add };
}

/** Credit note rows returning `remove` from the invoice rows that sold them (same item, UOM and rate). */
export function returnRows(rows: readonly InvoiceRow[], remove: readonly Line[]): CreditRow[] {
  const out: CreditRow[] = [];
  for (const line of remove) {
    let left = line.qty;
    for (const row of rows) {
      if (left <= 0) break;
      if (lineKey(row) !== lineKey(line) || row.qty <= 0) continue;
      const qty = Math.min(left, row.qty);
      out.push({ rowName: row.rowName, itemCode: row.itemCode, uom: row.uom, qty, rate: row.rate });
      left = Math.round((left - qty) * 1000) / 1000;
    }
    if (left > 0) throw new CreditPlanError(`the invoice has no ${line.uom} of ${line.itemCode} at ${String(line.rate)} cents left to credit`);
  }
  return out;
}

/** Whether two sets of lines bill the same (order aside). */
export function sameLines(a: readonly Line[], b: readonly Line[]): boolean {
  const diff = adjustment(a, b);
  return diff.add.length === 0 && diff.remove.length === 0;
}

// ---------------------------------------------------------------------------------------------
// Payments

export type BilledMode = 'online' | 'on_site' | 'deposit';

/**
 * What must be paid on the booking's invoice before the booking is confirmed: all of it, or for a deposit its
 * percentage of the ERP's total (taxes included: the ERP's figure, the domain's rounding).
 */
export function requiredNow(mode: BilledMode, invoiceTotal: Cents, depositPercent: number): Cents {
  return mode === 'deposit' ? percentOf(invoiceTotal, depositPercent) : invoiceTotal;
}

/** Paid on an invoice so far: its total less what is still outstanding. */
export function paidOn(invoice: { total: Cents; outstanding: Cents }): Cents {
  return invoice.total - invoice.outstanding;
}

/** Whether the payments recorded on the invoice cover what the booking waits for. */
export function covers(invoice: { total: Cents; outstanding: Cents }, required: Cents): boolean {
  return required > 0 && paidOn(invoice) >= required;
}

// ---------------------------------------------------------------------------------------------
// Post-paid months

const MONTH = /^(\d{4})-(0[1-9]|1[0-2])$/;

export function isMonth(text: string): boolean {
  return MONTH.test(text);
}

function monthOf(date: LocalDate): string {
  return date.slice(0, 7);
}

function shiftMonth(month: string, by: number): string {
  const match = MONTH.exec(month);
  if (!match) throw new RangeError(`"${month}" is not a month YYYY-MM`);
  const index = Number(match[1]) * 12 + Number(match[2]) - 1 + by;
  const year = Math.floor(index / 12);
  return `${String(year)}-${String(index - year * 12 + 1).padStart(2, '0')}`;
}

export function previousMonth(month: string): string {
  return shiftMonth(month, -1);
}

export function nextMonth(month: string): string {
  return shiftMonth(month, 1);
}

function daysIn(month: string): number {
  return daysBetween(`${month}-01`, `${nextMonth(month)}-01`);
}

/**
 * The month a post-paid run bills on `today` (the place's local date): the previous month once the invoicing day
 * has come (a day past the month's end means its last day: 31 is the 28th in February), the one before until
 * then, so that a run missed on its day is caught up later. Undefined when that month was billed already.
 */
export function postPaidMonthDue(today: LocalDate, invoicingDay: number, lastBilled: string | undefined): string | undefined {
  if (!isLocalDate(today)) throw new RangeError(`"${today}" is not a date YYYY-MM-DD`);
  const current = monthOf(today);
  const runDay = Math.min(Math.max(1, Math.floor(invoicingDay)), daysIn(current));
  const due = Number(today.slice(8, 10)) >= runDay ? previousMonth(current) : previousMonth(previousMonth(current));
  if (lastBilled !== undefined && lastBilled >= due) return undefined;
  return due;
}

/** A month's instants in the place's zone: from its first local midnight to the next month's. */
export function monthRange(month: string, zone: string): { start: Instant; end: Instant } {
  if (!isMonth(month)) throw new RangeError(`"${month}" is not a month YYYY-MM`);
  return { start: zoneDay(zone, `${month}-01`).start, end: zoneDay(zone, `${nextMonth(month)}-01`).start };
}

const MONTH_NAMES_FR = ['janvier', 'février', 'mars', 'avril', 'mai', 'juin', 'juillet', 'août', 'septembre', 'octobre', 'novembre', 'décembre'];
const MONTH_NAMES_EN = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'];

export function monthName(month: string): Bilingual {
  const index = Number(month.slice(5, 7)) - 1;
  return { fr: `${MONTH_NAMES_FR[index] ?? month} ${month.slice(0, 4)}`, en: `${MONTH_NAMES_EN[index] ?? month} ${month.slice(0, 4)}` };
}

// ---------------------------------------------------------------------------------------------
// Words on the documents

/** "Salle L'Atelier, 03/12/2026 10:00–12:00": what an invoice row says of the booking it bills. */
export function bookingDescription(resourceName: string, start: Instant, end: Instant, zone: string): string {
  const sameDay = formatDate(start, zone, 'fr') === formatDate(end - 1, zone, 'fr');
  return sameDay
    ? `${resourceName}, ${formatDate(start, zone, 'fr')} ${formatTime(start, zone)}–${formatTime(end, zone)}`
    : `${resourceName}, du ${formatDate(start, zone, 'fr')} ${formatTime(start, zone)} au ${formatDate(end, zone, 'fr')} ${formatTime(end, zone)}`;
}

/** The invoice keys (`po_no`, the customer's reference on the printed invoice): one per kind of document. */
export const invoiceKeys = {
  /** The booking's own invoice. */
  booking: (erpName: string): string => erpName,
  /** A machine's time used beyond what was booked. */
  supplement: (erpName: string): string => `${erpName} complément`,
  /** A cancelled booking's fee, when nothing was invoiced before. */
  fee: (erpName: string): string => `${erpName} frais d'annulation`,
  /** A post-paid customer's month. */
  month: (month: string): string => `Créneau ${month}`,
};
