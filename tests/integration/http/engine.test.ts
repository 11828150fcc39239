import { randomUUID } from 'node:crypto';
import { DateTime } from 'luxon';
import { z } from 'zod';
import { bookingSchema, bookingsResponse, cancellationPreviewSchema, quoteSchema, resourcesResponse, sessionSchema } from '../../../sidecar/src/http/schemas';
import { errorOf, signedIn, type ApiClient, type ApiResponse } from '../../support/api-client';
import { eventually, parisTime, startRealPlace, weekdayAhead, type RealPlace } from './support/real-place';

/** The HTTP layer on the real booking engine, real Redis and the ERP emulator with the add-on installed. */

let p: RealPlace;
let camille: ApiClient;
let leo: ApiClient;
let manager: ApiClient;
let coworking: string;
let day: string;

const erpBookingSchema = z.looseObject({ name: z.string(), external_id: z.string(), status: z.string(), customer: z.string() });

async function erpBookings(externalId: string) {
  return p.erp.list('Creneau Booking', {
    fields: ['name', 'external_id', 'status', 'customer'],
    filters: [['external_id', '=', externalId]],
    limitPageLength: 10,
    schema: erpBookingSchema,
  });
}

async function booked(client: ApiClient, body: Record<string, unknown>): Promise<z.infer<typeof bookingSchema>> {
  const response = await client.post('/bookings', body);
  if (response.status !== 201) throw new Error(`booking refused: ${response.status} ${response.text}`);
  return bookingSchema.parse(response.body);
}

beforeAll(async () => {
  p = await startRealPlace();
  camille = await signedIn(p.url, p.placeId, p.members.camille);
  leo = await signedIn(p.url, p.placeId, p.members.leo);
  manager = await signedIn(p.url, p.placeId, p.members.manager);
  const { resources } = resourcesResponse.parse((await camille.get('/resources')).body);
  const pool = resources.find((r) => r.kind === 'seat_pool');
  if (!pool) throw new Error('the demo place has no seat pool');
  coworking = pool.id;
  // More than 48 h ahead (free cancellation), a weekday (the demo's rooms close at weekends).
  day = weekdayAhead(4);
}, 60_000);

afterAll(async () => {
  await p.close();
});

describe('members sign in with their ERP portal credentials', () => {
  it('as the Customer the ERP links them to; the manager by the ERP role', async () => {
    const me = sessionSchema.parse((await camille.get('/session')).body);
    expect(me).toMatchObject({ user: p.members.camille.user, customer: 'Camille Martin', isManager: false });
    const staff = sessionSchema.parse((await manager.get('/session')).body);
    expect(staff.isManager).toBe(true);
  });

  it('refuses a wrong password through the ERP’s own login', async () => {
    const response = await camille.post('/session', { usr: p.members.leo.user, pwd: 'not-it' });
    expect(response.status).toBe(401);
    expect(errorOf(response).code).toBe('INVALID_CREDENTIALS');
  });
});

describe('sign-in → quote → book → list → cancel', () => {
  it('books once per Idempotency-Key, writes the booking to the ERP once, and cancels at the fee shown', async () => {
    const request = { resourceId: coworking, start: parisTime(day, '09:00'), end: parisTime(day, '12:00'), seats: 2 };
    const quoted = await camille.post('/quotes', request);
    expect(quoted.status).toBe(200);
    const quote = quoteSchema.parse(quoted.body);
    expect(quote.total.cents).toBeGreaterThan(0);
    expect(quote.total.currency).toBe('EUR');

    const key = randomUUID();
    const first = await camille.post('/bookings', request, { headers: { 'idempotency-key': key } });
    expect(first.status).toBe(201);
    const booking = bookingSchema.parse(first.body);
    expect(booking).toMatchObject({ resourceId: coworking, customer: 'Camille Martin', seats: 2, startLocal: request.start });
    expect(booking.quote?.total).toEqual(quote.total);
    const retry = await camille.post('/bookings', request, { headers: { 'idempotency-key': key } });
    expect(retry.status).toBe(200);
    expect(bookingSchema.parse(retry.body).id).toBe(booking.id);

    const mine = bookingsResponse.parse((await camille.get('/bookings')).body);
    expect(mine.bookings.filter((b) => b.id === booking.id)).toHaveLength(1);

    const inErp = await eventually(async () => {
      const rows = await erpBookings(booking.id);
      return rows.length > 0 ? rows : undefined;
    }, 'the booking in the ERP');
    expect(inErp).toHaveLength(1);
    expect(inErp[0]?.customer).toBe('Camille Martin');
    const synced = await eventually(async () => {
      const view = bookingSchema.parse((await camille.get(`/bookings/${booking.id}`)).body);
      return view.erpSync === 'synced' ? view : undefined;
    }, 'erpSync: synced');
    expect(synced.erpName).toBe(inErp[0]?.name);

    const preview = cancellationPreviewSchema.parse((await camille.get(`/bookings/${booking.id}/cancellation`)).body);
    expect(preview.bookingId).toBe(booking.id);
    const wrongFee = await camille.post(`/bookings/${booking.id}/cancel`, { expectedFee: preview.fee.cents + 1 });
    expect(wrongFee.status).toBe(409);
    const cancelled = await camille.post(`/bookings/${booking.id}/cancel`, { expectedFee: preview.fee.cents, reason: 'Changement de programme' });
    expect(cancelled.status).toBe(200);
    expect(bookingSchema.parse(cancelled.body).status).toBe('cancelled');
    await eventually(async () => ((await erpBookings(booking.id))[0]?.status === 'Cancelled' ? true : undefined), 'the cancellation in the ERP');
    expect(await erpBookings(booking.id)).toHaveLength(1);
  });

  it('refuses by the engine’s rules with the domain’s reasons', async () => {
    const tooMany = await camille.post('/bookings', { resourceId: coworking, start: parisTime(day, '14:00'), end: parisTime(day, '15:00'), seats: 18 });
    expect(tooMany.status).toBe(422);
    expect(errorOf(tooMany).code).toBe('WALK_IN_MARGIN');
    const past = await camille.post('/bookings', { resourceId: coworking, start: '2025-03-03T09:00:00+01:00', end: '2025-03-03T10:00:00+01:00' });
    expect(past.status).toBe(422);
    expect(errorOf(past).details?.reasons).toEqual(expect.arrayContaining([expect.objectContaining({ code: 'IN_THE_PAST' })]) as unknown);
    const unknown = await camille.post('/quotes', { resourceId: 'Salle inconnue', start: parisTime(day, '09:00'), end: parisTime(day, '10:00') });
    expect(unknown.status).toBe(404);
    expect(errorOf(unknown).code).toBe('RESOURCE_NOT_FOUND');
  });
});

