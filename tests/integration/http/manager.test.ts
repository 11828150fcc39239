import { bookingSchema, conflictsResponse, occupancySchema, rebuildReportSchema } from '../../../sidecar/src/http/schemas';
import { errorOf, signedIn, type ApiClient } from '../../support/api-client';
import { startHarness, type Harness } from './support/harness';

let h: Harness;
let manager: ApiClient;
let alice: ApiClient;

beforeAll(async () => {
  h = await startHarness();
  manager = await signedIn(h.url, h.placeId, h.members.manager);
  alice = await signedIn(h.url, h.placeId, h.members.alice);
});

afterAll(async () => {
  await h.close();
});

async function created(client: ApiClient, path: string, body: Record<string, unknown>) {
  const response = await client.post(path, body);
  if (response.status !== 201) throw new Error(`${path}: ${response.status} ${response.text}`);
  return bookingSchema.parse(response.body);
}

describe('manager routes are for managers', () => {
  it.each([
    ['POST', '/manager/bookings', { customer: 'Alice SARL', resourceId: 'salle-a', start: '2026-12-03T10:00:00Z', end: '2026-12-03T11:00:00Z' }],
    ['POST', '/manager/bookings/bkg_x/approve', undefined],
    ['POST', '/manager/bookings/bkg_x/reject', { reason: 'non' }],
    ['POST', '/manager/bookings/bkg_x/check-in', undefined],
    ['POST', '/manager/bookings/bkg_x/check-out', undefined],
    ['POST', '/manager/bookings/bkg_x/no-show', undefined],
    ['GET', '/manager/occupancy', undefined],
    ['GET', '/manager/conflicts', undefined],
    ['POST', '/manager/index/rebuild', undefined],
  ])('%s %s answers 403 to a member', async (method, path, json) => {
    const response = await alice.send(method, path, json !== undefined ? { json } : {});
    expect(response.status).toBe(403);
    expect(errorOf(response)).toEqual({ code: 'MANAGER_ONLY', message: 'Réservé aux gestionnaires du lieu' });
  });
});

describe('booking for a customer', () => {
  it('may use the walk-in margin that members cannot', async () => {
    const day = { resourceId: 'coworking', start: '2026-12-02T09:00:00+01:00', end: '2026-12-02T12:00:00+01:00' };
    const member = await alice.post('/bookings', { ...day, seats: 16 });
    expect(member.status).toBe(422);
    const walkIn = await created(manager, '/manager/bookings', { ...day, seats: 16, customer: 'Bob SAS' });
    expect(walkIn).toMatchObject({ customer: 'Bob SAS', seats: 16, status: 'confirmed', user: null });
  });

  it('says whether the resource or the customer is unknown', async () => {
    const noResource = await manager.post('/manager/bookings', { customer: 'Bob SAS', resourceId: 'salle-z', start: '2026-12-03T10:00:00Z', end: '2026-12-03T11:00:00Z' });
    expect(noResource.status).toBe(404);
    expect(errorOf(noResource).code).toBe('RESOURCE_NOT_FOUND');
    const noCustomer = await manager.post('/manager/bookings', { customer: 'Nobody SA', resourceId: 'salle-a', start: '2026-12-03T10:00:00Z', end: '2026-12-03T11:00:00Z' });
    expect(noCustomer.status).toBe(422);
    expect(errorOf(noCustomer)).toEqual({ code: 'UNKNOWN_CUSTOMER', message: 'Client inconnu : Nobody SA' });
  });

  it('requires the customer', async () => {
    const response = await manager.post('/manager/bookings', { resourceId: 'salle-a', start: '2026-12-03T10:00:00Z', end: '2026-12-03T11:00:00Z' });
    expect(response.status).toBe(400);
    expect(errorOf(response).message).toBe('Requête invalide : corps « customer » : valeur manquante');
  });
});

describe('approval', () => {
  it('approves a request waiting for a manager', async () => {
    const request = await created(alice, '/bookings', { resourceId: 'laser', start: '2026-12-03T14:00:00+01:00', end: '2026-12-03T15:00:00+01:00' });
    expect(request.status).toBe('pending_approval');
    const approved = await manager.post(`/manager/bookings/${request.id}/approve`);
    expect(approved.status).toBe(200);
    expect(bookingSchema.parse(approved.body).status).toBe('confirmed');
    const twice = await manager.post(`/manager/bookings/${request.id}/approve`);
    expect(twice.status).toBe(422);
    expect(errorOf(twice).code).toBe('TRANSITION_NOT_ALLOWED');
  });

  it('rejects with a reason, and not without one', async () => {
    const request = await created(alice, '/bookings', { resourceId: 'laser', start: '2026-12-04T14:00:00+01:00', end: '2026-12-04T15:00:00+01:00' });
    const bare = await manager.post(`/manager/bookings/${request.id}/reject`, { reason: '   ' });
    expect(bare.status).toBe(400);
    expect(errorOf(bare).details?.issues).toEqual([
      { location: 'body', path: 'reason', fr: 'au moins 1 caractère(s)', en: 'at least 1 character(s)' },
    ]);
    const rejected = await manager.post(`/manager/bookings/${request.id}/reject`, { reason: 'Formation laser non validée' });
    expect(rejected.status).toBe(200);
    expect(bookingSchema.parse(rejected.body)).toMatchObject({ status: 'rejected', cancellationReason: 'Formation laser non validée' });
  });

  it('answers 404 for a booking that does not exist', async () => {
    const response = await manager.post('/manager/bookings/bkg_nothing/approve');
    expect(response.status).toBe(404);
    expect(errorOf(response).code).toBe('BOOKING_NOT_FOUND');
  });
});

