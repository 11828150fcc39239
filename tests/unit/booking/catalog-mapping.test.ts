import {
  memberFromCustomer,
  priceBookFrom,
  qualificationsFrom,
  resolvePriceList,
  resourceDocSchema,
  resourceFromErp,
  rulesFromErp,
  settingsDocSchema,
  customerDocSchema,
  type CatalogResource,
} from '../../../sidecar/src/catalog/mapping';
import { DEFAULT_CANCELLATION_POLICY, parseLocalDateTime } from '../../../sidecar/src/domain';

/**
 * The ERP's documents as the domain's values: every field of a Creneau Resource, Creneau Settings,
 * a Customer and Item Prices, with the add-on's conventions (Select labels, "0 means not set",
 * naive date-times in the site's zone) and clear errors naming the field to fix.
 */

const PARIS = 'Europe/Paris';

/** A Creneau Resource as GET /api/resource returns it (null fields left out, as Frappe does). */
const fullDoc = {
  name: 'Découpe laser',
  resource_name: 'Découpe laser',
  item: 'LASER-HOUR',
  kind: 'Machine',
  enabled: 1,
  capacity: 2,
  walk_in_margin: 50,
  walk_in_margin_unit: 'Percent',
  description: 'Epilog 40 W',
  slot_minutes: 30,
  min_minutes: 60,
  max_minutes: 240,
  lead_minutes: 120,
  horizon_days: 30,
  buffer_before_minutes: 10,
  buffer_after_minutes: 15,
  approval_required: 1,
  deposit_percent: 30.0,
  required_qualification: 'laser',
  member_groups: [{ customer_group: 'Makers' }, { customer_group: 'Pro' }],
  time_zone: 'Europe/Brussels',
  calendar_id: 'laser@group.calendar.google.com',
  opening_hours: [
    { weekday: 'Monday', from_time: '9:00:00', to_time: '12:30:00' },
    { weekday: 'Monday', from_time: '13:30:00', to_time: '18:00:00' },
    { weekday: 'Saturday', from_time: '10:00:00', to_time: '00:00:00' },
  ],
  closures: [{ starts_at: '2026-12-24 12:00:00', ends_at: '2026-12-27 00:00:00', reason: 'Noël' }],
  pricing_mode: 'Cheapest',
  half_day_threshold_minutes: 150,
  day_threshold_minutes: 0,
  half_day_minutes: 210,
  day_minutes: 420,
  half_day_mode: 'Fixed',
  morning_start: '08:30:00',
  morning_end: '12:30:00',
  afternoon_start: '13:30:00',
  afternoon_end: '17:30:00',
};

function mapped(doc: Record<string, unknown>): CatalogResource {
  const result = resourceFromErp(resourceDocSchema.parse(doc), PARIS);
  if (!result.ok) throw new Error(result.errors.join('\n'));
  return result.value;
}

function errorsOf(doc: Record<string, unknown>): string[] {
  const result = resourceFromErp(resourceDocSchema.parse(doc), PARIS);
  return result.ok ? [] : result.errors;
}

