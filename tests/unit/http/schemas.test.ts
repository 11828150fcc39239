import { ConflictError, ForbiddenError, NotFoundError, UnavailableError } from '../../../sidecar/src/booking/contract';
import { reason } from '../../../sidecar/src/domain';
import { ErpUnavailableError } from '../../../sidecar/src/erp';
import { BOOKING_NOT_FOUND, fromEngineError, refusal, validationError } from '../../../sidecar/src/http/errors';
import { availabilityQuery, bookingRequest, idempotencyHeaders, listBookingsQuery, occupancyQuery } from '../../../sidecar/src/http/schemas';
import { local, utc } from '../../../sidecar/src/http/views';

const at = (iso: string) => Date.parse(iso);

describe('instants in requests', () => {
  const base = { resourceId: 'salle-a', end: '2026-12-03T11:00:00+01:00' };

  it.each([
    ['with an offset', '2026-12-03T10:00:00+01:00', at('2026-12-03T09:00:00Z')],
    ['in UTC', '2026-12-03T09:00:00Z', at('2026-12-03T09:00:00Z')],
    ['with a fraction', '2026-12-03T09:00:00.250Z', at('2026-12-03T09:00:00.250Z')],
    ['in summer time', '2026-07-01T10:00:00+02:00', at('2026-07-01T08:00:00Z')],
  ])('reads one %s', (_label, text, ms) => {
    const parsed = bookingRequest.safeParse({ resourceId: 'salle-a', start: text, end: new Date(ms + 3_600_000).toISOString() });
    expect(parsed.data?.start).toBe(ms);
  });

  it.each([
    ['without an offset (ambiguous)', '2026-12-03T10:00:00'],
    ['as a date only', '2026-12-03'],
    ['in another notation', '03/12/2026 10:00'],
    ['that does not exist', '2026-02-29T10:00:00Z'],
    ['as a number', 1_764_000_000_000],
  ])('refuses one %s', (_label, value) => {
    expect(bookingRequest.safeParse({ ...base, start: value }).success).toBe(false);
  });

  it('reads a query-string offset whose "+" became a space', () => {
    const parsed = availabilityQuery.parse({ from: '2026-12-01T08:00:00 01:00', to: '2026-12-01T09:00:00Z' });
    expect(parsed.from).toBe(at('2026-12-01T07:00:00Z'));
  });

  it('bounds ranges: end after start, availability ≤ 62 days, bookings ≤ 62 days', () => {
    const q = (from: string, to: string) => availabilityQuery.safeParse({ from, to }).success;
    expect(q('2026-12-01T00:00:00Z', '2027-01-31T00:00:00Z')).toBe(true);
    expect(q('2026-12-01T00:00:00Z', '2027-02-02T00:00:00Z')).toBe(false);
    expect(q('2026-12-01T00:00:00Z', '2026-12-01T00:00:00Z')).toBe(false);
    const b = (end: string) => bookingRequest.safeParse({ resourceId: 'r', start: '2026-12-01T00:00:00Z', end }).success;
    expect(b('2027-01-31T00:00:00Z')).toBe(true);
    expect(b('2027-02-02T00:00:00Z')).toBe(false);
  });
});

describe('lists, keys and dates in requests', () => {
  it('takes resource and status lists comma-separated or repeated', () => {
    expect(availabilityQuery.parse({ from: '2026-12-01T00:00:00Z', to: '2026-12-02T00:00:00Z', resource: 'a, b' }).resource).toEqual(['a', 'b']);
    expect(availabilityQuery.parse({ from: '2026-12-01T00:00:00Z', to: '2026-12-02T00:00:00Z', resource: ['a', 'b,c'] }).resource).toEqual(['a', 'b', 'c']);
    expect(listBookingsQuery.parse({ status: 'confirmed,cancelled' }).status).toEqual(['confirmed', 'cancelled']);
    expect(listBookingsQuery.safeParse({ status: 'confirmed,lost' }).success).toBe(false);
  });

  it('takes Idempotency-Keys of 1 to 100 visible characters', () => {
    const key = (k: string) => idempotencyHeaders.safeParse({ 'idempotency-key': k }).success;
    expect(key('550e8400-e29b-41d4-a716-446655440000')).toBe(true);
    expect(key('k'.repeat(100))).toBe(true);
    expect(key('k'.repeat(101))).toBe(false);
    expect(key('')).toBe(false);
    expect(key('with space')).toBe(false);
    expect(key('clé')).toBe(false);
    expect(idempotencyHeaders.safeParse({}).success).toBe(true);
  });

  it('takes occupancy dates that exist', () => {
    expect(occupancyQuery.safeParse({ date: '2026-12-31' }).success).toBe(true);
    expect(occupancyQuery.safeParse({ date: '2026-02-29' }).success).toBe(false);
    expect(occupancyQuery.safeParse({ date: '31/12/2026' }).success).toBe(false);
  });
});

