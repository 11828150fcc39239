import type { CreateBookingRequest, Principal } from '../booking/contract';
import type { ApiDeps, PlaceApi } from './context';
import { ApiError, refusal } from './errors';
import { sha256 } from './session';
import { hit } from './throttle';
import { bookingJson } from './views';

/** How long a retry with the same Idempotency-Key is recognised as one. */
export const IDEMPOTENCY_TTL_SECONDS = 24 * 60 * 60;

/**
 * Creates a booking, once per Idempotency-Key. The engine guarantees the "once" (same key, same principal → same
 * booking); this layer remembers which request body a key was first used with, so that it can answer a retry with
 * 200 instead of 201 and refuse a key reused for a different booking (a client bug that would otherwise silently
 * return the first booking).
 */
export async function createBooking(
  deps: ApiDeps,
  place: PlaceApi,
  principal: Principal,
  request: CreateBookingRequest,
  idempotencyKey: string | undefined,
  options: { throttle: boolean },
) {
  if (options.throttle) {
    const rate = await hit(deps.redis, place.keys.key('throttle', 'booking', sha256(principal.user)), deps.limits.bookingsPerMember);
    if (!rate.allowed) {
      throw new ApiError(
        429,
        'TOO_MANY_BOOKINGS',
        {
          fr: `Trop de réservations en peu de temps : réessayez dans ${rate.retryAfterSeconds} s`,
          en: `Too many bookings in a short time: try again in ${rate.retryAfterSeconds} s`,
        },
        { retryAfterSeconds: rate.retryAfterSeconds },
        { 'Retry-After': String(rate.retryAfterSeconds) },
      );
    }
  }

  let firstUse = true;
  let markerKey: string | undefined;
  if (idempotencyKey !== undefined) {
    markerKey = place.keys.key('idempotency', sha256(`${principal.user}\u0000${idempotencyKey}`));
    const fingerprint = sha256(
      JSON.stringify([
        request.resourceId,
        request.start,
        request.end,
        request.seats ?? null,
        request.paymentMode ?? null,
        request.customer ?? null,
        request.note ?? null,
        request.ticketsShortfall ?? null,
      ]),
    );
    const claimed = await deps.redis.set(markerKey, fingerprint, 'EX', IDEMPOTENCY_TTL_SECONDS, 'NX');
    if (claimed === null) {
      firstUse = false;
      const previous = await deps.redis.get(markerKey);
      if (previous !== null && previous !== fingerprint) {
        throw new ApiError(422, 'IDEMPOTENCY_KEY_REUSED', {
          fr: "Cette clé d'idempotence a déjà servi pour une autre demande de réservation : utilisez une nouvelle clé",
          en: 'This Idempotency-Key was already used for a different booking request: use a new key',
        });
      }
    }
  }

  // A refused or failed first attempt leaves nothing behind: a retry with the same key is a new attempt.
  const release = async (): Promise<void> => {
    if (markerKey !== undefined && firstUse) await deps.redis.del(markerKey);
  };
  let outcome;
  try {
    outcome = await place.service.create(principal, request, idempotencyKey);
  } catch (error) {
    await release();
    throw error;
  }
  if (!outcome.ok) {
    await release();
    throw refusal(outcome.reasons);
  }
  const booking = outcome.value;
  return {
    status: firstUse ? 201 : 200,
    body: bookingJson(booking, place),
    headers: { Location: `/api/places/${encodeURIComponent(place.id)}/bookings/${encodeURIComponent(booking.id)}` },
  };
}
