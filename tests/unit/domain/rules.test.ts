import {
  checkBooking,
  MINUTE_MS,
  quotaSchema,
  type BookedInterval,
  type BookingRequest,
  type Decision,
  type Member,
  type QuotaInput,
  type Resource,
  type RulesContext,
} from '../../../sidecar/src/domain';
import { at, booking, place, resource, seatPool } from './fixtures';

const NOW = at('2026-06-10 12:00'); // a Wednesday
const alice: Member = { id: 'alice', customerGroup: 'Membres' };

function check(
  r: Resource,
  start: string,
  end: string,
  options: Partial<BookingRequest> = {},
  ctx: Partial<RulesContext> = {},
): Decision {
  return checkBooking(
    { start: at(start), end: at(end), member: alice, actor: 'member', ...options },
    { resource: r, place, now: NOW, bookings: [], ...ctx },
  );
}

function codes(decision: Decision): string[] {
  return decision.ok ? [] : decision.reasons.map((r) => r.code);
}

function messages(decision: Decision): { fr: string; en: string }[] {
  return decision.ok ? [] : decision.reasons.map(({ fr, en }) => ({ fr, en }));
}

const quota = (input: QuotaInput) => quotaSchema.parse(input);

describe('a request that follows every rule', () => {
  it('is accepted with its booked minutes', () => {
    const decision = check(resource(), '2026-06-15 09:00', '2026-06-15 11:30');
    expect(decision).toEqual({ ok: true, needsApproval: false, bookedMinutes: 150, units: 1 });
  });

  it('needs approval when the resource says so, unless a manager books', () => {
    const moderated = resource({ approvalRequired: true });
    expect(check(moderated, '2026-06-15 09:00', '2026-06-15 10:00')).toMatchObject({ ok: true, needsApproval: true });
    expect(check(moderated, '2026-06-15 09:00', '2026-06-15 10:00', { actor: 'manager' })).toMatchObject({ ok: true, needsApproval: false });
  });
});

