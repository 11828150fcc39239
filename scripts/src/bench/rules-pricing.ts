import {
  checkBooking,
  checkSeries,
  parseLocalDateTime,
  parsePlace,
  quote,
  quotaSchema,
  recurrenceSchema,
  type Decision,
  type QuoteResult,
  type SeriesDecision,
} from '../../../sidecar/src/domain';
import { makeBookings, makeResources } from './availability';
import { defineBenchmark, type Benchmark } from './harness';

/** The decisions taken on each booking request: the rules, the quote, a weekly series. */

const ZONE = 'Europe/Paris';
const at = (local: string) => parseLocalDateTime(local, ZONE);

function world() {
  const place = parsePlace({});
  const resources = makeResources(50);
  const range = { start: at('2026-10-01'), end: at('2027-10-01') };
  const bookings = makeBookings(resources, place, range, 10_000);
  const room = resources[0];
  if (!room) throw new Error('no resource generated');
  const quotas = [quotaSchema.parse({ id: 'q', label: 'salles', resourceIds: resources.map((r) => r.id), period: 'week', maxMinutes: 20 * 60 })];
  return { place, resources, room, bookings, quotas, now: at('2026-09-30 12:00') };
}

const PRICES = { Hour: 1500, 'Half Day': 4500, Day: 8000 };

export const benchmarks: Benchmark[] = [
  defineBenchmark({
    name: 'rules: one request against 10,000 bookings, with a weekly quota',
    setup: world,
    run: (w): Decision =>
      checkBooking(
        { start: at('2026-10-14 14:00'), end: at('2026-10-14 16:00'), member: { id: 'member-7' }, actor: 'member' },
        { resource: w.room, place: w.place, now: w.now, bookings: w.bookings, quotas: w.quotas, resources: new Map(w.resources.map((r) => [r.id, r])) },
      ),
    figures: (w, last) => ({ bookings: w.bookings.length, decision: (last as Decision).ok ? 'accepted' : (last as Extract<Decision, { ok: false }>).reasons.map((r) => r.code).join(',') }),
    iterations: 500,
    warmup: 50,
  }),
  defineBenchmark({
    name: 'pricing: quote 9 h, threshold ladder',
    setup: () => world().room,
    run: (room): QuoteResult => quote(room, PRICES, { start: at('2026-10-14 08:00'), end: at('2026-10-14 17:00') }),
    figures: (_room, last) => ({ total: (last as QuoteResult).ok ? (last as Extract<QuoteResult, { ok: true }>).quote.total : 'none' }),
    iterations: 500,
    warmup: 50,
  }),
  defineBenchmark({
    name: 'recurrence: 52 weekly occurrences checked one by one',
    setup: world,
    run: (w): SeriesDecision =>
      checkSeries(
        {
          recurrence: recurrenceSchema.parse({ firstDate: '2026-10-06', startTime: '18:00', endTime: '19:30', freq: 'weekly', count: 52 }),
          mode: 'free_only',
          member: { id: 'member-9' },
          actor: 'member',
        },
        { resource: w.room, place: w.place, now: w.now, bookings: w.bookings },
      ),
    figures: (_w, last) => ({ toBook: (last as SeriesDecision).toBook.length, refused: (last as SeriesDecision).refused.length }),
    iterations: 50,
    warmup: 5,
  }),
];