describe('a Creneau Resource', () => {
  it('maps every field', () => {
    const { resource, enabled, description } = mapped(fullDoc);
    expect({ enabled, description }).toEqual({ enabled: true, description: 'Epilog 40 W' });
    expect(resource).toMatchObject({
      id: 'Découpe laser',
      name: 'Découpe laser',
      kind: 'machine',
      itemCode: 'LASER-HOUR',
      capacity: 2,
      walkInMargin: { percent: 50 },
      slotMinutes: 30,
      minMinutes: 60,
      maxMinutes: 240,
      leadMinutes: 120,
      horizonDays: 30,
      bufferBeforeMinutes: 10,
      bufferAfterMinutes: 15,
      approvalRequired: true,
      depositPercent: 30,
      requiredQualification: 'laser',
      memberGroups: ['Makers', 'Pro'],
      timeZone: 'Europe/Brussels',
      calendarId: 'laser@group.calendar.google.com',
      pricingMode: 'cheapest',
      halfDayThresholdMinutes: 150,
      halfDayMinutes: 210,
      dayMinutes: 420,
      halfDayMode: 'fixed',
      morning: '08:30-12:30',
      afternoon: '13:30-17:30',
      openingHours: [
        { weekday: 1, from: '09:00', to: '12:30' },
        { weekday: 1, from: '13:30', to: '18:00' },
        // A row "to 00:00" after a later start runs to midnight.
        { weekday: 6, from: '10:00', to: '24:00' },
      ],
    });
    expect(resource.dayThresholdMinutes).toBeUndefined();
    expect(resource.compiled.walkInUnits).toBe(1);
    // Closures are written in the site's zone (Paris) and kept as those exact instants.
    expect(resource.compiled.closures[0]).toMatchObject({
      start: parseLocalDateTime('2026-12-24 12:00', PARIS),
      end: parseLocalDateTime('2026-12-27 00:00', PARIS),
      reason: 'Noël',
    });
  });

  it('fills what is empty with the DocType’s defaults and the place’s', () => {
    const { resource, enabled } = mapped({ name: 'Salle A', item: 'SALLE-A', kind: 'Room', max_minutes: 0, horizon_days: 0, half_day_mode: 'Floating', morning_start: '08:00:00', morning_end: '12:00:00' });
    expect(enabled).toBe(true);
    expect(resource).toMatchObject({ kind: 'room', capacity: 1, walkInMargin: { seats: 0 }, slotMinutes: 30, timeZone: PARIS, pricingMode: 'threshold', halfDayThresholdMinutes: 180, halfDayMinutes: 240 });
    expect([resource.maxMinutes, resource.horizonDays, resource.morning, resource.requiredQualification]).toEqual([undefined, undefined, undefined, undefined]);
    const withDefaults = resourceFromErp(resourceDocSchema.parse({ name: 'B', item: 'B', half_day_threshold_minutes: null }), PARIS, {
      pricingMode: 'cheapest',
      halfDayThresholdMinutes: 120,
      dayThresholdMinutes: 400,
    });
    expect(withDefaults.ok && withDefaults.value.resource).toMatchObject({ halfDayThresholdMinutes: 120, dayThresholdMinutes: 400 });
    expect(mapped({ name: 'Off', item: 'X', enabled: 0 }).enabled).toBe(false);
  });

  it('refuses bad data with errors that name the resource and the field', () => {
    expect(errorsOf({ ...fullDoc, capacity: 0 })).toEqual(['Creneau Resource "Découpe laser": capacity: Too small: expected number to be >=1']);
    expect(errorsOf({ ...fullDoc, deposit_percent: 12.5 })).toEqual(['Creneau Resource "Découpe laser": deposit_percent (a whole percentage) must be a whole number, got 12.5']);
    expect(errorsOf({ ...fullDoc, opening_hours: [{ weekday: 'Lundi', from_time: '09:00:00', to_time: '12:00:00' }] })).toEqual([
      'Creneau Resource "Découpe laser": opening hours row 1 has no weekday Monday..Sunday (got "Lundi")',
    ]);
    expect(errorsOf({ ...fullDoc, opening_hours: [{ weekday: 'Monday', from_time: '12:00:00', to_time: '09:00:00' }] })[0]).toMatch(
      /opening_hours row 1: an opening row must end after it starts/,
    );
    expect(errorsOf({ ...fullDoc, time_zone: 'Mars/Olympus' })).toEqual(['Creneau Resource "Découpe laser": time_zone: not an IANA time zone']);
    expect(errorsOf({ ...fullDoc, closures: [{ starts_at: '24/12/2026', ends_at: '2026-12-27 00:00:00' }] })).toEqual([
      'Creneau Resource "Découpe laser": closure row 1 "Closed From" "24/12/2026" is not a date-time (YYYY-MM-DD HH:MM:SS)',
    ]);
    expect(errorsOf({ ...fullDoc, kind: 'Spaceship' })[0]).toMatch(/^Creneau Resource "Découpe laser": kind: /);
    expect(errorsOf({ ...fullDoc, item: null })[0]).toMatch(/^Creneau Resource "Découpe laser": item: /);
    expect(errorsOf({ ...fullDoc, morning_end: '14:00:00' })).toEqual(['Creneau Resource "Découpe laser": afternoon: the afternoon window must start after the morning window ends']);
  });
});

