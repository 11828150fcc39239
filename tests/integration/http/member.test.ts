import { randomUUID } from 'node:crypto';
import {
  availabilityResponse,
  bookingSchema,
  bookingsResponse,
  cancellationPreviewSchema,
  quoteSchema,
  resourcesResponse,
} from '../../../sidecar/src/http/schemas';
import { ApiClient, errorOf, signedIn, type ApiResponse } from '../../support/api-client';
import { startHarness, type Harness } from './support/harness';

let h: Harness;
let alice: ApiClient;
let bob: ApiClient;

beforeAll(async () => {
  h = await startHarness();
  alice = await signedIn(h.url, h.placeId, h.members.alice);
  bob = await signedIn(h.url, h.placeId, h.members.bob);
});

afterAll(async () => {
  await h.close();
});

/** Thursday 3 December 2026 (more than 48 h after "now": free cancellation); hours in Paris. */
const thursday = (from: string, to: string) => ({ start: `2026-12-03T${from}:00+01:00`, end: `2026-12-03T${to}:00+01:00` });

async function book(client: ApiClient, body: Record<string, unknown>, key?: string): Promise<ApiResponse> {
  return client.post('/bookings', body, key !== undefined ? { headers: { 'idempotency-key': key } } : {});
}

async function bookOk(client: ApiClient, body: Record<string, unknown>) {
  const response = await book(client, body);
  if (response.status !== 201) throw new Error(`booking failed: ${response.status} ${response.text}`);
  return bookingSchema.parse(response.body);
}

describe('resources and availability', () => {
  it('lists the resources with their rules and this member’s prices in cents', async () => {
    const response = await alice.get('/resources');
    expect(response.status).toBe(200);
    const { resources } = resourcesResponse.parse(response.body);
    expect(resources.map((r) => r.id)).toEqual(['salle-a', 'coworking', 'laser']);
    const coworking = resources.find((r) => r.id === 'coworking');
    expect(coworking).toMatchObject({ kind: 'seat_pool', capacity: 20, bookableCapacity: 15, eligible: true });
    expect(coworking?.prices.Hour).toEqual({ cents: 500, currency: 'EUR' });
    expect(resources.find((r) => r.id === 'laser')?.approvalRequired).toBe(true);
  });

  it('shows free seats per slot in UTC and on the place’s clock, the walk-in margin kept out', async () => {
    const response = await alice.get('/availability?resource=coworking&from=2026-12-01T08:00:00%2B01:00&to=2026-12-01T11:00:00%2B01:00');
    expect(response.status).toBe(200);
    const body = availabilityResponse.parse(response.body);
    expect(body.resources).toHaveLength(1);
    expect(body.resources[0]?.slots).toEqual([
      { start: '2026-12-01T07:00:00Z', startLocal: '2026-12-01T08:00:00+01:00', end: '2026-12-01T08:00:00Z', endLocal: '2026-12-01T09:00:00+01:00', free: 15 },
      { start: '2026-12-01T08:00:00Z', startLocal: '2026-12-01T09:00:00+01:00', end: '2026-12-01T09:00:00Z', endLocal: '2026-12-01T10:00:00+01:00', free: 15 },
      { start: '2026-12-01T09:00:00Z', startLocal: '2026-12-01T10:00:00+01:00', end: '2026-12-01T10:00:00Z', endLocal: '2026-12-01T11:00:00+01:00', free: 15 },
    ]);
  });

  it('reads an offset whose "+" arrived unencoded (as a space) in the query string', async () => {
    const response = await alice.get('/availability?resource=salle-a&from=2026-12-01T08:00:00+01:00&to=2026-12-01T09:00:00+01:00');
    expect(response.status).toBe(200);
    expect(availabilityResponse.parse(response.body).from).toBe('2026-12-01T07:00:00Z');
  });

  it('names an unknown resource in a 404', async () => {
    const response = await alice.get('/availability?resource=salle-z&from=2026-12-01T08:00:00Z&to=2026-12-01T09:00:00Z');
    expect(response.status).toBe(404);
    expect(errorOf(response)).toEqual({ code: 'RESOURCE_NOT_FOUND', message: 'Ressource inconnue : « salle-z »' });
  });
});