describe('time rules', () => {
  it('END_BEFORE_START', () => {
    const decision = check(resource(), '2026-06-15 10:00', '2026-06-15 10:00');
    expect(codes(decision)).toEqual(['END_BEFORE_START']);
    expect(messages(decision)).toEqual([{ fr: 'La fin doit être après le début', en: 'The end must be after the start' }]);
  });

  it('IN_THE_PAST, for managers too', () => {
    expect(codes(check(resource(), '2026-06-10 08:00', '2026-06-10 09:00'))).toEqual(['IN_THE_PAST']);
    expect(codes(check(resource(), '2026-06-10 08:00', '2026-06-10 09:00', { actor: 'manager' }))).toEqual(['IN_THE_PAST']);
  });

  it('LEAD_TIME, with the lead in the message; managers are exempt', () => {
    const r = resource({ leadMinutes: 120 });
    const decision = check(r, '2026-06-10 13:30', '2026-06-10 14:30');
    expect(codes(decision)).toEqual(['LEAD_TIME']);
    expect(messages(decision)[0]).toEqual({
      fr: "Réservation possible au plus tôt 2 h à l'avance",
      en: 'Bookings must be made at least 2 h in advance',
    });
    expect(check(r, '2026-06-10 14:00', '2026-06-10 15:00').ok).toBe(true);
    expect(check(r, '2026-06-10 13:30', '2026-06-10 14:30', { actor: 'manager' }).ok).toBe(true);
  });

  it('HORIZON: the last bookable day is today + horizonDays, in the resource zone', () => {
    const r = resource({ horizonDays: 7 });
    expect(check(r, '2026-06-17 18:00', '2026-06-17 19:00').ok).toBe(true);
    const decision = check(r, '2026-06-18 08:00', '2026-06-18 09:00');
    expect(codes(decision)).toEqual(['HORIZON']);
    expect(messages(decision)[0]?.fr).toBe("Réservation possible au plus 7 jours à l'avance (jusqu'au 17/06/2026)");
    expect(messages(decision)[0]?.en).toBe('Bookings open at most 7 days ahead (until 2026-06-17)');
    expect(check(r, '2026-06-18 08:00', '2026-06-18 09:00', { actor: 'manager' }).ok).toBe(true);
  });

  it('MIN_DURATION and MAX_DURATION count the minutes inside opening hours', () => {
    const r = resource({ minMinutes: 60, maxMinutes: 240 });
    const short = check(r, '2026-06-15 09:00', '2026-06-15 09:30');
    expect(codes(short)).toEqual(['MIN_DURATION']);
    expect(messages(short)[0]?.fr).toBe('Durée minimale : 1 h (demandé : 30 min)');
    const long = check(r, '2026-06-15 09:00', '2026-06-15 13:30');
    expect(codes(long)).toEqual(['MAX_DURATION']);
    expect(messages(long)[0]?.en).toBe('Maximum duration: 4 h (requested: 4 h 30 min)');
  });

  it('NOT_ALIGNED when a start or an end falls between slots', () => {
    const r = resource({ slotMinutes: 30 });
    expect(codes(check(r, '2026-06-15 09:10', '2026-06-15 10:00'))).toEqual(['NOT_ALIGNED']);
    const decision = check(r, '2026-06-15 09:00', '2026-06-15 09:45');
    expect(codes(decision)).toEqual(['NOT_ALIGNED']);
    expect(messages(decision)[0]?.fr).toBe('Les réservations commencent et finissent sur des créneaux de 30 min (par exemple 08:00, 08:30)');
  });

  it('OUTSIDE_OPENING_HOURS, quoting the hours of that day', () => {
    const r = resource({
      openingHours: [
        { weekday: 1, from: '08:00', to: '12:00' },
        { weekday: 1, from: '14:00', to: '18:00' },
      ],
    });
    const early = check(r, '2026-06-15 07:00', '2026-06-15 09:00');
    expect(codes(early)).toEqual(['OUTSIDE_OPENING_HOURS']);
    expect(messages(early)[0]).toEqual({
      fr: "En dehors des heures d'ouverture (ce jour-là : 08:00–12:00, 14:00–18:00)",
      en: 'Outside opening hours (that day: 08:00–12:00, 14:00–18:00)',
    });
    expect(codes(check(r, '2026-06-15 11:00', '2026-06-15 13:00'))).toEqual(['OUTSIDE_OPENING_HOURS']);
    expect(messages(check(r, '2026-06-16 09:00', '2026-06-16 10:00'))[0]?.en).toBe('Outside opening hours (that day: closed)');
  });

  it('lets a booking span the closed time between two windows, counting only the open time', () => {
    const r = resource({
      openingHours: [
        { weekday: 1, from: '08:00', to: '12:00' },
        { weekday: 1, from: '14:00', to: '18:00' },
        { weekday: 2, from: '08:00', to: '18:00' },
      ],
    });
    expect(check(r, '2026-06-15 10:00', '2026-06-15 16:00')).toMatchObject({ ok: true, bookedMinutes: 240 });
    expect(check(r, '2026-06-15 14:00', '2026-06-16 12:00')).toMatchObject({ ok: true, bookedMinutes: 480 });
  });

  it('CLOSED, naming the closure', () => {
    const r = resource({ closures: [{ from: '2026-08-01', to: '2026-08-16', reason: "congés d'été" }] });
    const decision = check(r, '2026-08-10 09:00', '2026-08-10 10:00');
    expect(codes(decision)).toEqual(['CLOSED']);
    expect(messages(decision)[0]?.fr).toBe("Fermé du 01/08/2026 00:00 au 17/08/2026 00:00 (congés d'été)");
  });

  it('HOLIDAY, naming the holiday in both languages', () => {
    const decision = check(resource(), '2026-07-14 09:00', '2026-07-14 10:00');
    expect(codes(decision)).toEqual(['HOLIDAY']);
    expect(messages(decision)[0]).toEqual({
      fr: 'Fermé le 14/07/2026 (Fête Nationale de la France)',
      en: 'Closed on 2026-07-14 (Bastille Day)',
    });
  });

  it('ignores a closure that only falls where the place is closed anyway', () => {
    const r = resource({ closures: [{ from: '2026-06-15 20:00', to: '2026-06-16 07:00', reason: 'Alarme' }] });
    expect(check(r, '2026-06-15 18:00', '2026-06-16 09:00').ok).toBe(true);
  });
});

