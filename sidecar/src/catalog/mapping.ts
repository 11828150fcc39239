import { z } from 'zod';
import { fromSelectOption } from '../addon/select-values';
import {
  cancellationPolicySchema,
  parsePlace,
  quotaSchema,
  resourceSettingsSchema,
  zoneDay,
  type CancellationPolicy,
  type Cents,
  type Place,
  type Qualification,
  type Quota,
  type Resource,
  type ResourceSettingsInput,
  type UnitPrices,
} from '../domain';
import {
  centsFromDecimal,
  childTable,
  clockFromTime,
  ErpValueError,
  flag,
  instantFromErp,
  isoInZone,
  lines,
  optionalPositiveInt,
  textOf,
  wholeNumber,
} from './erp-values';

/**
 * The add-on's and ERPNext's documents, as the ERP sends them, mapped to what the domain takes.
 * Pure: every function gets the documents and returns domain values or errors that name the
 * document and the field, so that a manager reading the log knows what to fix in the desk.
 */

// ---------------------------------------------------------------------------------------------
// Creneau Resource

export const resourceDocSchema = z.looseObject({
  name: z.string().min(1),
  resource_name: z.string().nullish(),
  item: z.string().nullish(),
  kind: z.string().nullish(),
  enabled: z.unknown().optional(),
  capacity: z.unknown().optional(),
  walk_in_margin: z.unknown().optional(),
  walk_in_margin_unit: z.string().nullish(),
  description: z.string().nullish(),
  slot_minutes: z.unknown().optional(),
  min_minutes: z.unknown().optional(),
  max_minutes: z.unknown().optional(),
  lead_minutes: z.unknown().optional(),
  horizon_days: z.unknown().optional(),
  buffer_before_minutes: z.unknown().optional(),
  buffer_after_minutes: z.unknown().optional(),
  approval_required: z.unknown().optional(),
  deposit_percent: z.unknown().optional(),
  required_qualification: z.string().nullish(),
  member_groups: childTable(z.looseObject({ customer_group: z.string().nullish() })),
  time_zone: z.string().nullish(),
  calendar_id: z.string().nullish(),
  opening_hours: childTable(z.looseObject({ weekday: z.string().nullish(), from_time: z.string().nullish(), to_time: z.string().nullish() })),
  closures: childTable(z.looseObject({ starts_at: z.string().nullish(), ends_at: z.string().nullish(), reason: z.string().nullish() })),
  pricing_mode: z.string().nullish(),
  half_day_threshold_minutes: z.unknown().optional(),
  day_threshold_minutes: z.unknown().optional(),
  half_day_minutes: z.unknown().optional(),
  day_minutes: z.unknown().optional(),
  half_day_mode: z.string().nullish(),
  morning_start: z.string().nullish(),
  morning_end: z.string().nullish(),
  afternoon_start: z.string().nullish(),
  afternoon_end: z.string().nullish(),
});
export type ResourceDoc = z.infer<typeof resourceDocSchema>;

export const WEEKDAYS = ['Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday', 'Sunday'] as const;

/** The place-wide defaults a resource falls back on where its own field is empty. */
export interface ResourceDefaults {
  pricingMode: 'threshold' | 'cheapest';
  halfDayThresholdMinutes: number;
  dayThresholdMinutes: number | undefined;
}

const DEFAULT_RESOURCE_DEFAULTS: ResourceDefaults = { pricingMode: 'threshold', halfDayThresholdMinutes: 180, dayThresholdMinutes: undefined };

export interface CatalogResource {
  readonly resource: Resource;
  readonly enabled: boolean;
  readonly description: string;
}

export type Mapped<T> = { ok: true; value: T } | { ok: false; errors: string[] };

const isEmpty = (value: unknown): boolean => value === null || value === undefined || value === '';

/**
 * Reading a document field by field: `attempt` runs one field's reading and, when it throws, notes
 * the error under the document's label and goes on, so that a manager learns every bad field at once.
 */
function collectErrors(label: string): { errors: string[]; attempt: <T>(read: () => T) => T | undefined } {
  const errors: string[] = [];
  const attempt = <T>(read: () => T): T | undefined => {
    try {
      return read();
    } catch (error) {
      errors.push(`${label}: ${(error as Error).message}`);
      return undefined;
    }
  };
  return { errors, attempt };
}

/**
 * A Creneau Resource as the domain's resource. `siteZone` is the ERP's own zone, in which its
 * naive closure date-times are written; the resource's `time_zone` is where its opening hours are.
 */