describe('instants in answers', () => {
  it('writes UTC without a zero fraction, and the place’s wall clock with its offset', () => {
    expect(utc(at('2026-11-30T08:00:00Z'))).toBe('2026-11-30T08:00:00Z');
    expect(utc(at('2026-11-30T08:00:00.5Z'))).toBe('2026-11-30T08:00:00.500Z');
    expect(local(at('2026-11-30T08:00:00Z'), 'Europe/Paris')).toBe('2026-11-30T09:00:00+01:00');
    expect(local(at('2026-07-01T08:00:00Z'), 'Europe/Paris')).toBe('2026-07-01T10:00:00+02:00');
    // The hour that happens twice when summer time ends: the offset tells them apart.
    expect(local(at('2026-10-25T00:30:00Z'), 'Europe/Paris')).toBe('2026-10-25T02:30:00+02:00');
    expect(local(at('2026-10-25T01:30:00Z'), 'Europe/Paris')).toBe('2026-10-25T02:30:00+01:00');
  });
});

describe('errors for people', () => {
  it('turns the domain’s reasons into a 422 that lists them all', () => {
    const error = refusal([reason('IN_THE_PAST', {}), reason('LEAD_TIME', { leadMinutes: 60 })]);
    expect(error.status).toBe(422);
    expect(error.code).toBe('IN_THE_PAST');
    expect(error.body('fr').error.message).toBe("Ce créneau est déjà passé ; Réservation possible au plus tôt 1 h à l'avance");
    expect(error.body('en').error.details?.reasons).toHaveLength(2);
  });

  it('maps the engine’s errors to statuses, another member’s booking to the same 404 as a missing one', () => {
    expect(fromEngineError(new NotFoundError('booking x of someone else'), BOOKING_NOT_FOUND)?.body('en')).toEqual({
      error: { code: 'BOOKING_NOT_FOUND', message: 'Booking not found' },
    });
    expect(fromEngineError(new ForbiddenError('managers only'), BOOKING_NOT_FOUND)?.status).toBe(403);
    expect(fromEngineError(new ConflictError('fee changed'), BOOKING_NOT_FOUND)?.status).toBe(409);
    const unavailable = fromEngineError(new UnavailableError('index rebuilding', 7), BOOKING_NOT_FOUND);
    expect(unavailable?.status).toBe(503);
    expect(unavailable?.headers).toEqual({ 'Retry-After': '7' });
    const erp = fromEngineError(new ErpUnavailableError({ message: 'timeout', reason: 'timeout', outcomeUnknown: false } as never), BOOKING_NOT_FOUND);
    expect(erp?.code).toBe('ERP_UNAVAILABLE');
    expect(fromEngineError(new TypeError('bug'), BOOKING_NOT_FOUND)).toBeUndefined();
  });

  it('says where and what is wrong in an invalid body, in both languages', () => {
    const parsed = bookingRequest.safeParse({ resourceId: '', start: '2026-12-03T10:00:00Z', end: '2026-12-03T11:00:00Z', extra: 1 }, { reportInput: true });
    expect(parsed.success).toBe(false);
    const error = validationError('body', parsed.error ?? (undefined as never));
    expect(error.body('fr').error.message).toBe('Requête invalide : corps « resourceId » : au moins 1 caractère(s) ; corps : champ(s) inconnu(s) : extra');
    expect(error.body('en').error.message).toBe('Invalid request: body "resourceId": at least 1 character(s); body: unknown field(s): extra');
  });
});