describe('capacity rules', () => {
  it('CAPACITY on a room already booked, including its buffers', () => {
    const r = resource({ bufferAfterMinutes: 30 });
    const taken = [booking(r, '2026-06-15 09:00', '2026-06-15 10:00')];
    const decision = check(r, '2026-06-15 10:00', '2026-06-15 11:00', {}, { bookings: taken });
    expect(codes(decision)).toEqual(['CAPACITY']);
    expect(messages(decision)[0]?.fr).toBe('Déjà réservé sur ce créneau');
    expect(check(r, '2026-06-15 10:30', '2026-06-15 11:00', {}, { bookings: taken }).ok).toBe(true);
  });

  it('CAPACITY when a calendar says the room is busy', () => {
    const r = resource();
    const busy = [{ resourceId: r.id, start: at('2026-06-15 10:00'), end: at('2026-06-15 10:05') }];
    expect(codes(check(r, '2026-06-15 09:00', '2026-06-15 11:00', {}, { busy }))).toEqual(['CAPACITY']);
  });

  it('does not count the booking being moved against itself', () => {
    const r = resource();
    const mine = booking(r, '2026-06-15 09:00', '2026-06-15 10:00', { memberId: 'alice' });
    expect(check(r, '2026-06-15 09:30', '2026-06-15 10:30', { replacesBookingId: mine.id }, { bookings: [mine] }).ok).toBe(true);
  });

  it('CAPACITY on a seat pool names the seats left', () => {
    const pool = seatPool({ capacity: 10 });
    const taken = [booking(pool, '2026-06-15 08:00', '2026-06-15 19:00', { seats: 8 })];
    const decision = check(pool, '2026-06-15 09:00', '2026-06-15 10:00', { seats: 3 }, { bookings: taken });
    expect(codes(decision)).toEqual(['CAPACITY']);
    expect(messages(decision)[0]?.fr).toBe('Plus que 2 places disponibles sur ce créneau (3 demandées)');
    expect(decision.ok ? undefined : decision.reasons[0]?.params).toEqual({ free: 2, requested: 3, exclusive: false });
  });

  it('WALK_IN_MARGIN for members; managers may book into it', () => {
    const pool = seatPool({ capacity: 10, walkInMargin: { seats: 2 } });
    const taken = [booking(pool, '2026-06-15 08:00', '2026-06-15 19:00', { seats: 7 })];
    const decision = check(pool, '2026-06-15 09:00', '2026-06-15 10:00', { seats: 2 }, { bookings: taken });
    expect(codes(decision)).toEqual(['WALK_IN_MARGIN']);
    expect(messages(decision)[0]?.en).toBe('2 seats are kept for walk-in visitors: 1 seat bookable online at that time (2 requested)');
    expect(check(pool, '2026-06-15 09:00', '2026-06-15 10:00', { seats: 2, actor: 'manager' }, { bookings: taken }).ok).toBe(true);
  });

  it('TOO_MANY_SEATS for more people than a room holds, and INVALID_SEATS for a non-positive count', () => {
    const decision = check(resource(), '2026-06-15 09:00', '2026-06-15 10:00', { seats: 13 });
    expect(codes(decision)).toEqual(['TOO_MANY_SEATS']);
    expect(messages(decision)[0]?.fr).toBe('La salle accueille au plus 12 personnes (13 demandées)');
    expect(codes(check(resource(), '2026-06-15 09:00', '2026-06-15 10:00', { seats: 0 }))).toEqual(['INVALID_SEATS']);
    expect(codes(check(resource(), '2026-06-15 09:00', '2026-06-15 10:00', { seats: 1.5 }))).toEqual(['INVALID_SEATS']);
  });

  it('books a room whole whatever the number of people', () => {
    const r = resource();
    expect(check(r, '2026-06-15 09:00', '2026-06-15 10:00', { seats: 12 })).toMatchObject({ ok: true, units: 1 });
  });
});