export function resourceFromErp(doc: ResourceDoc, siteZone: string, defaults: ResourceDefaults = DEFAULT_RESOURCE_DEFAULTS): Mapped<CatalogResource> {
  const label = `Creneau Resource "${doc.name}"`;
  const { errors, attempt } = collectErrors(label);
  const int = (value: unknown, what: string, fallback?: number): number | undefined =>
    isEmpty(value) ? fallback : attempt(() => wholeNumber(value, what));
  const optional = (value: unknown, what: string): number | undefined => attempt(() => optionalPositiveInt(value, what));

  const kind = doc.kind ? fromSelectOption(doc.kind) : 'room';
  const marginValue = int(doc.walk_in_margin, 'walk_in_margin', 0) ?? 0;
  const marginUnit = fromSelectOption(doc.walk_in_margin_unit ?? 'Seats');
  const halfDayMode = doc.half_day_mode ? fromSelectOption(doc.half_day_mode) : 'floating';
  const span = (from: string | null | undefined, to: string | null | undefined, what: string): string | undefined => {
    if (!from || !to) return undefined;
    return attempt(() => `${clockFromTime(from, `${what} start`)}-${clockFromTime(to, `${what} end`)}`);
  };

  const openingHours = doc.opening_hours.flatMap((row, index) => {
    const weekday = WEEKDAYS.indexOf((row.weekday ?? '') as (typeof WEEKDAYS)[number]) + 1;
    if (weekday === 0) {
      errors.push(`${label}: opening hours row ${index + 1} has no weekday Monday..Sunday (got ${JSON.stringify(row.weekday)})`);
      return [];
    }
    const from = attempt(() => clockFromTime(row.from_time ?? '', `opening hours row ${index + 1} "From"`));
    let to = attempt(() => clockFromTime(row.to_time ?? '', `opening hours row ${index + 1} "To"`));
    // A Time field cannot hold 24:00: a row that "ends" at 00:00 after starting later runs to midnight.
    if (to === '00:00' && from !== undefined && from !== '00:00') to = '24:00';
    return from !== undefined && to !== undefined ? [{ weekday, from, to }] : [];
  });

  const closures = doc.closures.flatMap((row, index) => {
    const what = `closure row ${index + 1}`;
    const from = attempt(() => isoInZone(instantFromErp(row.starts_at ?? '', siteZone, `${what} "Closed From"`), siteZone));
    const to = attempt(() => isoInZone(instantFromErp(row.ends_at ?? '', siteZone, `${what} "Closed Until"`), siteZone));
    return from !== undefined && to !== undefined ? [{ from, to, reason: row.reason ?? '' }] : [];
  });

  const depositPercent = isEmpty(doc.deposit_percent) ? 0 : attempt(() => wholeNumber(doc.deposit_percent, 'deposit_percent (a whole percentage)'));
  const input: ResourceSettingsInput = {
    id: doc.name,
    name: doc.resource_name ?? doc.name,
    kind: kind as ResourceSettingsInput['kind'],
    itemCode: doc.item ?? '',
    capacity: int(doc.capacity, 'capacity', 1) ?? 1,
    walkInMargin: marginUnit === 'percent' ? { percent: marginValue } : { seats: marginValue },
    slotMinutes: int(doc.slot_minutes, 'slot_minutes', 30) ?? 30,
    minMinutes: int(doc.min_minutes, 'min_minutes', 0) ?? 0,
    maxMinutes: optional(doc.max_minutes, 'max_minutes'),
    leadMinutes: int(doc.lead_minutes, 'lead_minutes', 0) ?? 0,
    horizonDays: optional(doc.horizon_days, 'horizon_days'),
    bufferBeforeMinutes: int(doc.buffer_before_minutes, 'buffer_before_minutes', 0) ?? 0,
    bufferAfterMinutes: int(doc.buffer_after_minutes, 'buffer_after_minutes', 0) ?? 0,
    approvalRequired: flag(doc.approval_required),
    depositPercent: depositPercent ?? 0,
    requiredQualification: textOf(doc.required_qualification),
    memberGroups: doc.member_groups.map((row) => row.customer_group ?? '').filter((group) => group !== ''),
    timeZone: textOf(doc.time_zone) ?? siteZone,
    calendarId: textOf(doc.calendar_id),
    pricingMode: (doc.pricing_mode ? fromSelectOption(doc.pricing_mode) : defaults.pricingMode) as ResourceSettingsInput['pricingMode'],
    halfDayThresholdMinutes: int(doc.half_day_threshold_minutes, 'half_day_threshold_minutes', defaults.halfDayThresholdMinutes),
    dayThresholdMinutes: optional(doc.day_threshold_minutes, 'day_threshold_minutes') ?? defaults.dayThresholdMinutes,
    halfDayMinutes: int(doc.half_day_minutes, 'half_day_minutes', 240) || 240,
    dayMinutes: optional(doc.day_minutes, 'day_minutes'),
    halfDayMode: halfDayMode as ResourceSettingsInput['halfDayMode'],
    // The windows only mean something for fixed half-days; the DocType fills them by default for all.
    morning: halfDayMode === 'fixed' ? span(doc.morning_start, doc.morning_end, 'morning') : undefined,
    afternoon: halfDayMode === 'fixed' ? span(doc.afternoon_start, doc.afternoon_end, 'afternoon') : undefined,
    openingHours,
    closures,
  };
  const parsed = resourceSettingsSchema.safeParse(input);
  if (!parsed.success) {
    for (const issue of parsed.error.issues) errors.push(`${label}: ${issuePath(issue.path)}${issue.message}`);
  }
  if (errors.length > 0 || !parsed.success) return { ok: false, errors };
  return { ok: true, value: { resource: parsed.data, enabled: flag(doc.enabled, true), description: doc.description ?? '' } };
}