describe('the day at the desk', () => {
  it('refuses a check-in long before the booking, as the state machine says', async () => {
    const later = await created(alice, '/bookings', { resourceId: 'salle-a', start: '2026-12-10T10:00:00+01:00', end: '2026-12-10T11:00:00+01:00' });
    for (const action of ['check-in', 'no-show']) {
      const response = await manager.post(`/manager/bookings/${later.id}/${action}`);
      expect(response.status).toBe(422);
    }
    expect(errorOf(await manager.post(`/manager/bookings/${later.id}/check-in`)).code).toBe('CHECK_IN_TOO_EARLY');
    expect(errorOf(await manager.post(`/manager/bookings/${later.id}/check-out`)).code).toBe('TRANSITION_NOT_ALLOWED');
  });

  it('checks a member in and out, and marks a no-show, for bookings starting now', async () => {
    const now = { start: '2026-11-30T08:00:00+01:00', end: '2026-11-30T09:00:00+01:00' };
    const arriving = await created(manager, '/manager/bookings', { customer: 'Alice SARL', resourceId: 'salle-a', ...now });
    const checkedIn = await manager.post(`/manager/bookings/${arriving.id}/check-in`);
    expect(checkedIn.status).toBe(200);
    expect(bookingSchema.parse(checkedIn.body)).toMatchObject({ status: 'checked_in', checkedInAt: '2026-11-30T07:00:00Z' });
    const checkedOut = await manager.post(`/manager/bookings/${arriving.id}/check-out`);
    expect(bookingSchema.parse(checkedOut.body)).toMatchObject({ status: 'completed', checkedOutAt: '2026-11-30T07:00:00Z' });

    const absent = await created(manager, '/manager/bookings', { customer: 'Bob SAS', resourceId: 'coworking', ...now });
    const noShow = await manager.post(`/manager/bookings/${absent.id}/no-show`);
    expect(noShow.status).toBe(200);
    expect(bookingSchema.parse(noShow.body).status).toBe('no_show');
  });

  it('shows today’s occupancy in the place’s zone by default, and any day asked for', async () => {
    await created(manager, '/manager/bookings', { customer: 'Alice SARL', resourceId: 'coworking', start: '2026-12-08T09:00:00+01:00', end: '2026-12-08T11:00:00+01:00', seats: 3 });
    await created(manager, '/manager/bookings', { customer: 'Bob SAS', resourceId: 'coworking', start: '2026-12-08T10:00:00+01:00', end: '2026-12-08T12:00:00+01:00', seats: 4 });
    const today = occupancySchema.parse((await manager.get('/manager/occupancy')).body);
    expect(today.date).toBe('2026-11-30');
    const day = occupancySchema.parse((await manager.get('/manager/occupancy?date=2026-12-08')).body);
    const coworking = day.resources.find((r) => r.resourceId === 'coworking');
    expect(coworking).toMatchObject({ capacity: 20, walkInUnits: 5, peak: 7 });
    expect(coworking?.bookings).toHaveLength(2);
    const bad = await manager.get('/manager/occupancy?date=2026-13-01');
    expect(bad.status).toBe(400);
  });

  it('lists conflicts and rebuilds the index', async () => {
    h.engine.conflictList.push({
      id: 'c1',
      resourceId: 'salle-a',
      start: Date.parse('2026-12-03T09:00:00Z'),
      end: Date.parse('2026-12-03T10:00:00Z'),
      bookingIds: ['a', 'b'],
      excess: 1,
      detectedAt: Date.parse('2026-11-30T07:00:00Z'),
      source: 'webhook',
    });
    const conflicts = conflictsResponse.parse((await manager.get('/manager/conflicts')).body);
    expect(conflicts.conflicts).toEqual([
      {
        id: 'c1',
        resourceId: 'salle-a',
        start: '2026-12-03T09:00:00Z',
        startLocal: '2026-12-03T10:00:00+01:00',
        end: '2026-12-03T10:00:00Z',
        endLocal: '2026-12-03T11:00:00+01:00',
        bookingIds: ['a', 'b'],
        excess: 1,
        detectedAt: '2026-11-30T07:00:00Z',
        source: 'webhook',
      },
    ]);
    const rebuilt = await manager.post('/manager/index/rebuild');
    expect(rebuilt.status).toBe(200);
    expect(rebuildReportSchema.parse(rebuilt.body)).toMatchObject({ resources: 3, conflicts: 1 });
  });
});
