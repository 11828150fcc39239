import { NotFoundError } from '../booking/contract';
import { createBooking } from './booking-creation';
import { placeRoute, type ApiDeps } from './context';
import { accepted, BOOKING_NOT_FOUND, notFound, type NotFoundWording } from './errors';
import type { AnyRoute } from './routes';
import {
  availabilityQuery,
  availabilityResponse,
  bookingParams,
  bookingRequest,
  bookingSchema,
  bookingsResponse,
  cancellationPreviewSchema,
  cancelRequest,
  idempotencyHeaders,
  listBookingsQuery,
  placeParams,
  quoteSchema,
  rescheduleRequest,
  resourcesResponse,
} from './schemas';
import { availabilityJson, bookingJson, cancellationJson, quoteJson, resourceJson } from './views';

export function resourceNotFound(ids: readonly string[]): NotFoundWording {
  const list = ids.map((id) => `« ${id} »`).join(', ');
  const listEn = ids.map((id) => `"${id}"`).join(', ');
  return {
    code: 'RESOURCE_NOT_FOUND',
    text: ids.length > 0 ? { fr: `Ressource inconnue : ${list}`, en: `Unknown resource: ${listEn}` } : { fr: 'Ressource inconnue', en: 'Unknown resource' },
  };
}

/** Where the engine cannot find what a request names, only the resource can be missing: the 404 names it. */
export async function namingResources<T>(ids: readonly string[], run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (error) {
    if (error instanceof NotFoundError) throw notFound(resourceNotFound(ids));
    throw error;
  }
}