describe('Creneau Settings', () => {
  it('maps hold, cancellation steps (refund → fee), quotas and holidays', () => {
    const { rules, errors } = rulesFromErp(
      settingsDocSchema.parse({
        hold_minutes: 20,
        default_price_list: 'Tarif adhérents',
        default_pricing_mode: 'Cheapest',
        half_day_threshold_minutes: 150,
        cancellation_steps: [
          { hours_before: 24, refund_percent: 50.0 },
          { hours_before: 72, refund_percent: 100.0 },
        ],
        quotas: [
          { name: 'q1', label: 'salles de réunion', period: 'Week', max_minutes: 600, max_bookings: 0, resources: 'Salle A\nSalle B\n', customer_groups: 'Individual' },
          { name: 'q2', label: 'laser', period: 'Day', max_bookings: 1, resources: 'Découpe laser' },
        ],
        holidays_close: 1,
        holiday_country: 'fr',
        holiday_subdivision: '57',
      }),
    );
    expect(errors).toEqual([]);
    expect(rules.holdMinutes).toBe(20);
    expect(rules.defaultPriceList).toBe('Tarif adhérents');
    expect(rules.resourceDefaults).toEqual({ pricingMode: 'cheapest', halfDayThresholdMinutes: 150, dayThresholdMinutes: undefined });
    // Later than every step written: nothing refunded.
    expect(rules.cancellationPolicy).toEqual([
      { minNoticeMinutes: 72 * 60, feePercent: 0 },
      { minNoticeMinutes: 24 * 60, feePercent: 50 },
      { minNoticeMinutes: 0, feePercent: 100 },
    ]);
    expect(rules.quotas).toEqual([
      { id: 'q1', label: 'salles de réunion', resourceIds: ['Salle A', 'Salle B'], customerGroups: ['Individual'], period: 'week', maxMinutes: 600 },
      { id: 'q2', label: 'laser', resourceIds: ['Découpe laser'], customerGroups: [], period: 'day', maxBookings: 1 },
    ]);
    expect(rules.place).toEqual({ holidayCountry: 'FR', holidaySubdivision: '57', holidaysClose: true });
  });

  it('a Single never saved gives working rules: 15 min holds, no refund (as the DocType says), French holidays', () => {
    const { rules, errors } = rulesFromErp(settingsDocSchema.parse({}));
    expect(errors).toEqual([]);
    expect(rules).toMatchObject({ holdMinutes: 15, quotas: [], defaultPriceList: undefined, place: { holidayCountry: 'FR', holidaysClose: true } });
    expect(rules.cancellationPolicy).toEqual([{ minNoticeMinutes: 0, feePercent: 100 }]);
    expect(rules.cancellationPolicy).not.toEqual(DEFAULT_CANCELLATION_POLICY);
  });

  it('leaves out the broken parts with a clear error and keeps the rest', () => {
    const { rules, errors } = rulesFromErp(
      settingsDocSchema.parse({
        cancellation_steps: [{ hours_before: 24, refund_percent: 150 }, { hours_before: 0, refund_percent: 0 }],
        quotas: [{ label: 'both', period: 'Week', max_minutes: 60, max_bookings: 2, resources: 'A' }, { label: 'none', period: 'Month', resources: 'A' }],
        holiday_country: 'XX',
      }),
    );
    expect(errors).toEqual([
      'Creneau Settings: cancellation step 1 needs hours_before ≥ 0 and a refund from 0 to 100 %, got 24 h and 150 %',
      'Creneau Settings: quota row 1 ("both") is left out: row: a quota limits either minutes (maxMinutes) or bookings (maxBookings), exactly one of them',
      'Creneau Settings: quota row 2 ("none") is left out: row: a quota limits either minutes (maxMinutes) or bookings (maxBookings), exactly one of them',
      'Creneau Settings: no public holiday calendar for country "XX"; French holidays apply',
    ]);
    expect(rules.cancellationPolicy).toEqual([{ minNoticeMinutes: 0, feePercent: 100 }]);
    expect(rules.quotas).toEqual([]);
    expect(rules.place.holidayCountry).toBe('FR');
  });
});

