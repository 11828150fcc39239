import { quote, type Quote, type Resource, type ResourceSettingsInput, type UnitPrices } from '../../../sidecar/src/domain';
import { at, EVERY_DAY_ALL_DAY, resource, seatPool } from './fixtures';

const PUBLIC: UnitPrices = { Hour: 1500, 'Half Day': 4500, Day: 8000 };
const MEMBER: UnitPrices = { Hour: 1000, 'Half Day': 3500, Day: 6000 };

function priced(r: Resource, prices: UnitPrices, start: string, end: string, extra: Parameters<typeof quote>[3] = {}, seats?: number): Quote {
  const result = quote(r, prices, { start: at(start), end: at(end), ...(seats === undefined ? {} : { seats }) }, extra);
  if (!result.ok) throw new Error(`no quote: ${result.reason.en}`);
  return result.quote;
}

/** "1 Day + 1 Hour = 9500" */
function summary(q: Quote): string {
  return `${q.lines.map((l) => `${l.qty} ${l.uom}`).join(' + ')} = ${q.total}`;
}

const CONFIGS: Record<string, Partial<ResourceSettingsInput>> = {
  'threshold, floating half-days': { pricingMode: 'threshold', halfDayMode: 'floating' },
  'threshold, fixed half-days': { pricingMode: 'threshold', halfDayMode: 'fixed', morning: '08:00-12:00', afternoon: '14:00-18:00' },
  'cheapest, floating half-days': { pricingMode: 'cheapest', halfDayMode: 'floating' },
  'cheapest, fixed half-days': { pricingMode: 'cheapest', halfDayMode: 'fixed', morning: '08:00-12:00', afternoon: '14:00-18:00' },
};

/**
 * Monday 2026-06-15, open 08:00–19:00; N = 3 h, half-day 4 h, day past 7 h, a day covers the day.
 * Columns: the four configurations above, each with public and member prices.
 */
type Row = [label: string, start: string, end: string, tf: [string, string], tx: [string, string], cf: [string, string], cx: [string, string]];
const TABLE: Row[] = [
  ['1 h', '08:00', '09:00', ['1 Hour = 1500', '1 Hour = 1000'], ['1 Hour = 1500', '1 Hour = 1000'], ['1 Hour = 1500', '1 Hour = 1000'], ['1 Hour = 1500', '1 Hour = 1000']],
  ['2 h 59', '08:00', '10:59', ['3 Hour = 4500', '3 Hour = 3000'], ['3 Hour = 4500', '3 Hour = 3000'], ['3 Hour = 4500', '3 Hour = 3000'], ['3 Hour = 4500', '3 Hour = 3000']],
  ['3 h', '08:00', '11:00', ['3 Hour = 4500', '3 Hour = 3000'], ['3 Hour = 4500', '3 Hour = 3000'], ['3 Hour = 4500', '3 Hour = 3000'], ['3 Hour = 4500', '3 Hour = 3000']],
  ['3 h 01', '08:00', '11:01', ['1 Half Day = 4500', '1 Half Day = 3500'], ['1 Half Day = 4500', '1 Half Day = 3500'], ['1 Half Day = 4500', '1 Half Day = 3500'], ['1 Half Day = 4500', '1 Half Day = 3500']],
  ['3 h 30', '08:00', '11:30', ['1 Half Day = 4500', '1 Half Day = 3500'], ['1 Half Day = 4500', '1 Half Day = 3500'], ['1 Half Day = 4500', '1 Half Day = 3500'], ['1 Half Day = 4500', '1 Half Day = 3500']],
  ['3 h 30 across noon', '10:00', '13:30', ['1 Half Day = 4500', '1 Half Day = 3500'], ['4 Hour = 6000', '4 Hour = 4000'], ['1 Half Day = 4500', '1 Half Day = 3500'], ['4 Hour = 6000', '4 Hour = 4000']],
  ['4 h 15', '08:00', '12:15', ['1 Half Day + 1 Hour = 6000', '1 Half Day + 1 Hour = 4500'], ['1 Half Day + 1 Hour = 6000', '1 Half Day + 1 Hour = 4500'], ['1 Half Day + 1 Hour = 6000', '1 Half Day + 1 Hour = 4500'], ['1 Half Day + 1 Hour = 6000', '1 Half Day + 1 Hour = 4500']],
  ['5 h', '08:00', '13:00', ['1 Half Day + 1 Hour = 6000', '1 Half Day + 1 Hour = 4500'], ['1 Half Day + 1 Hour = 6000', '1 Half Day + 1 Hour = 4500'], ['1 Half Day + 1 Hour = 6000', '1 Half Day + 1 Hour = 4500'], ['1 Half Day + 1 Hour = 6000', '1 Half Day + 1 Hour = 4500']],
  ['9 h', '08:00', '17:00', ['1 Day = 8000', '1 Day = 6000'], ['1 Day = 8000', '1 Day = 6000'], ['1 Day = 8000', '1 Day = 6000'], ['1 Day = 8000', '1 Day = 6000']],
  ['2 days', '08:00', '+1 19:00', ['2 Day = 16000', '2 Day = 12000'], ['2 Day = 16000', '2 Day = 12000'], ['2 Day = 16000', '2 Day = 12000'], ['2 Day = 16000', '2 Day = 12000']],
];

