import { DateTime } from 'luxon';
import { z } from 'zod';
import { assertCents, parseLocalDateTime, type Cents, type Instant } from '../domain';

/**
 * Values as Frappe writes them over REST, read into what the domain uses. Frappe sends Currency
 * fields as JSON numbers (120.0), Int and Check as integers, Datetime as naive "YYYY-MM-DD
 * HH:MM:SS[.ffffff]" in the site's time zone, and Time as "HH:MM:SS" or, for a value read back from
 * the database, Python's timedelta text ("8:00:00").
 */

export class ErpValueError extends Error {
  override readonly name = 'ErpValueError';
}

const DECIMAL = /^([+-]?)(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?$/;

/**
 * A decimal amount (a JSON number from the ERP, or its text) in integer cents, exactly. A number is
 * read through its shortest decimal text (what `String()` prints, the same digits Python's `repr`
 * wrote into the JSON), never multiplied as a float: 1.15 × 100 is 114.99999999999999. Beyond the
 * cents the amount is rounded half up, like the ERP's currency precision of 2.
 */
export function centsFromDecimal(value: number | string, what = 'amount'): Cents {
  if (typeof value === 'number' && !Number.isFinite(value)) throw new ErpValueError(`${what} is not a finite number (${value})`);
  const text = (typeof value === 'number' ? String(value) : value).trim();
  const match = DECIMAL.exec(text);
  if (!match || (match[2] === '' && (match[3] ?? '') === '')) throw new ErpValueError(`${what} "${text}" is not a decimal number`);
  const negative = match[1] === '-';
  let digits = (match[2] ?? '') + (match[3] ?? '');
  // Position of the decimal point within `digits`, moved by the exponent.
  let point = (match[2] ?? '').length + Number.parseInt(match[4] ?? '0', 10);
  if (point < 0) {
    digits = '0'.repeat(-point) + digits;
    point = 0;
  }
  if (digits.length < point + 3) digits = digits.padEnd(point + 3, '0');
  const whole = digits.slice(0, point + 2).replace(/^0+(?=\d)/, '') || '0';
  const next = digits.charAt(point + 2);
  let cents = Number.parseInt(whole, 10);
  if (!Number.isSafeInteger(cents)) throw new ErpValueError(`${what} ${text} is too large to count in cents`);
  if (next >= '5') cents += 1;
  return assertCents(negative ? -cents : cents, what);
}

/** Cents as the decimal number the ERP's Currency fields take (1234 → 12.34), built from text, never divided. */
export function decimalFromCents(cents: Cents): number {
  assertCents(cents, 'amount');
  const sign = cents < 0 ? '-' : '';
  const text = String(Math.abs(cents)).padStart(3, '0');
  return Number(`${sign}${text.slice(0, -2)}.${text.slice(-2)}`);
}

const TIME = /^(\d{1,2}):(\d{2})(?::(\d{2})(?:\.(\d+))?)?$/;

/**
 * A Frappe Time ("08:00:00", "8:00:00", "08:00:00.000000") as "HH:mm". Seconds must be zero: the
 * domain's clock is in minutes, and a closing time of 18:00:30 is a typing mistake to report.
 */
export function clockFromTime(value: string, what: string): string {
  const match = TIME.exec(value.trim());
  if (!match) throw new ErpValueError(`${what} "${value}" is not a time of day (HH:MM:SS)`);
  const hours = Number(match[1]);
  const minutes = Number(match[2]);
  if (Number(match[3] ?? '0') !== 0 || Number(match[4] ?? '0') !== 0) {
    throw new ErpValueError(`${what} "${value}" has seconds: opening hours are set to the minute`);
  }
  if (hours > 24 || minutes > 59 || (hours === 24 && minutes > 0)) throw new ErpValueError(`${what} "${value}" is not a time of day`);
  return `${String(hours).padStart(2, '0')}:${String(minutes).padStart(2, '0')}`;
}

const NAIVE_DATETIME = /^\d{4}-\d{2}-\d{2}[ T]\d{1,2}:\d{2}(:\d{2}(\.\d+)?)?$/;

/** A Frappe Datetime (naive, in the site's zone) as an instant. */
export function instantFromErp(value: string, siteZone: string, what: string): Instant {
  const text = value.trim();
  if (!NAIVE_DATETIME.test(text)) throw new ErpValueError(`${what} "${value}" is not a date-time (YYYY-MM-DD HH:MM:SS)`);
  try {
    return parseLocalDateTime(text, siteZone);
  } catch (error) {
    throw new ErpValueError(`${what} "${value}": ${(error as Error).message}`);
  }
}

/** An instant as the naive local date-time a Frappe Datetime field stores ("2026-12-07 09:30:00"). */
export function erpFromInstant(instant: Instant, siteZone: string): string {
  return DateTime.fromMillis(instant, { zone: siteZone }).toFormat('yyyy-MM-dd HH:mm:ss');
}

/** An instant as an ISO text with its offset in `zone`, which the domain reads as that exact instant. */
export function isoInZone(instant: Instant, zone: string): string {
  const iso = DateTime.fromMillis(instant, { zone }).toISO({ suppressMilliseconds: true });
  if (iso === null) throw new ErpValueError(`instant ${instant} cannot be shown in time zone "${zone}"`);
  return iso;
}

/** A Data or Link field's text, trimmed; undefined when the field is empty (Frappe sends "", null or nothing). */
export function textOf(value: unknown): string | undefined {
  return typeof value === 'string' && value.trim() !== '' ? value.trim() : undefined;
}

/** A child table (Table field): its rows, none when the document was saved without any (Frappe then sends null or nothing). */
export const childTable = <T extends z.ZodType>(row: T) =>
  z
    .array(row)
    .nullish()
    .transform((rows) => rows ?? []);

/**
 * Frappe's Check (0/1, sometimes "0"/"1" or a boolean from other clients). `whenEmpty` is for a Check whose
 * default is on: a document saved before the field existed sends null or nothing, which must read as that default.
 */
export function flag(value: unknown, whenEmpty = false): boolean {
  if (value === undefined || value === null) return whenEmpty;
  return value === 1 || value === '1' || value === true;
}

/**
 * Frappe stores an empty Int as 0, so the add-on's "0 or empty: not set" settings read as
 * undefined; any other value must be a whole number.
 */
export function optionalPositiveInt(value: unknown, what: string): number | undefined {
  if (value === null || value === undefined || value === '' || value === 0) return undefined;
  return wholeNumber(value, what);
}

export function wholeNumber(value: unknown, what: string): number {
  const number = typeof value === 'string' && value.trim() !== '' ? Number(value) : value;
  if (typeof number !== 'number' || !Number.isInteger(number)) throw new ErpValueError(`${what} must be a whole number, got ${JSON.stringify(value)}`);
  return number;
}

/** Lines of a Small Text ("one per line"), trimmed, blank lines dropped. */
export function lines(value: unknown): string[] {
  if (typeof value !== 'string') return [];
  return value
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line !== '');
}