/** Domain field names back to the DocType's, so that an error points at the field the manager sees. */
const FIELD_NAMES: Record<string, string> = {
  itemCode: 'item',
  walkInMargin: 'walk_in_margin',
  slotMinutes: 'slot_minutes',
  minMinutes: 'min_minutes',
  maxMinutes: 'max_minutes',
  leadMinutes: 'lead_minutes',
  horizonDays: 'horizon_days',
  bufferBeforeMinutes: 'buffer_before_minutes',
  bufferAfterMinutes: 'buffer_after_minutes',
  depositPercent: 'deposit_percent',
  timeZone: 'time_zone',
  halfDayThresholdMinutes: 'half_day_threshold_minutes',
  dayThresholdMinutes: 'day_threshold_minutes',
  halfDayMinutes: 'half_day_minutes',
  halfDayMode: 'half_day_mode',
  dayMinutes: 'day_minutes',
  openingHours: 'opening_hours',
  pricingMode: 'pricing_mode',
};

function issuePath(path: readonly PropertyKey[]): string {
  if (path.length === 0) return '';
  const [head, ...rest] = path.map(String);
  const named = [FIELD_NAMES[head ?? ''] ?? head, ...rest.map((part) => (/^\d+$/.test(part) ? `row ${Number(part) + 1}` : part))];
  return `${named.join(' ')}: `;
}

// ---------------------------------------------------------------------------------------------
// Creneau Settings

export const settingsDocSchema = z.looseObject({
  default_pricing_mode: z.string().nullish(),
  half_day_threshold_minutes: z.unknown().optional(),
  day_threshold_minutes: z.unknown().optional(),
  hold_minutes: z.unknown().optional(),
  default_price_list: z.string().nullish(),
  cancellation_steps: childTable(z.looseObject({ hours_before: z.unknown().optional(), refund_percent: z.unknown() })),
  quotas: childTable(
    z.looseObject({
      name: z.string().nullish(),
      label: z.string().nullish(),
      period: z.string().nullish(),
      max_minutes: z.unknown().optional(),
      max_bookings: z.unknown().optional(),
      resources: z.string().nullish(),
      customer_groups: z.string().nullish(),
    }),
  ),
  holidays_close: z.unknown().optional(),
  holiday_country: z.string().nullish(),
  holiday_subdivision: z.string().nullish(),
});
export type SettingsDoc = z.infer<typeof settingsDocSchema>;

export interface PlaceRules {
  /** How long an unpaid booking holds its seats. */
  readonly holdMinutes: number;
  readonly cancellationPolicy: CancellationPolicy;
  readonly quotas: readonly Quota[];
  readonly place: Place;
  readonly defaultPriceList: string | undefined;
  readonly resourceDefaults: ResourceDefaults;
}

const DEFAULT_HOLD_MINUTES = 15;

/** Without a step the DocType says a cancelled booking is not refunded: the whole price is kept. */
const NO_REFUND: CancellationPolicy = cancellationPolicySchema.parse([{ minNoticeMinutes: 0, feePercent: 100 }]);

/**
 * Creneau Settings as the place's rules. A Single never saved reads as its defaults, which give
 * working rules; a broken part (a step with 150 %, a quota limiting nothing) is left out and
 * reported, the rest still applies.
 */
