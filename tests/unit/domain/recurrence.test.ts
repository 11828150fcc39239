import {
  checkSeries,
  expandRecurrence,
  MAX_OCCURRENCES,
  quotaSchema,
  recurrenceSchema,
  type Occurrence,
  type RecurrenceInput,
  type SeriesRequest,
} from '../../../sidecar/src/domain';
import { at, booking, EVERY_DAY_ALL_DAY, PARIS, place, resource } from './fixtures';

const rec = (input: RecurrenceInput) => recurrenceSchema.parse(input);
const iso = (o: Occurrence) => [o.date, new Date(o.start).toISOString(), new Date(o.end).toISOString()];

function occurrences(input: RecurrenceInput): Occurrence[] {
  const result = expandRecurrence(rec(input), PARIS);
  if (!result.ok) throw new Error(result.reason.en);
  return [...result.occurrences];
}

describe('expanding a series on the wall clock', () => {
  it('repeats weekly on the same weekday until a date (inclusive)', () => {
    const list = occurrences({ firstDate: '2026-06-02', startTime: '18:00', endTime: '20:00', freq: 'weekly', until: '2026-06-23' });
    expect(list.map((o) => o.date)).toEqual(['2026-06-02', '2026-06-09', '2026-06-16', '2026-06-23']);
  });

  it('repeats on several weekdays, every other week, for a count', () => {
    const list = occurrences({ firstDate: '2026-06-03', startTime: '09:00', endTime: '10:00', freq: 'weekly', interval: 2, weekdays: [1, 3, 5], count: 5 });
    // Wednesday 3rd and Friday 5th (Monday 1st is before the first date), then the week of the 15th.
    expect(list.map((o) => o.date)).toEqual(['2026-06-03', '2026-06-05', '2026-06-15', '2026-06-17', '2026-06-19']);
  });

  it('repeats daily every n days', () => {
    const list = occurrences({ firstDate: '2026-06-29', startTime: '09:00', endTime: '10:00', freq: 'daily', interval: 3, count: 3 });
    expect(list.map((o) => o.date)).toEqual(['2026-06-29', '2026-07-02', '2026-07-05']);
  });

  it('keeps 09:00 local across the spring change of 2026-03-29 (weekly, Sundays)', () => {
    const list = occurrences({ firstDate: '2026-03-22', startTime: '09:00', endTime: '11:00', freq: 'weekly', count: 3 });
    expect(list.map(iso)).toEqual([
      ['2026-03-22', '2026-03-22T08:00:00.000Z', '2026-03-22T10:00:00.000Z'],
      ['2026-03-29', '2026-03-29T07:00:00.000Z', '2026-03-29T09:00:00.000Z'],
      ['2026-04-05', '2026-04-05T07:00:00.000Z', '2026-04-05T09:00:00.000Z'],
    ]);
  });

  it('keeps 10:00 local across the autumn change of 2026-10-25 (daily)', () => {
    const list = occurrences({ firstDate: '2026-10-24', startTime: '10:00', endTime: '12:00', freq: 'daily', until: '2026-10-26' });
    expect(list.map(iso)).toEqual([
      ['2026-10-24', '2026-10-24T08:00:00.000Z', '2026-10-24T10:00:00.000Z'],
      ['2026-10-25', '2026-10-25T09:00:00.000Z', '2026-10-25T11:00:00.000Z'],
      ['2026-10-26', '2026-10-26T09:00:00.000Z', '2026-10-26T11:00:00.000Z'],
    ]);
  });

  it('gives a night occurrence its real length on the change nights', () => {
    const list = occurrences({ firstDate: '2026-03-28', startTime: '01:00', endTime: '04:00', freq: 'daily', count: 2 });
    expect(list.map((o) => (o.end - o.start) / 3_600_000)).toEqual([3, 2]);
  });

  it('refuses a series too long to check, or badly written', () => {
    const long = expandRecurrence(rec({ firstDate: '2026-01-01', startTime: '09:00', endTime: '10:00', freq: 'daily', until: '2028-01-01' }), PARIS);
    expect(long.ok ? '' : long.reason.code).toBe('RECURRENCE_TOO_LONG');
    expect(long.ok ? '' : long.reason.en).toBe(`Series too long: ${MAX_OCCURRENCES + 1} occurrences (at most ${MAX_OCCURRENCES})`);
    expect(() => rec({ firstDate: '2026-01-01', startTime: '09:00', endTime: '10:00', freq: 'daily' })).toThrow('exactly one');
    expect(() => rec({ firstDate: '2026-01-01', startTime: '11:00', endTime: '10:00', freq: 'daily', count: 2 })).toThrow('end after it starts');
  });
});