describe('member A and member B', () => {
  it('B can neither read, preview, cancel nor move A’s booking, nor tell it from a missing one', async () => {
    const mine = await booked(camille, { resourceId: coworking, start: parisTime(day, '15:00'), end: parisTime(day, '17:00') });
    const guessed = 'bk_aaaaaaaaaaaaaaaaaaaa';
    const tries: ((id: string) => Promise<ApiResponse>)[] = [
      (id) => leo.get(`/bookings/${id}`),
      (id) => leo.get(`/bookings/${id}/cancellation`),
      (id) => leo.post(`/bookings/${id}/cancel`, { expectedFee: 0 }),
      (id) => leo.post(`/bookings/${id}/reschedule`, { start: parisTime(day, '17:00'), end: parisTime(day, '18:00') }),
    ];
    for (const attempt of tries) {
      const theirs = await attempt(mine.id);
      const missing = await attempt(guessed);
      expect(theirs.status).toBe(404);
      expect(theirs.body).toEqual(missing.body);
    }
    const erpName = await eventually(async () => (await erpBookings(mine.id))[0]?.name, 'the booking in the ERP');
    expect((await leo.get(`/bookings/${erpName}`)).status).toBe(404);
    const still = bookingSchema.parse((await camille.get(`/bookings/${mine.id}`)).body);
    expect(still.startLocal).toBe(parisTime(day, '15:00'));
    expect(still.status).not.toBe('cancelled');
    const leos = bookingsResponse.parse((await leo.get('/bookings')).body);
    expect(leos.bookings.map((b) => b.id)).not.toContain(mine.id);
  });
});

describe('changes made by staff in the ERP desk', () => {
  it('reach the member through the ERP’s signed webhook', async () => {
    const mine = await booked(leo, { resourceId: coworking, start: parisTime(day, '10:00'), end: parisTime(day, '11:00'), paymentMode: 'online' });
    const erpName = await eventually(async () => (await erpBookings(mine.id))[0]?.name, 'the booking in the ERP');
    await eventually(async () => (bookingSchema.parse((await leo.get(`/bookings/${mine.id}`)).body).erpSync === 'synced' ? true : undefined), 'synced');
    // The desk cancels it: the ERP's Webhook (installed by the installer, signed with the place's secret) tells the API.
    await p.erp.update('Creneau Booking', erpName, { status: 'Cancelled', cancellation_reason: 'Fermeture exceptionnelle' });
    const seen = await eventually(async () => {
      const view = bookingSchema.parse((await leo.get(`/bookings/${mine.id}`)).body);
      return view.status === 'cancelled' ? view : undefined;
    }, 'the desk’s cancellation');
    expect(seen.status).toBe('cancelled');
    const deliveries = p.emulator.webhooks.deliveries().filter((d) => d.url?.includes(`/erp/webhooks/${p.placeId}`));
    expect(deliveries.some((d) => d.status === 200)).toBe(true);
    expect(deliveries.every((d) => d.status === undefined || d.status < 300)).toBe(true);
  });
});