export function rulesFromErp(doc: SettingsDoc): { rules: PlaceRules; errors: string[] } {
  const label = 'Creneau Settings';
  const { errors, attempt } = collectErrors(label);

  const holdMinutes = attempt(() => optionalPositiveInt(doc.hold_minutes, 'hold_minutes')) ?? DEFAULT_HOLD_MINUTES;

  const steps = doc.cancellation_steps.flatMap((row, index) => {
    const hours = attempt(() => wholeNumber(row.hours_before ?? 0, `cancellation step ${index + 1} hours_before`));
    const refund = attempt(() => wholeNumber(row.refund_percent ?? 0, `cancellation step ${index + 1} refund_percent (a whole percentage)`));
    if (hours === undefined || refund === undefined) return [];
    if (hours < 0 || refund < 0 || refund > 100) {
      errors.push(`${label}: cancellation step ${index + 1} needs hours_before ≥ 0 and a refund from 0 to 100 %, got ${hours} h and ${refund} %`);
      return [];
    }
    return [{ minNoticeMinutes: hours * 60, feePercent: 100 - refund }];
  });
  // Cancelling later than every step written refunds nothing, as with no step at all.
  if (steps.length > 0 && !steps.some((step) => step.minNoticeMinutes === 0)) steps.push({ minNoticeMinutes: 0, feePercent: 100 });
  const cancellationPolicy = steps.length > 0 ? cancellationPolicySchema.parse(steps) : NO_REFUND;

  const quotas = doc.quotas.flatMap((row, index) => {
    const what = `quota row ${index + 1}${row.label ? ` ("${row.label}")` : ''}`;
    const maxMinutes = attempt(() => optionalPositiveInt(row.max_minutes, `${what} max_minutes`));
    const maxBookings = attempt(() => optionalPositiveInt(row.max_bookings, `${what} max_bookings`));
    const parsed = quotaSchema.safeParse({
      id: row.name ?? `quota-${index + 1}`,
      label: row.label ?? '',
      resourceIds: lines(row.resources),
      customerGroups: lines(row.customer_groups),
      period: fromSelectOption(row.period ?? 'Week'),
      maxMinutes,
      maxBookings,
    });
    if (!parsed.success) {
      errors.push(`${label}: ${what} is left out: ${parsed.error.issues.map((issue) => `${issue.path.join('.') || 'row'}: ${issue.message}`).join('; ')}`);
      return [];
    }
    return [parsed.data];
  });

  const holidayCountry = textOf(doc.holiday_country)?.toUpperCase() ?? 'FR';
  const holidaySubdivision = textOf(doc.holiday_subdivision);
  const holidaysClose = flag(doc.holidays_close, true);
  let place: Place;
  try {
    place = parsePlace({ holidayCountry, holidaySubdivision, holidaysClose });
  } catch {
    errors.push(`${label}: no public holiday calendar for country "${holidayCountry}"${holidaySubdivision ? ` subdivision "${holidaySubdivision}"` : ''}; French holidays apply`);
    place = parsePlace({ holidaysClose });
  }

  const pricingMode = doc.default_pricing_mode ? fromSelectOption(doc.default_pricing_mode) : 'threshold';
  const resourceDefaults: ResourceDefaults = {
    pricingMode: pricingMode === 'cheapest' ? 'cheapest' : 'threshold',
    halfDayThresholdMinutes: attempt(() => optionalPositiveInt(doc.half_day_threshold_minutes, 'half_day_threshold_minutes')) ?? 180,
    dayThresholdMinutes: attempt(() => optionalPositiveInt(doc.day_threshold_minutes, 'day_threshold_minutes')),
  };

  return {
    rules: {
      holdMinutes,
      cancellationPolicy,
      quotas,
      place,
      defaultPriceList: textOf(doc.default_price_list),
      resourceDefaults,
    },
    errors,
  };
}

// ---------------------------------------------------------------------------------------------
// Members: Customer and its Créneau fields

export const customerDocSchema = z.looseObject({
  name: z.string().min(1),
  customer_name: z.string().nullish(),
  customer_group: z.string().nullish(),
  disabled: z.unknown().optional(),
  default_price_list: z.string().nullish(),
  creneau_post_paid: z.unknown().optional(),
  creneau_qualifications: z.string().nullish(),
});
export type CustomerDoc = z.infer<typeof customerDocSchema>;

export interface MemberProfile {
  readonly customer: string;
  readonly customerName: string;
  readonly customerGroup: string | undefined;
  readonly qualifications: readonly Qualification[];
  readonly postPaid: boolean;
  readonly disabled: boolean;
  /** The Customer's own price list, if it has one (the price list actually used is resolved with the group's and the place's). */
  readonly ownPriceList: string | undefined;
}