describe('a member', () => {
  it('is a Customer: group, post-paid, qualifications with their last valid day, own price list', () => {
    const { profile, errors } = memberFromCustomer(
      customerDocSchema.parse({
        name: 'Atelier Bois SARL',
        customer_name: 'Atelier Bois',
        customer_group: 'Pro',
        default_price_list: 'Tarif pro',
        creneau_post_paid: 1,
        creneau_qualifications: 'laser until 2027-06-30\ncnc\n  \ndécoupe vinyle ; jusqu’au 2026-12-31',
        disabled: 0,
      }),
      PARIS,
    );
    expect(errors).toEqual([]);
    expect(profile).toEqual({
      customer: 'Atelier Bois SARL',
      customerName: 'Atelier Bois',
      customerGroup: 'Pro',
      postPaid: true,
      disabled: false,
      ownPriceList: 'Tarif pro',
      qualifications: [
        { name: 'laser', expiresAt: parseLocalDateTime('2027-07-01', PARIS) - 1 },
        { name: 'cnc' },
        { name: 'découpe vinyle', expiresAt: parseLocalDateTime('2027-01-01', PARIS) - 1 },
      ],
    });
    expect(qualificationsFrom('laser 2027-02-30', PARIS).errors).toEqual(['qualification "laser": "2027-02-30" is not a date']);
  });

  it('gets its prices from its own price list, else its group’s, the place’s, the selling default', () => {
    expect(resolvePriceList({ customer: 'A', group: 'B', place: 'C', selling: 'D' })).toBe('A');
    expect(resolvePriceList({ group: 'B', place: 'C', selling: 'D' })).toBe('B');
    expect(resolvePriceList({ place: 'C', selling: 'D' })).toBe('C');
    expect(resolvePriceList({ selling: 'D' })).toBe('D');
    expect(resolvePriceList({})).toBe('Standard Selling');
  });
});

describe('Item Prices', () => {
  it('become cents per item and UOM, for the rows in force today and for everyone', () => {
    const { book, errors } = priceBookFrom(
      'Standard Selling',
      'EUR',
      [
        { item_code: 'SALLE', uom: 'Hour', price_list_rate: 18.9 },
        { item_code: 'SALLE', uom: 'Day', price_list_rate: 99.0, valid_from: '2026-01-01' },
        { item_code: 'SALLE', uom: 'Day', price_list_rate: 110.0, valid_from: '2026-11-01' },
        { item_code: 'SALLE', uom: 'Day', price_list_rate: 120.0, valid_from: '2027-01-01' },
        { item_code: 'SALLE', uom: 'Half Day', price_list_rate: 60.0, valid_upto: '2026-06-30' },
        { item_code: 'SALLE', uom: 'Hour', price_list_rate: 1.0, customer: 'Friend of the house' },
        { item_code: 'LASER', uom: 'Hour', price_list_rate: '4.35' },
        { item_code: 'LASER', uom: null, price_list_rate: 3 },
        { item_code: 'CNC', uom: 'Hour', price_list_rate: 'twelve' },
      ],
      '2026-11-28',
    );
    expect(Object.fromEntries(book.items)).toEqual({ SALLE: { Hour: 1_890, Day: 11_000 }, LASER: { Hour: 435 } });
    expect(errors).toEqual(['Item Price of "LASER" in "Standard Selling" has no UOM', 'price of "CNC" per Hour in "Standard Selling" "twelve" is not a decimal number']);
  });
});