describe('quotes and bookings', () => {
  it('quotes the price before booking: lines, total and deposit in cents', async () => {
    const response = await alice.post('/quotes', { resourceId: 'salle-a', ...thursday('10:00', '12:00') });
    expect(response.status).toBe(200);
    const quote = quoteSchema.parse(response.body);
    expect(quote.total).toEqual({ cents: 4_000, currency: 'EUR' });
    expect(quote.lines).toEqual([{ itemCode: 'SALLE-A', uom: 'Hour', qty: 2, rate: { cents: 2_000, currency: 'EUR' }, amount: { cents: 4_000, currency: 'EUR' } }]);
    expect(quote.startLocal).toBe('2026-12-03T10:00:00+01:00');
  });

  it('books: 201, a Location to the booking, the engine’s view in JSON', async () => {
    const response = await book(alice, { resourceId: 'salle-a', ...thursday('14:00', '15:00'), seats: 4, note: 'Réunion' });
    expect(response.status).toBe(201);
    const booking = bookingSchema.parse(response.body);
    expect(booking).toMatchObject({
      resourceId: 'salle-a',
      resourceName: 'Salle A',
      customer: 'Alice SARL',
      user: h.members.alice.user,
      start: '2026-12-03T13:00:00Z',
      startLocal: '2026-12-03T14:00:00+01:00',
      status: 'confirmed',
      seats: 4,
      erpSync: 'pending',
    });
    expect(response.headers.get('location')).toBe(`/api/places/${h.placeId}/bookings/${booking.id}`);
    const again = await alice.get(`/bookings/${booking.id}`);
    expect(again.status).toBe(200);
    expect(bookingSchema.parse(again.body).id).toBe(booking.id);
  });

  it('answers a retry with the same Idempotency-Key with the same booking and 200, booking once', async () => {
    const key = randomUUID();
    const body = { resourceId: 'salle-a', ...thursday('16:00', '17:00') };
    const first = await book(alice, body, key);
    const createdAfterFirst = h.engine.created;
    const retry = await book(alice, body, key);
    expect(first.status).toBe(201);
    expect(retry.status).toBe(200);
    expect(bookingSchema.parse(retry.body).id).toBe(bookingSchema.parse(first.body).id);
    expect(h.engine.created).toBe(createdAfterFirst);
  });

  it('refuses a key reused for a different booking', async () => {
    const key = randomUUID();
    expect((await book(alice, { resourceId: 'salle-a', ...thursday('17:00', '18:00') }, key)).status).toBe(201);
    const reused = await book(alice, { resourceId: 'salle-a', ...thursday('18:00', '19:00') }, key);
    expect(reused.status).toBe(422);
    expect(errorOf(reused).code).toBe('IDEMPOTENCY_KEY_REUSED');
  });

  it('lets a key whose first attempt was refused be used again', async () => {
    const key = randomUUID();
    const refused = await book(alice, { resourceId: 'salle-a', start: '2026-11-27T10:00:00+01:00', end: '2026-11-27T11:00:00+01:00' }, key);
    expect(refused.status).toBe(422);
    const accepted = await book(alice, { resourceId: 'salle-a', ...thursday('08:00', '09:00') }, key);
    expect(accepted.status).toBe(201);
  });

  it('refuses by the rules with 422 and the domain’s reasons, in the language asked for', async () => {
    const past = await book(alice, { resourceId: 'salle-a', start: '2026-11-27T10:00:00+01:00', end: '2026-11-27T11:00:00+01:00' });
    expect(past.status).toBe(422);
    const error = errorOf(past);
    expect(error.code).toBe('IN_THE_PAST');
    expect(error.message).toBe('Ce créneau est déjà passé');
    expect(error.details?.reasons).toEqual([{ code: 'IN_THE_PAST', fr: 'Ce créneau est déjà passé', en: 'This time is already past', params: {} }]);

    const margin = await alice.post('/bookings', { resourceId: 'coworking', ...thursday('09:00', '10:00'), seats: 16 }, { headers: { 'accept-language': 'en' } });
    expect(margin.status).toBe(422);
    expect(errorOf(margin).code).toBe('WALK_IN_MARGIN');
    expect(errorOf(margin).message).toMatch(/kept for walk-in visitors/);
  });

  it('passes on a request the engine does not take, with its code and words', async () => {
    const staff = await signedIn(h.url, h.placeId, h.members.staff);
    const response = await book(staff, { resourceId: 'salle-a', ...thursday('10:00', '11:00') });
    expect(response.status).toBe(422);
    expect(errorOf(response)).toEqual({ code: 'CUSTOMER_REQUIRED', message: 'Aucun client à qui facturer' });
  });

  it('names an unknown resource in a 404', async () => {
    const response = await book(alice, { resourceId: 'no-such-room', ...thursday('10:00', '11:00') });
    expect(response.status).toBe(404);
    expect(errorOf(response).code).toBe('RESOURCE_NOT_FOUND');
  });
});