describe('the pricing table', () => {
  const configNames = Object.keys(CONFIGS);
  const cases = TABLE.flatMap(([label, start, end, ...columns]) =>
    columns.flatMap((column, c) =>
      (['public', 'member'] as const).map((list, p) => ({
        label,
        start: `2026-06-15 ${start}`,
        end: end.startsWith('+1 ') ? `2026-06-16 ${end.slice(3)}` : `2026-06-15 ${end}`,
        config: configNames[c] ?? '',
        list,
        expected: column[p],
      })),
    ),
  );

  it.each(cases)('$label, $config, $list prices → $expected', ({ start, end, config, list, expected }) => {
    const r = resource({ ...CONFIGS[config] });
    const q = priced(r, list === 'public' ? PUBLIC : MEMBER, start, end);
    expect(summary(q)).toBe(expected);
    expect(q.lines.every((l) => l.itemCode === 'SALLE-A' && l.amount === l.rate * l.qty)).toBe(true);
  });
});

describe('the two modes apart', () => {
  const eightHourDay = { dayMinutes: 480 };

  it('bills 9 h as 1 day + 1 h rather than 2 half-days + 1 h when the day is cheaper', () => {
    for (const pricingMode of ['threshold', 'cheapest'] as const) {
      const r = resource({ pricingMode, ...eightHourDay });
      expect(summary(priced(r, PUBLIC, '2026-06-15 08:00', '2026-06-15 17:00'))).toBe('1 Day + 1 Hour = 9500');
    }
  });

  it('cheapest takes 2 half-days + 1 h when they cost less; threshold keeps the place ladder', () => {
    const cheapHalfDays = { Hour: 1500, 'Half Day': 3500, Day: 8000 };
    const cheapest = resource({ pricingMode: 'cheapest', ...eightHourDay });
    const threshold = resource({ pricingMode: 'threshold', ...eightHourDay });
    expect(summary(priced(cheapest, cheapHalfDays, '2026-06-15 08:00', '2026-06-15 17:00'))).toBe('2 Half Day + 1 Hour = 8500');
    expect(summary(priced(threshold, cheapHalfDays, '2026-06-15 08:00', '2026-06-15 17:00'))).toBe('1 Day + 1 Hour = 9500');
  });

  it('threshold mode switches at a configurable day threshold', () => {
    const r = resource({ dayThresholdMinutes: 300 });
    expect(summary(priced(r, PUBLIC, '2026-06-15 08:00', '2026-06-15 13:00'))).toBe('1 Half Day + 1 Hour = 6000');
    expect(summary(priced(r, PUBLIC, '2026-06-15 08:00', '2026-06-15 13:01'))).toBe('1 Day = 8000');
  });

  it('threshold mode switches at a configurable half-day threshold', () => {
    const r = resource({ halfDayThresholdMinutes: 120 });
    expect(summary(priced(r, PUBLIC, '2026-06-15 08:00', '2026-06-15 10:00'))).toBe('2 Hour = 3000');
    expect(summary(priced(r, PUBLIC, '2026-06-15 08:00', '2026-06-15 10:30'))).toBe('1 Half Day = 4500');
  });

  it('never bills a booking more than a longer one would cost, and says so', () => {
    const dearHours = { Hour: 2000, 'Half Day': 4500, Day: 8000 };
    const q = priced(resource(), dearHours, '2026-06-15 08:00', '2026-06-15 11:00');
    expect(summary(q)).toBe('1 Half Day = 4500');
    expect(q.explanation.fr).toBe('3 h facturées comme une demi-journée, moins cher que 3 heures');
    expect(q.explanation.en).toBe('3 h billed as a half-day, cheaper than 3 hours');
  });
});