export function memberRoutes(deps: ApiDeps): AnyRoute[] {
  return [
    placeRoute({
      method: 'get',
      path: '/api/places/:place/resources',
      operationId: 'listResources',
      summary: 'Resources with their rules and prices for me',
      tag: 'Member',
      access: 'member',
      params: placeParams,
      response: { status: 200, description: 'The place’s resources', schema: resourcesResponse },
      errors: [401, 404, 503],
      handle: async ({ session, place }) => {
        const resources = await place.service.resources(session.principal);
        return { body: { resources: resources.map((r) => resourceJson(r, place)) } };
      },
    }),
    placeRoute({
      method: 'get',
      path: '/api/places/:place/availability',
      operationId: 'getAvailability',
      summary: 'Free capacity over a range',
      description: 'Slots with the units free for me, and the intervals I may book, for a range of at most 62 days.',
      tag: 'Member',
      access: 'member',
      params: placeParams,
      query: availabilityQuery,
      response: { status: 200, description: 'Availability per resource', schema: availabilityResponse },
      errors: [400, 401, 404, 422, 503],
      handle: async ({ session, place, query }) => {
        const outcome = await namingResources(query.resource ?? [], () =>
          place.service.availability(session.principal, {
            from: query.from,
            to: query.to,
            ...(query.resource ? { resourceIds: query.resource } : {}),
            ...(query.seats !== undefined ? { seats: query.seats } : {}),
          }),
        );
        return { body: availabilityJson({ from: query.from, to: query.to }, accepted(outcome), place) };
      },
    }),
    placeRoute({
      method: 'post',
      path: '/api/places/:place/quotes',
      operationId: 'quote',
      summary: 'The price before booking',
      tag: 'Member',
      access: 'member',
      params: placeParams,
      body: { kind: 'json', schema: bookingRequest },
      response: { status: 200, description: 'The quote', schema: quoteSchema },
      errors: [400, 401, 403, 404, 413, 415, 422, 503],
      handle: async ({ session, place, body }) => {
        const outcome = await namingResources([body.resourceId], () => place.service.quote(session.principal, body));
        return { body: quoteJson(accepted(outcome), place) };
      },
    }),
    placeRoute({
      method: 'post',
      path: '/api/places/:place/bookings',
      operationId: 'createBooking',
      summary: 'Book',
      description:
        'Books for me. With an Idempotency-Key, a retry returns the same booking (200) instead of booking again; the same key with a different request is refused (422 IDEMPOTENCY_KEY_REUSED).',
      tag: 'Member',
      access: 'member',
      params: placeParams,
      headers: idempotencyHeaders,
      body: { kind: 'json', schema: bookingRequest },
      response: { status: 201, alsoStatus: 200, description: 'Booked', schema: bookingSchema },
      errors: [400, 401, 403, 404, 413, 415, 422, 429, 503],
      handle: ({ session, place, body, headers }) =>
        namingResources([body.resourceId], () =>
          createBooking(deps, place, session.principal, body, headers['idempotency-key'], { throttle: true }),
        ),
    }),
    placeRoute({
      method: 'get',
      path: '/api/places/:place/bookings',
      operationId: 'listMyBookings',
      summary: 'My bookings',
      tag: 'Member',
      access: 'member',
      params: placeParams,
      query: listBookingsQuery,
      response: { status: 200, description: 'My bookings', schema: bookingsResponse },
      errors: [400, 401, 404, 503],
      handle: async ({ session, place, query }) => {
        const bookings = await place.service.listMine(session.principal, {
          ...(query.from !== undefined ? { from: query.from } : {}),
          ...(query.to !== undefined ? { to: query.to } : {}),
          ...(query.status ? { status: query.status } : {}),
        });
        return { body: { bookings: bookings.map((b) => bookingJson(b, place)) } };
      },
    }),
    placeRoute({
      method: 'get',
      path: '/api/places/:place/bookings/:id',
      operationId: 'getBooking',
      summary: 'One of my bookings',
      tag: 'Member',
      access: 'member',
      params: bookingParams,
      response: { status: 200, description: 'The booking', schema: bookingSchema },
      errors: [400, 401, 404, 503],
      notFound: BOOKING_NOT_FOUND,
      handle: async ({ session, place, params }) => ({ body: bookingJson(await place.service.get(session.principal, params.id), place) }),
    }),
    placeRoute({
      method: 'get',
      path: '/api/places/:place/bookings/:id/cancellation',
      operationId: 'previewCancellation',
      summary: 'What cancelling would cost, before confirming',
      tag: 'Member',
      access: 'member',
      params: bookingParams,
      response: { status: 200, description: 'The fee and the refund under the policy step that applies now', schema: cancellationPreviewSchema },
      errors: [400, 401, 404, 422, 503],
      notFound: BOOKING_NOT_FOUND,
      handle: async ({ session, place, params }) => {
        const outcome = await place.service.cancellationPreview(session.principal, params.id);
        return { body: cancellationJson(accepted(outcome), place) };
      },
    }),
    placeRoute({
      method: 'post',
      path: '/api/places/:place/bookings/:id/cancel',
      operationId: 'cancelBooking',
      summary: 'Cancel, confirming the fee shown',
      description: 'expectedFee is the fee the member was shown; when the policy step changed since, the answer is 409 and nothing is cancelled.',
      tag: 'Member',
      access: 'member',
      params: bookingParams,
      body: { kind: 'json', schema: cancelRequest },
      response: { status: 200, description: 'Cancelled', schema: bookingSchema },
      errors: [400, 401, 403, 404, 409, 413, 415, 422, 503],
      notFound: BOOKING_NOT_FOUND,
      handle: async ({ session, place, params, body }) => {
        const outcome = await place.service.cancel(session.principal, params.id, {
          expectedFee: body.expectedFee,
          ...(body.reason ? { reason: body.reason } : {}),
        });
        return { body: bookingJson(accepted(outcome), place) };
      },
    }),
    placeRoute({
      method: 'post',
      path: '/api/places/:place/bookings/:id/reschedule',
      operationId: 'rescheduleBooking',
      summary: 'Move a booking',
      tag: 'Member',
      access: 'member',
      params: bookingParams,
      body: { kind: 'json', schema: rescheduleRequest },
      response: { status: 200, description: 'Moved', schema: bookingSchema },
      errors: [400, 401, 403, 404, 409, 413, 415, 422, 503],
      notFound: BOOKING_NOT_FOUND,
      handle: async ({ session, place, params, body }) => {
        const outcome = await place.service.reschedule(session.principal, params.id, { start: body.start, end: body.end });
        return { body: bookingJson(accepted(outcome), place) };
      },
    }),
  ];
}