describe('my bookings, cancellation and rescheduling', () => {
  it('lists only my bookings, filtered by status', async () => {
    const mine = await bookOk(bob, { resourceId: 'coworking', ...thursday('09:00', '12:00'), seats: 2 });
    const response = await bob.get('/bookings?status=confirmed,pending_approval');
    expect(response.status).toBe(200);
    const { bookings } = bookingsResponse.parse(response.body);
    expect(bookings.map((b) => b.id)).toContain(mine.id);
    expect(bookings.every((b) => b.customer === 'Bob SAS')).toBe(true);
    const none = bookingsResponse.parse((await bob.get('/bookings?status=cancelled')).body);
    expect(none.bookings).toEqual([]);
  });

  it('shows the fee and refund first, and cancels only with the fee the member saw', async () => {
    const tuesday = await bookOk(alice, { resourceId: 'salle-a', start: '2026-12-01T14:00:00+01:00', end: '2026-12-01T16:00:00+01:00' });
    const preview = await alice.get(`/bookings/${tuesday.id}/cancellation`);
    expect(preview.status).toBe(200);
    const shown = cancellationPreviewSchema.parse(preview.body);
    // Less than 48 hours ahead: half of 40 € is kept.
    expect(shown.fee).toEqual({ cents: 2_000, currency: 'EUR' });
    expect(shown.validUntilLocal).toBe('2026-11-30T14:00:00+01:00');

    const stale = await alice.post(`/bookings/${tuesday.id}/cancel`, { expectedFee: 0 });
    expect(stale.status).toBe(409);
    expect(errorOf(stale).code).toBe('CONFLICT');
    expect(bookingSchema.parse((await alice.get(`/bookings/${tuesday.id}`)).body).status).toBe('confirmed');

    const cancelled = await alice.post(`/bookings/${tuesday.id}/cancel`, { expectedFee: 2_000, reason: 'Empêchement' });
    expect(cancelled.status).toBe(200);
    expect(bookingSchema.parse(cancelled.body)).toMatchObject({ status: 'cancelled', cancellationReason: 'Empêchement' });
  });

  it('moves a booking, and refuses a move onto a taken slot', async () => {
    const moving = await bookOk(alice, { resourceId: 'salle-a', start: '2026-12-04T09:00:00+01:00', end: '2026-12-04T10:00:00+01:00' });
    const moved = await alice.post(`/bookings/${moving.id}/reschedule`, { start: '2026-12-04T11:00:00+01:00', end: '2026-12-04T12:30:00+01:00' });
    expect(moved.status).toBe(200);
    expect(bookingSchema.parse(moved.body)).toMatchObject({ startLocal: '2026-12-04T11:00:00+01:00', endLocal: '2026-12-04T12:30:00+01:00' });
    await bookOk(bob, { resourceId: 'salle-a', start: '2026-12-04T15:00:00+01:00', end: '2026-12-04T16:00:00+01:00' });
    const clash = await alice.post(`/bookings/${moving.id}/reschedule`, { start: '2026-12-04T15:00:00+01:00', end: '2026-12-04T16:00:00+01:00' });
    expect(clash.status).toBe(422);
    expect(errorOf(clash).code).toBe('CAPACITY');
  });
});

describe('a member sees and changes only their own bookings', () => {
  it('answers another member’s booking exactly like one that does not exist', async () => {
    const alices = await bookOk(alice, { resourceId: 'salle-a', start: '2026-12-07T09:00:00+01:00', end: '2026-12-07T10:00:00+01:00' });
    const guessed = 'bkg_AAAAAAAAAAAA';
    const attempts: [string, (id: string) => Promise<ApiResponse>][] = [
      ['read', (id) => bob.get(`/bookings/${id}`)],
      ['preview', (id) => bob.get(`/bookings/${id}/cancellation`)],
      ['cancel', (id) => bob.post(`/bookings/${id}/cancel`, { expectedFee: 0 })],
      ['reschedule', (id) => bob.post(`/bookings/${id}/reschedule`, { start: '2026-12-07T11:00:00+01:00', end: '2026-12-07T12:00:00+01:00' })],
    ];
    for (const [, attempt] of attempts) {
      const theirs = await attempt(alices.id);
      const missing = await attempt(guessed);
      expect(theirs.status).toBe(404);
      expect(theirs.body).toEqual(missing.body);
      expect(errorOf(theirs)).toEqual({ code: 'BOOKING_NOT_FOUND', message: 'Réservation introuvable' });
    }
    const still = bookingSchema.parse((await alice.get(`/bookings/${alices.id}`)).body);
    expect(still).toMatchObject({ status: 'confirmed', startLocal: '2026-12-07T09:00:00+01:00' });
    const bobs = bookingsResponse.parse((await bob.get('/bookings')).body);
    expect(bobs.bookings.map((b) => b.id)).not.toContain(alices.id);
  });
});

describe('booking rate limit', () => {
  it('slows a member who books too fast, with Retry-After', async () => {
    const limited = await startHarness({ api: { limits: { bookingsPerMember: { limit: 2, windowSeconds: 60 } } } });
    try {
      const c = await signedIn(limited.url, limited.placeId, limited.members.alice);
      const statuses: number[] = [];
      for (const hour of ['09', '10', '11']) {
        statuses.push((await c.post('/bookings', { resourceId: 'salle-a', start: `2026-12-03T${hour}:00:00+01:00`, end: `2026-12-03T${hour}:30:00+01:00` })).status);
      }
      expect(statuses).toEqual([201, 201, 429]);
      const other = await signedIn(limited.url, limited.placeId, limited.members.bob);
      expect((await other.post('/bookings', { resourceId: 'salle-a', start: '2026-12-03T12:00:00+01:00', end: '2026-12-03T12:30:00+01:00' })).status).toBe(201);
    } finally {
      await limited.close();
    }
  });
});