// "laser-cutter", "laser-cutter 2027-06-30", "laser-cutter: until 2027-06-30", "découpe laser ; jusqu'au 2027-06-30"
const QUALIFICATION_LINE = /^(.*?)(?:\s*[:;,|]?\s*(?:until|jusqu['’]au|expires?)?\s*(\d{4}-\d{2}-\d{2}))?$/i;

/**
 * Qualifications, one per line, each optionally followed by the last day it is valid
 * ("laser-cutter until 2027-06-30"); that day counts whole, in `zone`.
 */
export function qualificationsFrom(text: string | null | undefined, zone: string): { qualifications: Qualification[]; errors: string[] } {
  const errors: string[] = [];
  const qualifications: Qualification[] = [];
  for (const line of lines(text)) {
    const match = QUALIFICATION_LINE.exec(line);
    const name = match?.[1]?.trim() ?? '';
    if (name === '') {
      errors.push(`qualification line "${line}" has no name`);
      continue;
    }
    const date = match?.[2];
    if (date === undefined) {
      qualifications.push({ name });
      continue;
    }
    try {
      qualifications.push({ name, expiresAt: zoneDay(zone, date).end - 1 });
    } catch {
      errors.push(`qualification "${name}": "${date}" is not a date`);
    }
  }
  return { qualifications, errors };
}

export function memberFromCustomer(doc: CustomerDoc, zone: string): { profile: MemberProfile; errors: string[] } {
  const { qualifications, errors } = qualificationsFrom(doc.creneau_qualifications, zone);
  return {
    profile: {
      customer: doc.name,
      customerName: doc.customer_name ?? doc.name,
      customerGroup: textOf(doc.customer_group),
      qualifications,
      postPaid: flag(doc.creneau_post_paid),
      disabled: flag(doc.disabled),
      ownPriceList: textOf(doc.default_price_list),
    },
    errors: errors.map((error) => `Customer "${doc.name}": ${error}`),
  };
}

/** ERPNext's order: the Customer's price list, its group's, the add-on's default, the selling default. */
export function resolvePriceList(candidates: { customer?: string | undefined; group?: string | undefined; place?: string | undefined; selling?: string | undefined }): string {
  return candidates.customer ?? candidates.group ?? candidates.place ?? candidates.selling ?? 'Standard Selling';
}

// ---------------------------------------------------------------------------------------------
// Prices: Item Price rows of one price list

export const itemPriceRowSchema = z.looseObject({
  item_code: z.string(),
  uom: z.string().nullish(),
  price_list_rate: z.union([z.number(), z.string()]),
  currency: z.string().nullish(),
  customer: z.string().nullish(),
  valid_from: z.string().nullish(),
  valid_upto: z.string().nullish(),
});
export type ItemPriceRow = z.infer<typeof itemPriceRowSchema>;

export interface PriceBook {
  readonly priceList: string;
  readonly currency: string;
  /** Item code → rate per UOM, in cents. */
  readonly items: ReadonlyMap<string, UnitPrices>;
}

/**
 * The rates in force on `today` (a local date), per item and UOM, in exact cents. Prices for one
 * customer only are left out (ERPNext applies them to that customer; the portal shows list prices);
 * among several rows for the same unit the one valid from the latest date wins, as in ERPNext.
 */
export function priceBookFrom(priceList: string, currency: string, rows: readonly ItemPriceRow[], today: string): { book: PriceBook; errors: string[] } {
  const errors: string[] = [];
  const chosen = new Map<string, { validFrom: string; cents: Cents }>();
  for (const row of rows) {
    if (row.customer) continue;
    if (row.valid_from && row.valid_from > today) continue;
    if (row.valid_upto && row.valid_upto < today) continue;
    if (!row.uom) {
      errors.push(`Item Price of "${row.item_code}" in "${priceList}" has no UOM`);
      continue;
    }
    let cents: Cents;
    try {
      cents = centsFromDecimal(row.price_list_rate, `price of "${row.item_code}" per ${row.uom} in "${priceList}"`);
    } catch (error) {
      errors.push((error as ErpValueError).message);
      continue;
    }
    if (cents < 0) {
      errors.push(`price of "${row.item_code}" per ${row.uom} in "${priceList}" is negative`);
      continue;
    }
    const key = `${row.item_code}\u0000${row.uom}`;
    const validFrom = row.valid_from ?? '';
    const previous = chosen.get(key);
    if (!previous || validFrom > previous.validFrom) chosen.set(key, { validFrom, cents });
  }
  const items = new Map<string, Record<string, Cents>>();
  for (const [key, { cents }] of chosen) {
    const [item = '', uom = ''] = key.split('\u0000');
    const prices = items.get(item) ?? {};
    prices[uom] = cents;
    items.set(item, prices);
  }
  return { book: { priceList, currency, items }, errors };
}