describe('checking a series occurrence by occurrence', () => {
  const room = resource({ openingHours: EVERY_DAY_ALL_DAY.map((r) => ({ ...r, from: '08:00', to: '20:00' })) });
  const NOW = at('2026-06-01 08:00');
  const weekly = rec({ firstDate: '2026-06-02', startTime: '18:00', endTime: '20:00', freq: 'weekly', count: 4 });
  const request = (mode: SeriesRequest['mode']): SeriesRequest => ({ recurrence: weekly, mode, member: { id: 'alice' }, actor: 'member' });
  const taken = [booking(room, '2026-06-16 19:00', '2026-06-16 20:00')];

  it('all or nothing: books nothing when one occurrence is taken, and says which', () => {
    const decision = checkSeries(request('all_or_nothing'), { resource: room, place, now: NOW, bookings: taken });
    expect(decision.ok).toBe(false);
    expect(decision.toBook).toEqual([]);
    expect(decision.refused.map((r) => [r.occurrence.date, r.reasons.map((x) => x.code)])).toEqual([['2026-06-16', ['CAPACITY']]]);
  });

  it('free ones: books the others', () => {
    const decision = checkSeries(request('free_only'), { resource: room, place, now: NOW, bookings: taken });
    expect(decision.ok).toBe(true);
    expect(decision.toBook.map((o) => o.date)).toEqual(['2026-06-02', '2026-06-09', '2026-06-23']);
    expect(decision.refused).toHaveLength(1);
  });

  it('counts earlier occurrences against the member quota', () => {
    const quota = quotaSchema.parse({ id: 'q', label: 'Salle A', resourceIds: [room.id], period: 'month', maxMinutes: 360 });
    const decision = checkSeries(request('free_only'), { resource: room, place, now: NOW, bookings: [], quotas: [quota] });
    expect(decision.toBook.map((o) => o.date)).toEqual(['2026-06-02', '2026-06-09', '2026-06-16']);
    expect(decision.refused.map((r) => [r.occurrence.date, r.reasons[0]?.code])).toEqual([['2026-06-23', 'QUOTA_EXCEEDED']]);
  });

  it('refuses holidays inside a series and passes on the approval requirement', () => {
    const moderated = resource({ approvalRequired: true, openingHours: EVERY_DAY_ALL_DAY });
    const daily = rec({ firstDate: '2026-07-13', startTime: '09:00', endTime: '10:00', freq: 'daily', count: 3 });
    const decision = checkSeries({ recurrence: daily, mode: 'free_only', member: { id: 'alice' }, actor: 'member' }, {
      resource: moderated,
      place,
      now: NOW,
      bookings: [],
    });
    expect(decision.toBook.map((o) => [o.date, o.needsApproval])).toEqual([
      ['2026-07-13', true],
      ['2026-07-15', true],
    ]);
    expect(decision.refused.map((r) => [r.occurrence.date, r.reasons[0]?.code])).toEqual([['2026-07-14', 'HOLIDAY']]);
  });

  it('checks each occurrence across the autumn change with the opening hours of that day', () => {
    const sundays = resource({ openingHours: [{ weekday: 7, from: '09:00', to: '12:00' }] });
    // 11, 18 and 25 October (1 November would be a holiday).
    const series = rec({ firstDate: '2026-10-11', startTime: '09:00', endTime: '12:00', freq: 'weekly', count: 3 });
    const decision = checkSeries({ recurrence: series, mode: 'all_or_nothing', member: { id: 'alice' }, actor: 'member' }, {
      resource: sundays,
      place,
      now: NOW,
      bookings: [],
    });
    expect(decision.ok).toBe(true);
    expect(decision.toBook.map((o) => o.bookedMinutes)).toEqual([180, 180, 180]);
  });

  it('reports a series that cannot be laid out', () => {
    const endless = rec({ firstDate: '2026-06-01', startTime: '09:00', endTime: '10:00', freq: 'daily', count: 1000 });
    const decision = checkSeries({ recurrence: endless, mode: 'free_only', member: { id: 'alice' }, actor: 'member' }, {
      resource: room,
      place,
      now: NOW,
      bookings: [],
    });
    expect(decision).toMatchObject({ ok: false, toBook: [], refused: [] });
    expect(decision.reason?.code).toBe('RECURRENCE_TOO_LONG');
  });
});
