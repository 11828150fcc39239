import {
  addDays,
  HOUR_MS,
  instantOfLocalTime,
  localDateOf,
  mergeIntervals,
  parseClock,
  parseLocalDateTime,
  subtractIntervals,
  wallClock,
  weekdayOf,
  zoneDay,
  zoneDaysOverlapping,
} from '../../../sidecar/src/domain';
import { PARIS } from './fixtures';

const utc = (iso: string) => Date.parse(iso);

describe('wall-clock times', () => {
  it('reads HH:mm, including 24:00 as the end of the day', () => {
    expect(parseClock('08:30')).toBe(510);
    expect(parseClock('24:00')).toBe(1440);
    expect(() => parseClock('24:30')).toThrow('HH:mm');
    expect(() => parseClock('8:30')).toThrow('HH:mm');
    expect(() => parseClock('12:60')).toThrow('HH:mm');
  });

  it('does calendar arithmetic on dates across months, years and leap days', () => {
    expect(addDays('2026-12-31', 1)).toBe('2027-01-01');
    expect(addDays('2028-02-28', 1)).toBe('2028-02-29');
    expect(addDays('2026-03-01', -1)).toBe('2026-02-28');
    expect(weekdayOf('2026-03-29')).toBe(7); // a Sunday
    expect(weekdayOf('2026-06-15')).toBe(1); // a Monday
  });
});

describe('local days in Europe/Paris', () => {
  it('has 23 hours on 2026-03-29 and 25 hours on 2026-10-25', () => {
    const spring = zoneDay(PARIS, '2026-03-29');
    const autumn = zoneDay(PARIS, '2026-10-25');
    const ordinary = zoneDay(PARIS, '2026-06-15');
    expect(spring.start).toBe(utc('2026-03-28T23:00:00Z'));
    expect(spring.end - spring.start).toBe(23 * HOUR_MS);
    expect(autumn.start).toBe(utc('2026-10-24T22:00:00Z'));
    expect(autumn.end - autumn.start).toBe(25 * HOUR_MS);
    expect(ordinary.end - ordinary.start).toBe(24 * HOUR_MS);
  });

  it('places wall-clock times on both sides of the change at the right offset', () => {
    const spring = zoneDay(PARIS, '2026-03-29');
    expect(instantOfLocalTime(PARIS, spring, 60)).toBe(utc('2026-03-29T00:00:00Z')); // 01:00 CET
    expect(instantOfLocalTime(PARIS, spring, 180)).toBe(utc('2026-03-29T01:00:00Z')); // 03:00 CEST
    expect(instantOfLocalTime(PARIS, spring, 480)).toBe(utc('2026-03-29T06:00:00Z')); // 08:00 CEST
    // 02:30 does not exist that night: it moves forward by the gap.
    expect(instantOfLocalTime(PARIS, spring, 150)).toBe(utc('2026-03-29T01:30:00Z'));
    const autumn = zoneDay(PARIS, '2026-10-25');
    expect(instantOfLocalTime(PARIS, autumn, 60)).toBe(utc('2026-10-24T23:00:00Z')); // 01:00 CEST
    expect(instantOfLocalTime(PARIS, autumn, 480)).toBe(utc('2026-10-25T07:00:00Z')); // 08:00 CET
    expect(instantOfLocalTime(PARIS, autumn, 1440)).toBe(utc('2026-10-25T23:00:00Z'));
  });

  it('lists the local days an interval touches', () => {
    const days = zoneDaysOverlapping(PARIS, { start: utc('2026-10-24T21:00:00Z'), end: utc('2026-10-26T00:00:00Z') });
    expect(days.map((d) => d.date)).toEqual(['2026-10-24', '2026-10-25', '2026-10-26']);
    expect(localDateOf(utc('2026-10-24T22:30:00Z'), PARIS)).toBe('2026-10-25');
    expect(wallClock(utc('2026-10-25T07:00:00Z'), PARIS)).toEqual({ date: '2026-10-25', minuteOfDay: 480, weekday: 7 });
  });

  it('reads ERP dates and date-times as wall-clock times of the zone, or exact instants when an offset is given', () => {
    expect(parseLocalDateTime('2026-08-01', PARIS)).toBe(utc('2026-07-31T22:00:00Z'));
    expect(parseLocalDateTime('2026-01-15 14:30:00', PARIS)).toBe(utc('2026-01-15T13:30:00Z'));
    expect(parseLocalDateTime('2026-01-15T14:30:00Z', PARIS)).toBe(utc('2026-01-15T14:30:00Z'));
    expect(() => parseLocalDateTime('15/01/2026', PARIS)).toThrow('not a date');
  });
});

describe('intervals', () => {
  it('merges overlapping and touching intervals', () => {
    expect(
      mergeIntervals([
        { start: 5, end: 7 },
        { start: 1, end: 3 },
        { start: 3, end: 4 },
        { start: 6, end: 9 },
      ]),
    ).toEqual([
      { start: 1, end: 4 },
      { start: 5, end: 9 },
    ]);
  });

  it('cuts holes out of an interval', () => {
    expect(subtractIntervals({ start: 0, end: 10 }, [{ start: 2, end: 3 }, { start: 5, end: 12 }])).toEqual([
      { start: 0, end: 2 },
      { start: 3, end: 5 },
    ]);
    expect(subtractIntervals({ start: 0, end: 10 }, [{ start: -5, end: 20 }])).toEqual([]);
  });
});