describe('eligibility rules', () => {
  it('NOT_ELIGIBLE when the member is not in an allowed customer group', () => {
    const r = resource({ memberGroups: ['Résidents', 'Membres'] });
    expect(check(r, '2026-06-15 09:00', '2026-06-15 10:00').ok).toBe(true);
    const decision = check(r, '2026-06-15 09:00', '2026-06-15 10:00', { member: { id: 'bob', customerGroup: 'Public' } });
    expect(codes(decision)).toEqual(['NOT_ELIGIBLE']);
    expect(messages(decision)[0]?.fr).toBe('Réservé aux groupes : Résidents, Membres');
    expect(codes(check(r, '2026-06-15 09:00', '2026-06-15 10:00', { member: { id: 'carol' } }))).toEqual(['NOT_ELIGIBLE']);
  });

  it('QUALIFICATION_REQUIRED when the member lacks it or it has expired by the start', () => {
    const laser = resource({ kind: 'machine', capacity: 1, requiredQualification: 'Découpe laser' });
    const trained = { id: 'dan', qualifications: [{ name: 'Découpe laser' }] };
    const expired = { id: 'eve', qualifications: [{ name: 'Découpe laser', expiresAt: at('2026-06-14 23:59') }] };
    expect(check(laser, '2026-06-15 09:00', '2026-06-15 10:00', { member: trained }).ok).toBe(true);
    const missing = check(laser, '2026-06-15 09:00', '2026-06-15 10:00');
    expect(codes(missing)).toEqual(['QUALIFICATION_REQUIRED']);
    expect(messages(missing)[0]?.fr).toBe('Habilitation « Découpe laser » requise');
    const lapsed = check(laser, '2026-06-15 09:00', '2026-06-15 10:00', { member: expired });
    expect(messages(lapsed)[0]?.en).toBe('Qualification "Découpe laser" has expired');
  });
});

describe('quotas', () => {
  const rooms = [resource({ id: 'salle-a' }), resource({ id: 'salle-b' })] as const;
  const [roomA, roomB] = rooms;
  const resources = new Map(rooms.map((r) => [r.id, r]));
  const mine = (r: Resource, start: string, end: string, extra: Partial<BookedInterval> = {}) =>
    booking(r, start, end, { memberId: 'alice', ...extra });

  it('QUOTA_EXCEEDED on hours per week over a group of resources', () => {
    const weekly = quota({ id: 'q1', label: 'salles de réunion', resourceIds: ['salle-a', 'salle-b'], period: 'week', maxMinutes: 600 });
    const bookings = [
      mine(roomA, '2026-06-15 08:00', '2026-06-15 12:00'),
      mine(roomB, '2026-06-16 08:00', '2026-06-16 13:00'),
      // Other weeks, other members and cancelled bookings do not count.
      mine(roomA, '2026-06-22 08:00', '2026-06-22 18:00'),
      booking(roomA, '2026-06-17 08:00', '2026-06-17 18:00', { memberId: 'bob' }),
      mine(roomB, '2026-06-18 08:00', '2026-06-18 18:00', { status: 'cancelled' }),
    ];
    const ctx = { bookings, quotas: [weekly], resources };
    expect(check(roomA, '2026-06-19 08:00', '2026-06-19 09:00', {}, ctx).ok).toBe(true);
    const decision = check(roomA, '2026-06-19 08:00', '2026-06-19 10:00', {}, ctx);
    expect(codes(decision)).toEqual(['QUOTA_EXCEEDED']);
    expect(messages(decision)[0]).toEqual({
      fr: 'Quota dépassé : 10 h par semaine pour salles de réunion (déjà 9 h, demandé 2 h)',
      en: 'Quota exceeded: 10 h per week for salles de réunion (already 9 h, requested 2 h)',
    });
    expect(check(roomA, '2026-06-19 08:00', '2026-06-19 10:00', { actor: 'manager' }, ctx).ok).toBe(true);
  });

  it('QUOTA_EXCEEDED on bookings per day for one resource', () => {
    const daily = quota({ id: 'q2', label: 'Salle A', resourceIds: ['salle-a'], period: 'day', maxBookings: 1 });
    const ctx = { bookings: [mine(roomA, '2026-06-15 08:00', '2026-06-15 09:00')], quotas: [daily], resources };
    const decision = check(roomA, '2026-06-15 15:00', '2026-06-15 16:00', {}, ctx);
    expect(codes(decision)).toEqual(['QUOTA_EXCEEDED']);
    expect(messages(decision)[0]?.fr).toBe('Quota dépassé : 1 réservation par jour pour Salle A (déjà 1 réservation, demandé 1 réservation)');
    expect(check(roomA, '2026-06-16 15:00', '2026-06-16 16:00', {}, ctx).ok).toBe(true);
    expect(check(roomB, '2026-06-15 15:00', '2026-06-15 16:00', {}, { ...ctx, resource: roomB }).ok).toBe(true);
  });

  it('applies to the customer groups it names only', () => {
    const publicOnly = quota({ id: 'q3', label: 'Salle A', resourceIds: ['salle-a'], period: 'month', maxMinutes: 60, customerGroups: ['Public'] });
    const ctx = { quotas: [publicOnly], resources };
    expect(check(roomA, '2026-06-15 08:00', '2026-06-15 10:00', {}, ctx).ok).toBe(true);
    expect(codes(check(roomA, '2026-06-15 08:00', '2026-06-15 10:00', { member: { id: 'x', customerGroup: 'Public' } }, ctx))).toEqual([
      'QUOTA_EXCEEDED',
    ]);
  });

  it('counts the hours of a multi-day booking on each day it covers, inside opening hours', () => {
    const daily = quota({ id: 'q4', label: 'Salle A', resourceIds: ['salle-a'], period: 'day', maxMinutes: 600 });
    const ctx = { bookings: [mine(roomA, '2026-06-15 14:00', '2026-06-16 12:00')], quotas: [daily], resources };
    // Tuesday already has 08:00–12:00 (4 h): 6 h more fit, 7 h do not.
    expect(check(roomA, '2026-06-16 13:00', '2026-06-16 19:00', {}, ctx).ok).toBe(true);
    expect(codes(check(roomA, '2026-06-16 12:00', '2026-06-16 19:00', {}, ctx))).toEqual(['QUOTA_EXCEEDED']);
  });

  it('rejects a quota that limits nothing or both things', () => {
    expect(() => quota({ id: 'q', label: 'x', resourceIds: ['a'], period: 'day' })).toThrow('exactly one');
    expect(() => quota({ id: 'q', label: 'x', resourceIds: ['a'], period: 'day', maxMinutes: 1, maxBookings: 1 })).toThrow('exactly one');
  });
});

