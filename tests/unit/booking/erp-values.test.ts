import fc from 'fast-check';
import {
  centsFromDecimal,
  clockFromTime,
  decimalFromCents,
  erpFromInstant,
  ErpValueError,
  instantFromErp,
  lines,
  optionalPositiveInt,
} from '../../../sidecar/src/catalog/erp-values';

describe('amounts in exact cents', () => {
  it.each([
    [120.0, 12_000],
    [1.15, 115],
    [4.35, 435],
    [0.1, 10],
    [19.99, 1_999],
    [1234567.89, 123_456_789],
    ['12.345', 1_235],
    ['12.344', 1_234],
    ['0.005', 1],
    ['1e2', 10_000],
    ['-5.5', -550],
    [1e-7, 0],
    [0, 0],
  ])('%p → %p cents', (value, cents) => {
    expect(centsFromDecimal(value)).toBe(cents);
  });

  it('never goes through a float multiplication (where x × 100 is off by a hair)', () => {
    // 1.15 × 100 = 114.99999999999999 and 4.35 × 100 = 434.99999999999994 in binary floating point.
    expect(centsFromDecimal(1.15)).toBe(115);
    expect(centsFromDecimal(4.35)).toBe(435);
  });

  it('reads back every amount it writes', () => {
    fc.assert(
      fc.property(fc.integer({ min: -1_000_000_000, max: 1_000_000_000 }), (cents) => {
        expect(centsFromDecimal(decimalFromCents(cents))).toBe(cents);
        expect(centsFromDecimal(String(decimalFromCents(cents)))).toBe(cents);
      }),
    );
  });

  it('refuses what is not an amount, saying what it got', () => {
    expect(() => centsFromDecimal('12,50', 'rate of SALLE')).toThrow(new ErpValueError('rate of SALLE "12,50" is not a decimal number'));
    expect(() => centsFromDecimal('')).toThrow(ErpValueError);
    expect(() => centsFromDecimal(Number.NaN)).toThrow(/not a finite number/);
    expect(() => centsFromDecimal(1e300)).toThrow(/too large/);
  });
});

describe('times and date-times as Frappe writes them', () => {
  it('reads Time fields in both forms (HH:MM:SS and timedelta text) to the minute', () => {
    expect(clockFromTime('08:00:00', 'from')).toBe('08:00');
    expect(clockFromTime('8:30:00', 'from')).toBe('08:30');
    expect(clockFromTime('18:00:00.000000', 'to')).toBe('18:00');
    expect(clockFromTime('24:00', 'to')).toBe('24:00');
    expect(() => clockFromTime('18:00:30', 'opening row 1 "To"')).toThrow('opening row 1 "To" "18:00:30" has seconds: opening hours are set to the minute');
    expect(() => clockFromTime('25:00:00', 'to')).toThrow(/not a time of day/);
    expect(() => clockFromTime('noon', 'to')).toThrow(/not a time of day/);
  });

  it('writes and reads naive site-zone date-times, across the October clock change', () => {
    const zone = 'Europe/Paris';
    const instant = Date.UTC(2026, 11, 7, 8, 30);
    expect(erpFromInstant(instant, zone)).toBe('2026-12-07 09:30:00');
    expect(instantFromErp('2026-12-07 09:30:00.000000', zone, 'starts_at')).toBe(instant);
    expect(instantFromErp('2026-07-07 09:30:00', zone, 'starts_at')).toBe(Date.UTC(2026, 6, 7, 7, 30));
    expect(() => instantFromErp('07/12/2026 09:30', zone, 'starts_at')).toThrow('starts_at "07/12/2026 09:30" is not a date-time (YYYY-MM-DD HH:MM:SS)');
  });

  it('treats 0 and empty as "not set" where the add-on says so', () => {
    expect(optionalPositiveInt(0, 'max_minutes')).toBeUndefined();
    expect(optionalPositiveInt(null, 'max_minutes')).toBeUndefined();
    expect(optionalPositiveInt(90, 'max_minutes')).toBe(90);
    expect(() => optionalPositiveInt(1.5, 'max_minutes')).toThrow('max_minutes must be a whole number, got 1.5');
    expect(lines('a\n\n b \r\nc')).toEqual(['a', 'b', 'c']);
  });
});