describe('units the price list lacks', () => {
  it('uses only the units that have a price', () => {
    const r = resource();
    expect(summary(priced(r, { Hour: 1500 }, '2026-06-15 08:00', '2026-06-15 13:00'))).toBe('5 Hour = 7500');
    expect(summary(priced(r, { 'Half Day': 4500, Day: 8000 }, '2026-06-15 08:00', '2026-06-15 09:00'))).toBe('1 Half Day = 4500');
    expect(summary(priced(r, { Day: 8000 }, '2026-06-15 08:00', '2026-06-15 09:00'))).toBe('1 Day = 8000');
    expect(summary(priced(r, { Hour: 1500, Day: 8000 }, '2026-06-15 08:00', '2026-06-15 12:00'))).toBe('4 Hour = 6000');
  });

  it('refuses to quote with NO_PRICE when nothing can be billed', () => {
    const result = quote(resource(), {}, { start: at('2026-06-15 08:00'), end: at('2026-06-15 09:00') });
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.reason.code).toBe('NO_PRICE');
    expect(result.reason.fr).toBe('Aucun tarif ne permet de facturer « SALLE-A » (unités tarifées : aucune)');
  });

  it('refuses to quote an empty interval or one with no open time', () => {
    const backwards = quote(resource(), PUBLIC, { start: at('2026-06-15 10:00'), end: at('2026-06-15 09:00') });
    expect(backwards.ok ? '' : backwards.reason.code).toBe('END_BEFORE_START');
    const sunday = quote(resource(), PUBLIC, { start: at('2026-06-14 10:00'), end: at('2026-06-14 12:00') });
    expect(sunday.ok ? '' : sunday.reason.code).toBe('OUTSIDE_OPENING_HOURS');
  });

  it('reads the place own UOM names', () => {
    const q = quote(
      resource(),
      { Heure: 1500, 'Demi-journée': 4500, Journée: 8000 },
      { start: at('2026-06-15 08:00'), end: at('2026-06-15 11:30') },
      { uoms: { hour: 'Heure', halfDay: 'Demi-journée', day: 'Journée' } },
    );
    expect(q.ok && summary(q.quote)).toBe('1 Demi-journée = 4500');
  });
});