describe('several reasons at once', () => {
  it('returns every reason that applies', () => {
    const r = resource({
      kind: 'machine',
      capacity: 1,
      memberGroups: ['Fablab'],
      requiredQualification: 'CNC',
      leadMinutes: 24 * 60,
      minMinutes: 60,
      slotMinutes: 30,
    });
    const taken = [booking(r, '2026-06-11 07:00', '2026-06-11 20:00')];
    const decision = check(r, '2026-06-11 07:45', '2026-06-11 08:15', {}, { bookings: taken, now: NOW });
    expect(codes(decision).sort()).toEqual(
      ['CAPACITY', 'LEAD_TIME', 'MIN_DURATION', 'NOT_ELIGIBLE', 'OUTSIDE_OPENING_HOURS', 'QUALIFICATION_REQUIRED'].sort(),
    );
  });

  it('every message exists in French and English and differs between them', () => {
    const r = resource({ memberGroups: ['Fablab'], leadMinutes: 24 * 60 });
    const decision = check(r, '2026-06-11 07:45', '2026-06-11 08:15', {}, { now: NOW });
    for (const { fr, en } of messages(decision)) {
      expect(fr.length).toBeGreaterThan(10);
      expect(en.length).toBeGreaterThan(10);
      expect(fr).not.toBe(en);
    }
  });
});

describe('lead time measured in real minutes across a daylight-saving change', () => {
  it('counts the 23-hour night of 2026-03-29', () => {
    const r = resource({ leadMinutes: 24 * 60, openingHours: [{ weekday: 1, from: '08:00', to: '19:00' }, { weekday: 7, from: '08:00', to: '19:00' }] });
    const now = at('2026-03-29 09:00'); // Sunday 09:00 CEST
    // Monday 08:00 CEST is 23 real hours later: too soon. 09:00 and 10:00 are 24 and 25 hours later.
    expect(codes(check(r, '2026-03-30 08:00', '2026-03-30 09:00', {}, { now }))).toEqual(['LEAD_TIME']);
    expect(check(r, '2026-03-30 09:00', '2026-03-30 10:00', {}, { now }).ok).toBe(true);
    expect(now + 24 * 60 * MINUTE_MS).toBe(at('2026-03-30 09:00'));
  });
});
