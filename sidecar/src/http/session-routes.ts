import type { Response } from 'express';
import { placeRoute, type ApiDeps, type PlaceApi } from './context';
import { ApiError } from './errors';
import { noteForLog, type AnyRoute } from './routes';
import { placeParams, sessionSchema, signedOutSchema, signInRequest } from './schemas';
import { readCookie, sessionCookieName, sha256 } from './session';
import { hit } from './throttle';
import { sessionJson } from './views';

export function setSessionCookie(res: Response, deps: ApiDeps, place: PlaceApi, token: string): void {
  res.cookie(sessionCookieName(place.id, deps.secureCookies), token, {
    httpOnly: true,
    sameSite: 'lax',
    path: '/',
    secure: deps.secureCookies,
    maxAge: deps.sessions.ttlSeconds * 1000,
  });
}

export function clearSessionCookie(res: Response, deps: ApiDeps, place: PlaceApi): void {
  res.clearCookie(sessionCookieName(place.id, deps.secureCookies), { httpOnly: true, sameSite: 'lax', path: '/', secure: deps.secureCookies });
}

function tooManyAttempts(retryAfterSeconds: number): ApiError {
  const minutes = Math.ceil(retryAfterSeconds / 60);
  return new ApiError(
    429,
    'TOO_MANY_SIGN_IN_ATTEMPTS',
    {
      fr: `Trop de tentatives de connexion : réessayez dans ${minutes} min`,
      en: `Too many sign-in attempts: try again in ${minutes} min`,
    },
    { retryAfterSeconds },
    { 'Retry-After': String(retryAfterSeconds) },
  );
}

export function sessionRoutes(deps: ApiDeps): AnyRoute[] {
  return [
    placeRoute({
      method: 'post',
      path: '/api/places/:place/session',
      operationId: 'signIn',
      summary: 'Sign in with ERP portal credentials',
      description:
        "Checks the user id and password with the place's ERP, then opens a Créneau session: an httpOnly, SameSite=Lax cookie, and a CSRF token to send back in X-CSRF-Token. Attempts are limited per user id and per address.",
      tag: 'Session',
      access: 'public',
      params: placeParams,
      body: { kind: 'json', schema: signInRequest },
      response: { status: 200, description: 'Signed in', schema: sessionSchema },
      errors: [400, 401, 403, 404, 413, 415, 429, 503],
      handle: async ({ body, place, req, res }) => {
        const userKey = place.keys.key('throttle', 'sign-in', 'user', sha256(body.usr.toLowerCase()));
        const ipKey = place.keys.key('throttle', 'sign-in', 'ip', req.ip ?? 'unknown');
        const [byUser, byIp] = await Promise.all([
          hit(deps.redis, userKey, deps.limits.signInPerUser),
          hit(deps.redis, ipKey, deps.limits.signInPerIp),
        ]);
        if (!byUser.allowed || !byIp.allowed) {
          deps.logger.warn({ place: place.id, ip: req.ip, byUser: byUser.count, byIp: byIp.count }, 'sign-in throttled');
          throw tooManyAttempts(Math.max(byUser.allowed ? 0 : byUser.retryAfterSeconds, byIp.allowed ? 0 : byIp.retryAfterSeconds));
        }
        const check = await place.erp.verifyUserCredentials(body.usr, body.pwd);
        if (!check.ok) {
          throw new ApiError(401, 'INVALID_CREDENTIALS', {
            fr: 'Identifiant ou mot de passe incorrect',
            en: 'Wrong user id or password',
          });
        }
        const principal = await place.directory.principalFor(check.user, check.fullName);
        // A new session for every sign-in: a cookie planted before it (session fixation) is dropped.
        const previous = readCookie(req.headers.cookie, sessionCookieName(place.id, deps.secureCookies));
        if (previous !== undefined) await deps.sessions.destroy(place.keys, previous);
        const session = await deps.sessions.create(place.keys, principal, deps.now());
        await deps.redis.del(userKey);
        setSessionCookie(res, deps, place, session.token);
        noteForLog(res, { user: principal.user });
        return { body: sessionJson(principal, session.csrfToken) };
      },
    }),
    placeRoute({
      method: 'get',
      path: '/api/places/:place/session',
      operationId: 'getSession',
      summary: 'Who am I, and the CSRF token',
      tag: 'Session',
      access: 'member',
      params: placeParams,
      response: { status: 200, description: 'The signed-in user', schema: sessionSchema },
      errors: [401, 404],
      handle: ({ session }) => Promise.resolve({ body: sessionJson(session.principal, session.csrfToken) }),
    }),
    placeRoute({
      method: 'delete',
      path: '/api/places/:place/session',
      operationId: 'signOut',
      summary: 'Sign out',
      tag: 'Session',
      access: 'member',
      params: placeParams,
      response: { status: 200, description: 'Signed out; the cookie is cleared', schema: signedOutSchema },
      errors: [401, 403, 404],
      handle: async ({ session, place, res }) => {
        await deps.sessions.destroy(place.keys, session.token);
        clearSessionCookie(res, deps, place);
        return { body: { signedOut: true as const } };
      },
    }),
  ];
}
