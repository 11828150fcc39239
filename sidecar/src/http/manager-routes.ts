import type { BookingView, Outcome, Principal } from '../booking/contract';
import { localDateOf } from '../domain';
import { createBooking } from './booking-creation';
import { placeRoute, type ApiDeps, type PlaceApi } from './context';
import { accepted, BOOKING_NOT_FOUND, notFound } from './errors';
import { resourceNotFound } from './member-routes';
import type { AnyRoute } from './routes';
import {
  bookingParams,
  bookingSchema,
  conflictsResponse,
  idempotencyHeaders,
  managerBookingRequest,
  noBody,
  occupancyQuery,
  occupancySchema,
  placeParams,
  rebuildReportSchema,
  rejectRequest,
} from './schemas';
import { bookingJson, conflictsJson, occupancyJson } from './views';

type Action = (service: PlaceApi['service'], principal: Principal, id: string) => Promise<Outcome<BookingView>>;

function actionRoute(path: string, operationId: string, summary: string, act: Action): AnyRoute {
  return placeRoute({
    method: 'post',
    path: `/api/places/:place/manager/bookings/:id/${path}`,
    operationId,
    summary,
    tag: 'Manager',
    access: 'manager',
    params: bookingParams,
    body: noBody,
    response: { status: 200, description: 'The booking after the action', schema: bookingSchema },
    errors: [400, 401, 403, 404, 409, 413, 415, 422, 503],
    notFound: BOOKING_NOT_FOUND,
    handle: async ({ session, place, params }) => {
      const outcome = await act(place.service, session.principal, params.id);
      return { body: bookingJson(accepted(outcome), place) };
    },
  });
}

export function managerRoutes(deps: ApiDeps): AnyRoute[] {
  return [
    placeRoute({
      method: 'post',
      path: '/api/places/:place/manager/bookings',
      operationId: 'managerCreateBooking',
      summary: 'Book for a customer (the walk-in margin included)',
      tag: 'Manager',
      access: 'manager',
      params: placeParams,
      headers: idempotencyHeaders,
      body: { kind: 'json', schema: managerBookingRequest },
      response: { status: 201, alsoStatus: 200, description: 'Booked', schema: bookingSchema },
      errors: [400, 401, 403, 404, 413, 415, 422, 503],
      notFound: { code: 'CUSTOMER_NOT_FOUND', text: { fr: 'Client inconnu', en: 'Unknown customer' } },
      handle: async ({ session, place, body, headers }) => {
        // The engine's "not found" may be the resource or the customer: the resource is checked first, so that
        // the answer says which.
        const resources = await place.service.resources(session.principal);
        if (!resources.some((r) => r.id === body.resourceId)) throw notFound(resourceNotFound([body.resourceId]));
        return createBooking(deps, place, session.principal, body, headers['idempotency-key'], { throttle: false });
      },
    }),
    actionRoute('approve', 'approveBooking', 'Approve a booking waiting for approval', (s, p, id) => s.approve(p, id)),
    placeRoute({
      method: 'post',
      path: '/api/places/:place/manager/bookings/:id/reject',
      operationId: 'rejectBooking',
      summary: 'Reject a booking waiting for approval, with a reason told to the member',
      tag: 'Manager',
      access: 'manager',
      params: bookingParams,
      body: { kind: 'json', schema: rejectRequest },
      response: { status: 200, description: 'Rejected', schema: bookingSchema },
      errors: [400, 401, 403, 404, 409, 413, 415, 422, 503],
      notFound: BOOKING_NOT_FOUND,
      handle: async ({ session, place, params, body }) => {
        const outcome = await place.service.reject(session.principal, params.id, body.reason);
        return { body: bookingJson(accepted(outcome), place) };
      },
    }),
    actionRoute('check-in', 'checkIn', 'Check in (arrival)', (s, p, id) => s.checkIn(p, id)),
    actionRoute('check-out', 'checkOut', 'Check out (departure)', (s, p, id) => s.checkOut(p, id)),
    actionRoute('no-show', 'markNoShow', 'Mark a no-show', (s, p, id) => s.markNoShow(p, id)),
    placeRoute({
      method: 'get',
      path: '/api/places/:place/manager/occupancy',
      operationId: 'occupancy',
      summary: "A day's occupancy per resource",
      tag: 'Manager',
      access: 'manager',
      params: placeParams,
      query: occupancyQuery,
      response: { status: 200, description: 'Peak units and bookings per resource', schema: occupancySchema },
      errors: [400, 401, 403, 404, 503],
      handle: async ({ session, place, query }) => {
        const date = query.date ?? localDateOf(deps.now(), place.timeZone);
        return { body: occupancyJson(await place.service.occupancy(session.principal, date), place) };
      },
    }),
    placeRoute({
      method: 'get',
      path: '/api/places/:place/manager/conflicts',
      operationId: 'conflicts',
      summary: 'Bookings over capacity (from ERP changes, reconciliation or a rebuild)',
      tag: 'Manager',
      access: 'manager',
      params: placeParams,
      response: { status: 200, description: 'Open conflicts', schema: conflictsResponse },
      errors: [401, 403, 404, 503],
      handle: async ({ session, place }) => ({ body: conflictsJson(await place.service.conflicts(session.principal), place) }),
    }),
    placeRoute({
      method: 'post',
      path: '/api/places/:place/manager/index/rebuild',
      operationId: 'rebuildIndex',
      summary: "Rebuild the booking index from the ERP",
      tag: 'Manager',
      access: 'manager',
      params: placeParams,
      body: noBody,
      response: { status: 200, description: 'What was rebuilt', schema: rebuildReportSchema },
      errors: [401, 403, 404, 413, 415, 503],
      handle: async ({ session, place }) => ({ body: await place.service.rebuildIndex(session.principal) }),
    }),
  ];
}