describe('well-formed requests the engine must refuse', () => {
  it('get a 4xx with words, never a 5xx', async () => {
    // The Sunday after the test day: the demo's coworking is closed then.
    const weekday = DateTime.fromISO(day, { zone: 'Europe/Paris' });
    const closed = weekday.plus({ days: 7 - weekday.weekday }).toISODate() ?? '';
    const cancelledOne = await booked(camille, { resourceId: coworking, start: parisTime(day, '17:00'), end: parisTime(day, '18:00') });
    const preview = cancellationPreviewSchema.parse((await camille.get(`/bookings/${cancelledOne.id}/cancellation`)).body);
    expect((await camille.post(`/bookings/${cancelledOne.id}/cancel`, { expectedFee: preview.fee.cents })).status).toBe(200);
    const slot = (start: string, end: string, extra: Record<string, unknown> = {}) => ({ resourceId: coworking, start, end, ...extra });

    const cases: [string, () => Promise<ApiResponse>, number[]][] = [
      ['availability over 62 days, every resource', () => camille.get(`/availability?from=${encodeURIComponent(parisTime(day, '00:00'))}&to=${encodeURIComponent(new Date(Date.parse(parisTime(day, '00:00')) + 61 * 86_400_000).toISOString())}`), [200]],
      ['availability in the past', () => camille.get('/availability?from=2025-01-06T00:00:00Z&to=2025-01-07T00:00:00Z'), [200, 422]],
      ['availability for 1000 seats', () => camille.get(`/availability?resource=${encodeURIComponent(coworking)}&seats=1000&from=${encodeURIComponent(parisTime(day, '08:00'))}&to=${encodeURIComponent(parisTime(day, '20:00'))}`), [200, 422]],
      ['a quote for 1000 seats', () => camille.post('/quotes', slot(parisTime(day, '09:00'), parisTime(day, '10:00'), { seats: 1000 })), [422]],
      ['a booking in the year 2999', () => camille.post('/bookings', slot('2999-01-05T09:00:00+01:00', '2999-01-05T10:00:00+01:00')), [422]],
      ['a booking on a closed day', () => camille.post('/bookings', slot(parisTime(closed, '14:00'), parisTime(closed, '15:00'))), [422]],
      ['a booking off the slot grid', () => camille.post('/bookings', slot(parisTime(day, '09:07'), parisTime(day, '10:07'))), [422]],
      ['a booking paid in tickets (not offered yet)', () => camille.post('/bookings', slot(parisTime(day, '09:00'), parisTime(day, '10:00'), { paymentMode: 'tickets' })), [422]],
      ['post-paid without the arrangement', () => camille.post('/bookings', slot(parisTime(day, '09:00'), parisTime(day, '10:00'), { paymentMode: 'post_paid' })), [422]],
      ['moving a booking into the past', () => camille.post(`/bookings/${cancelledOne.id}/reschedule`, { start: '2025-01-06T09:00:00+01:00', end: '2025-01-06T10:00:00+01:00' }), [422]],
      ['cancelling a cancelled booking', () => camille.post(`/bookings/${cancelledOne.id}/cancel`, { expectedFee: 0 }), [409, 422]],
      ['previewing a cancelled booking’s cancellation', () => camille.get(`/bookings/${cancelledOne.id}/cancellation`), [422]],
      ['my bookings over ten years', () => camille.get('/bookings?from=2020-01-01T00:00:00Z&to=2021-12-31T00:00:00Z'), [200]],
      ['approving a cancelled booking', () => manager.post(`/manager/bookings/${cancelledOne.id}/approve`), [422]],
      ['rejecting a booking that does not exist', () => manager.post('/manager/bookings/bk_nothing/reject', { reason: 'non' }), [404]],
      ['occupancy of a day far ahead', () => manager.get('/manager/occupancy?date=2099-01-05'), [200, 422]],
      ['a walk-in for an unknown customer', () => manager.post('/manager/bookings', slot(parisTime(day, '09:00'), parisTime(day, '10:00'), { customer: 'Nobody SA' })), [422]],
      ['a walk-in on an unknown resource', () => manager.post('/manager/bookings', { customer: 'Camille Martin', resourceId: 'Salle inconnue', start: parisTime(day, '09:00'), end: parisTime(day, '10:00') }), [404]],
    ];
    const seen: Record<string, number> = {};
    for (const [label, send, allowed] of cases) {
      const response = await send();
      seen[label] = response.status;
      if (response.status >= 400) expect(errorOf(response).message.length).toBeGreaterThan(10);
      expect({ label, status: response.status, allowed: allowed.includes(response.status) }).toEqual({ label, status: response.status, allowed: true });
    }
    expect(Object.values(seen).every((s) => s < 500)).toBe(true);
  });
});

describe('managers', () => {
  it('see the day’s occupancy and book into the walk-in margin', async () => {
    const walkIn = await manager.post('/manager/bookings', {
      customer: 'Atelier Nord SARL',
      resourceId: coworking,
      start: parisTime(day, '13:00'),
      end: parisTime(day, '14:00'),
      seats: 17,
    });
    expect(walkIn.status).toBe(201);
    const occupancy = await manager.get(`/manager/occupancy?date=${day}`);
    expect(occupancy.status).toBe(200);
    const pool = (occupancy.body as { resources: { resourceId: string; peak: number; bookings: unknown[] }[] }).resources.find((r) => r.resourceId === coworking);
    expect(pool?.peak).toBeGreaterThanOrEqual(17);
    expect((await camille.get('/manager/occupancy')).status).toBe(403);
  });
});
