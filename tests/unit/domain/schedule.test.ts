import {
  availability,
  closedIntervals,
  HOUR_MS,
  openWindows,
  parsePlace,
  resourceSettingsSchema,
  weeklyWindows,
  type Interval,
  type Resource,
} from '../../../sidecar/src/domain';
import { at, EVERY_DAY_ALL_DAY, place, resource } from './fixtures';

const day = (date: string): Interval => ({ start: at(`${date} 00:00`), end: at(`${date} 23:59`) });

/** The slots availability lays for the resource over `range`: the grid as the API serves it. */
function slotsOf(r: Resource, range: Interval): [string, string][] {
  const hhmm = (i: number) =>
    new Date(i).toLocaleTimeString('fr-FR', { timeZone: 'Europe/Paris', hour: '2-digit', minute: '2-digit' });
  const [result] = availability({ resources: [r], place, bookings: [], range, now: range.start, audience: 'manager' });
  return (result?.slots ?? []).map((s) => [hhmm(s.start), hhmm(s.end)]);
}

describe('opening hours', () => {
  it('lays several windows a day on the calendar', () => {
    const r = resource({
      openingHours: [
        { weekday: 1, from: '08:00', to: '12:00' },
        { weekday: 1, from: '14:00', to: '18:00' },
        { weekday: 2, from: '09:00', to: '17:00' },
      ],
    });
    const monday = weeklyWindows(r, day('2026-06-15'));
    expect(monday).toEqual([
      { start: at('2026-06-15 08:00'), end: at('2026-06-15 12:00'), anchor: at('2026-06-15 08:00') },
      { start: at('2026-06-15 14:00'), end: at('2026-06-15 18:00'), anchor: at('2026-06-15 14:00') },
    ]);
    expect(weeklyWindows(r, day('2026-06-17'))).toEqual([]); // a Wednesday: closed
  });

  it('merges overlapping rows of the same day', () => {
    const r = resource({
      openingHours: [
        { weekday: 1, from: '08:00', to: '12:00' },
        { weekday: 1, from: '11:00', to: '13:00' },
      ],
    });
    expect(weeklyWindows(r, day('2026-06-15'))).toEqual([
      { start: at('2026-06-15 08:00'), end: at('2026-06-15 13:00'), anchor: at('2026-06-15 08:00') },
    ]);
  });

  it('rejects a row that ends before it starts, naming the problem', () => {
    const result = resourceSettingsSchema.safeParse({
      id: 'x',
      kind: 'room',
      itemCode: 'X',
      capacity: 1,
      openingHours: [{ weekday: 1, from: '18:00', to: '08:00' }],
    });
    expect(result.success).toBe(false);
    expect(JSON.stringify(result.error?.issues)).toContain('must end after it starts');
  });
});

describe('closures and holidays', () => {
  it('closes whole days (inclusive) and datetime ranges', () => {
    const r = resource({
      closures: [
        { from: '2026-06-16', to: '2026-06-17', reason: 'Inventaire' },
        { from: '2026-06-15 10:00', to: '2026-06-15 11:30', reason: 'Visite' },
      ],
    });
    const week = { start: at('2026-06-15 00:00'), end: at('2026-06-20 00:00') };
    const open = openWindows(r, place, week);
    expect(open).toEqual([
      { start: at('2026-06-15 08:00'), end: at('2026-06-15 10:00'), anchor: at('2026-06-15 08:00') },
      { start: at('2026-06-15 11:30'), end: at('2026-06-15 19:00'), anchor: at('2026-06-15 08:00') },
      { start: at('2026-06-18 08:00'), end: at('2026-06-18 19:00'), anchor: at('2026-06-18 08:00') },
      { start: at('2026-06-19 08:00'), end: at('2026-06-19 19:00'), anchor: at('2026-06-19 08:00') },
    ]);
  });

  it('closes on French public holidays by default, and names them', () => {
    const r = resource();
    expect(openWindows(r, place, day('2026-07-14'))).toEqual([]);
    const closed = closedIntervals(r, place, day('2026-07-14'));
    expect(closed).toHaveLength(1);
    expect(closed[0]?.kind).toBe('holiday');
    expect(closed[0]?.label.fr).toBe('Fête Nationale de la France');
    // Pentecost Sunday is an observance, not a public holiday; Whit Monday is.
    expect(closedIntervals(r, place, day('2026-05-24'))).toEqual([]);
    expect(closedIntervals(r, place, day('2026-05-25'))).toHaveLength(1);
  });

  it('uses the place subdivision (Moselle keeps Saint-Étienne, 26 December)', () => {
    const r = resource({ openingHours: EVERY_DAY_ALL_DAY });
    expect(openWindows(r, place, day('2026-12-26'))).toHaveLength(1);
    expect(openWindows(r, parsePlace({ holidaySubdivision: '57' }), day('2026-12-26'))).toEqual([]);
  });

  it('stays open on holidays when the place says so', () => {
    const r = resource();
    expect(openWindows(r, parsePlace({ holidaysClose: false }), day('2026-07-14'))).toHaveLength(1);
  });

  it('refuses an unknown holiday country', () => {
    expect(() => parsePlace({ holidayCountry: 'XX' })).toThrow('unknown holiday country');
  });
});

describe('slot grid', () => {
  it('starts at the opening of each window and drops a last partial slot', () => {
    const r = resource({ openingHours: [{ weekday: 1, from: '08:30', to: '11:00' }], slotMinutes: 60 });
    const range = day('2026-06-15');
    expect(slotsOf(r, range)).toEqual([
      ['08:30', '09:30'],
      ['09:30', '10:30'],
    ]);
  });

  it('keeps the grid when a closure cuts a window', () => {
    const r = resource({ closures: [{ from: '2026-06-15 09:10', to: '2026-06-15 10:00' }], slotMinutes: 30 });
    const range = { start: at('2026-06-15 08:00'), end: at('2026-06-15 11:00') };
    expect(slotsOf(r, range)).toEqual([
      ['08:00', '08:30'],
      ['08:30', '09:00'],
      ['10:00', '10:30'],
      ['10:30', '11:00'],
    ]);
  });

  it('has 23 hourly slots on 2026-03-29 and 25 on 2026-10-25 when open around the clock', () => {
    const r = resource({ openingHours: EVERY_DAY_ALL_DAY, slotMinutes: 60 });
    const spring = { start: at('2026-03-29 00:00'), end: at('2026-03-30 00:00') };
    const autumn = { start: at('2026-10-25 00:00'), end: at('2026-10-26 00:00') };
    const springSlots = slotsOf(r, spring);
    const autumnSlots = slotsOf(r, autumn);
    expect(springSlots).toHaveLength(23);
    expect(springSlots.slice(0, 3)).toEqual([
      ['00:00', '01:00'],
      ['01:00', '03:00'], // one real hour: 02:00 does not exist
      ['03:00', '04:00'],
    ]);
    expect(autumnSlots).toHaveLength(25);
    expect(autumnSlots.slice(1, 4)).toEqual([
      ['01:00', '02:00'],
      ['02:00', '02:00'], // 02:00 CEST to 02:00 CET
      ['02:00', '03:00'],
    ]);
    const windows = openWindows(r, place, autumn);
    expect((windows[0]?.end ?? 0) - (windows[0]?.start ?? 0)).toBe(25 * HOUR_MS);
  });
});