describe('what the quote tells the member', () => {
  it('explains a switch to the half-day and how long the same price lasts', () => {
    const q = priced(resource(), PUBLIC, '2026-06-15 08:00', '2026-06-15 11:30');
    expect(q.explanation).toEqual({ fr: '3 h 30 facturées comme une demi-journée', en: '3 h 30 min billed as a half-day' });
    expect(q.samePriceUntil).toEqual({ end: at('2026-06-15 12:00'), fr: "Jusqu'à 12:00 pour le même prix", en: 'Until 12:00 for the same price' });
  });

  it('explains hours, and a started hour billed whole', () => {
    expect(priced(resource(), PUBLIC, '2026-06-15 08:00', '2026-06-15 09:30').explanation.fr).toBe(
      "1 h 30 facturée 2 heures (toute heure commencée est due)",
    );
    const two = priced(resource(), PUBLIC, '2026-06-15 08:00', '2026-06-15 10:00');
    expect(two.explanation).toEqual({ fr: "2 h facturées à l'heure", en: '2 h billed by the hour' });
    expect(two.samePriceUntil).toBeUndefined();
  });

  it('announces that 3 h can grow to a half-day for the same price', () => {
    expect(priced(resource(), PUBLIC, '2026-06-15 08:00', '2026-06-15 11:00').samePriceUntil?.fr).toBe("Jusqu'à 12:00 pour le même prix");
  });

  it('bounds the hint by what is free and by the maximum duration', () => {
    const q = priced(resource(), PUBLIC, '2026-06-15 08:00', '2026-06-15 11:30', { extendableUntil: at('2026-06-15 11:30') });
    expect(q.samePriceUntil).toBeUndefined();
    const capped = priced(resource({ maxMinutes: 210 }), PUBLIC, '2026-06-15 08:00', '2026-06-15 11:00');
    expect(capped.samePriceUntil?.end).toBe(at('2026-06-15 11:30'));
  });

  it('explains each day of a multi-day booking', () => {
    const r = resource({ openingHours: EVERY_DAY_ALL_DAY.map((row) => ({ ...row, from: '09:00', to: '18:00' })) });
    const q = priced(r, PUBLIC, '2026-06-15 14:00', '2026-06-16 12:00');
    expect(summary(q)).toBe('1 Half Day + 3 Hour = 9000');
    expect(q.parts.map((p) => [p.date, p.bookedMinutes, p.amount])).toEqual([
      ['2026-06-15', 240, 4500],
      ['2026-06-16', 180, 4500],
    ]);
    expect(q.explanation.fr).toBe("15/06/2026 : 4 h facturées comme une demi-journée ; 16/06/2026 : 3 h facturées à l'heure");
    expect(q.explanation.en).toBe('2026-06-15: 4 h billed as a half-day; 2026-06-16: 3 h billed by the hour');
  });

  it('multiplies by the seats of a seat pool, not by the people in a room', () => {
    const pool = seatPool();
    expect(summary(priced(pool, PUBLIC, '2026-06-15 08:00', '2026-06-15 17:00', {}, 3))).toBe('3 Day = 24000');
    expect(summary(priced(resource(), PUBLIC, '2026-06-15 08:00', '2026-06-15 17:00', {}, 10))).toBe('1 Day = 8000');
  });

  it('computes the deposit as a percentage rounded half up to the cent', () => {
    const machine = resource({ kind: 'machine', capacity: 1, depositPercent: 30 });
    expect(priced(machine, { Hour: 1665 }, '2026-06-15 08:00', '2026-06-15 09:00').deposit).toBe(500); // 499.5 → 500
    expect(priced(machine, { Hour: 1667 }, '2026-06-15 08:00', '2026-06-15 11:00').deposit).toBe(1500); // 1500.3 → 1500
    expect(priced(resource(), PUBLIC, '2026-06-15 08:00', '2026-06-15 09:00').deposit).toBe(0);
  });
});

describe('pricing on daylight-saving days', () => {
  const allDay = resource({ openingHours: EVERY_DAY_ALL_DAY });

  it('bills the real hours of 00:00–04:00: 3 on 2026-03-29, 5 on 2026-10-25', () => {
    expect(summary(priced(allDay, PUBLIC, '2026-03-29 00:00', '2026-03-29 04:00'))).toBe('3 Hour = 4500');
    expect(summary(priced(allDay, PUBLIC, '2026-10-25 00:00', '2026-10-25 04:00'))).toBe('1 Half Day + 1 Hour = 6000');
    expect(priced(allDay, PUBLIC, '2026-03-29 00:00', '2026-03-29 04:00').bookedMinutes).toBe(180);
  });

  it('bills the 23-hour and the 25-hour days as one day each', () => {
    const q = priced(allDay, PUBLIC, '2026-03-29 00:00', '2026-03-30 00:00');
    expect(summary(q)).toBe('1 Day = 8000');
    expect(q.bookedMinutes).toBe(23 * 60);
    expect(priced(allDay, PUBLIC, '2026-10-25 00:00', '2026-10-26 00:00').bookedMinutes).toBe(25 * 60);
  });

  it('keeps fixed half-days on the wall clock', () => {
    const fixed = resource({ openingHours: EVERY_DAY_ALL_DAY, halfDayMode: 'fixed', morning: '08:00-12:00', afternoon: '13:00-17:00' });
    expect(summary(priced(fixed, PUBLIC, '2026-03-29 08:00', '2026-03-29 11:30'))).toBe('1 Half Day = 4500');
    expect(summary(priced(fixed, PUBLIC, '2026-10-25 08:00', '2026-10-25 11:30'))).toBe('1 Half Day = 4500');
  });
});
