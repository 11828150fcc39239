import { OpenAPIRegistry, OpenApiGeneratorV31, type RouteConfig } from '@asteasolutions/zod-to-openapi';
import { Router, type Request, type Response } from 'express';
import type { Redis } from 'ioredis';
import type { Logger } from '../log';
import { DEFAULT_LIMITS, type ApiDeps, type PlaceApi, type ThrottleLimits } from './context';
import { erpWebhookRoutes } from './erp-webhook-route';
import { ApiError } from './errors';
import { managerRoutes } from './manager-routes';
import { memberRoutes } from './member-routes';
import { moneyRoutes } from './money-routes';
import { ticketRoutes } from './ticket-routes';
import { isStateChanging, mountRoutes, noteForLog, openApiRoute, routeErrors, securityHeaders, type Access, type AnyRoute } from './routes';
import { clearSessionCookie, sessionRoutes, setSessionCookie } from './session-routes';
import { readCookie, sameSecret, sessionCookieName, SessionStore, SESSION_TTL_SECONDS, type Session } from './session';
import { z } from './zod';

export type { PlaceApi, ThrottleLimits } from './context';

export interface BookingApiOptions {
  places: readonly PlaceApi[];
  redis: Redis;
  /** The sidecar's public URL (https in production): the origin browsers send, and whether cookies are Secure. */
  publicUrl: string;
  /** Other origins allowed to send state-changing requests (a portal served from elsewhere). */
  allowedOrigins?: readonly string[];
  logger: Logger;
  /** Shown in the OpenAPI document. */
  version: string;
  now?: () => number;
  limits?: Partial<ThrottleLimits>;
  sessionTtlSeconds?: number;
  /** Largest JSON body the API reads (default 64 kB). */
  jsonLimitBytes?: number;
  /** Largest webhook body (default 64 kB; the add-on's Webhooks send three fields). */
  webhookLimitBytes?: number;
}

export const OPENAPI_PATH = '/api/openapi.json';

/**
 * A session lives as long as it is used, so who its user is (customer, manager role) is read from the ERP again
 * after this long: a manager whose role was taken away in the ERP loses it here within minutes, not at sign-out.
 */
export const PRINCIPAL_RECHECK_MS = 10 * 60_000;
export const CSRF_HEADER = 'x-csrf-token';

export type OpenApiDocument = ReturnType<OpenApiGeneratorV31['generateDocument']>;

export interface BookingApi {
  router: Router;
  /** The routes as declared (for tests and tools). */
  routes: readonly AnyRoute[];
  openapi: OpenApiDocument;
}

/** The member, manager and ERP-webhook API of every place, and its OpenAPI document at /api/openapi.json. */
export function createBookingApi(options: BookingApiOptions): BookingApi {
  const places = new Map(options.places.map((p) => [p.id, p]));
  const publicOrigin = new URL(options.publicUrl).origin;
  const allowedOrigins = new Set([publicOrigin, ...(options.allowedOrigins ?? []).map((o) => new URL(o).origin)]);
  const deps: ApiDeps = {
    redis: options.redis,
    sessions: new SessionStore(options.redis, options.sessionTtlSeconds ?? SESSION_TTL_SECONDS),
    logger: options.logger,
    now: options.now ?? Date.now,
    limits: { ...DEFAULT_LIMITS, ...options.limits },
    secureCookies: publicOrigin.startsWith('https:'),
  };

  const routes = [...sessionRoutes(deps), ...memberRoutes(deps), ...managerRoutes(deps), ...moneyRoutes(), ...ticketRoutes(), ...erpWebhookRoutes(deps)];

  async function guard(r: AnyRoute, req: Request, res: Response): Promise<{ session: Session | undefined; place: PlaceApi }> {
    const given: unknown = req.params.place;
    const placeId = typeof given === 'string' ? given : '';
    const place = places.get(placeId);
    if (!place) {
      const shown = placeId.slice(0, 60);
      throw new ApiError(404, 'PLACE_NOT_FOUND', { fr: `Lieu inconnu : « ${shown} »`, en: `Unknown place: "${shown}"` });
    }
    noteForLog(res, { place: place.id });
    if (r.access === 'erp') return { session: undefined, place };

    const changing = isStateChanging(req.method);
    // Browsers send Origin with every cross-site POST; a page elsewhere must not act with the member's cookie
    // (SameSite=Lax already withholds it from most, not from a sibling sub-domain or an old browser).
    const origin = req.headers.origin;
    if (changing && origin !== undefined && !allowedOrigins.has(origin)) {
      throw new ApiError(403, 'FOREIGN_ORIGIN', {
        fr: `Requête refusée : elle vient d'un autre site (${origin.slice(0, 100)})`,
        en: `Request refused: it comes from another site (${origin.slice(0, 100)})`,
      });
    }
    if (r.access === 'public') return { session: undefined, place };

    const cookieName = sessionCookieName(place.id, deps.secureCookies);
    const token = readCookie(req.headers.cookie, cookieName);
    if (token === undefined) {
      throw new ApiError(401, 'NOT_SIGNED_IN', { fr: 'Connectez-vous pour continuer', en: 'Sign in to continue' });
    }
    let session = await deps.sessions.read(place.keys, token);
    if (!session) {
      clearSessionCookie(res, deps, place);
      throw new ApiError(401, 'SESSION_EXPIRED', { fr: 'Votre session a expiré : reconnectez-vous', en: 'Your session has expired: sign in again' });
    }
    if (deps.now() - session.checkedAt >= PRINCIPAL_RECHECK_MS) session = await recheck(place, session);
    noteForLog(res, { user: session.principal.user });
    if (changing) {
      const given = req.headers[CSRF_HEADER];
      if (typeof given !== 'string' || given === '') {
        throw new ApiError(403, 'CSRF_TOKEN_MISSING', {
          fr: 'En-tête X-CSRF-Token manquant (le jeton est donné à la connexion et par GET …/session)',
          en: 'X-CSRF-Token header missing (the token comes with sign-in and from GET …/session)',
        });
      }
      if (!sameSecret(given, session.csrfToken)) {
        throw new ApiError(403, 'CSRF_TOKEN_INVALID', {
          fr: 'Jeton X-CSRF-Token invalide pour cette session',
          en: 'X-CSRF-Token does not match this session',
        });
      }
    }
    if (r.access === 'manager' && !session.principal.isManager) {
      throw new ApiError(403, 'MANAGER_ONLY', { fr: 'Réservé aux gestionnaires du lieu', en: "Only the place's managers may do this" });
    }
    // The cookie lives as long as the session it names: both are renewed by use (a sign-out clears it instead).
    if (req.method !== 'DELETE') setSessionCookie(res, deps, place, token);
    return { session, place };
  }

  async function recheck(place: PlaceApi, session: Session): Promise<Session> {
    try {
      const principal = await place.directory.principalFor(session.principal.user, session.principal.fullName);
      const updated = { ...session, principal, checkedAt: deps.now() };
      await deps.sessions.save(place.keys, updated);
      return updated;
    } catch (error) {
      // The ERP is away: the member goes on as known, and the next request tries again.
      deps.logger.warn({ err: error, place: place.id, user: session.principal.user }, 'could not read the signed-in user again from the ERP');
      return session;
    }
  }

  const openapi = buildOpenApiDocument(routes, { version: options.version, publicUrl: options.publicUrl });

  const router = Router();
  router.use(['/api', '/erp'], securityHeaders);
  router.get(OPENAPI_PATH, (_req, res) => {
    noteForLog(res, { route: OPENAPI_PATH });
    // Unlike the API's answers, the document changes only with a release: a cache may keep it if it revalidates.
    res.set('Cache-Control', 'no-cache').json(openapi);
  });
  mountRoutes(router, routes, {
    logger: options.logger,
    jsonLimitBytes: options.jsonLimitBytes ?? 64 * 1024,
    rawLimitBytes: options.webhookLimitBytes ?? 64 * 1024,
    guard,
  });
  router.use(routeErrors({ logger: options.logger }));
  return { router, routes, openapi };
}

function security(access: Access, method: string): RouteConfig['security'] {
  switch (access) {
    case 'public':
      return [];
    case 'erp':
      return [{ webhookSignature: [] }];
    case 'member':
    case 'manager':
      return isStateChanging(method) ? [{ sessionCookie: [], csrfToken: [] }] : [{ sessionCookie: [] }];
  }
}

export function buildOpenApiDocument(routes: readonly AnyRoute[], info: { version: string; publicUrl: string }): OpenApiDocument {
  const registry = new OpenAPIRegistry();
  registry.registerComponent('securitySchemes', 'sessionCookie', {
    type: 'apiKey',
    in: 'cookie',
    name: 'creneau_{place}',
    description: 'Set by POST /api/places/{place}/session; named __Host-creneau_{place} over https.',
  });
  registry.registerComponent('securitySchemes', 'csrfToken', {
    type: 'apiKey',
    in: 'header',
    name: 'X-CSRF-Token',
    description: 'The csrfToken of the session, on every POST and DELETE.',
  });
  registry.registerComponent('securitySchemes', 'webhookSignature', {
    type: 'apiKey',
    in: 'header',
    name: 'X-Frappe-Webhook-Signature',
    description: 'base64(HMAC-SHA256(webhook secret, raw body)), as Frappe signs a Webhook with "Enable Security".',
  });
  for (const r of routes) registry.registerPath(openApiRoute(r, security(r.access, r.method)));
  registry.registerPath({
    method: 'get',
    path: OPENAPI_PATH,
    operationId: 'openapi',
    summary: 'This document',
    tags: ['Meta'],
    security: [],
    responses: {
      200: { description: 'OpenAPI 3.1', content: { 'application/json': { schema: z.record(z.string(), z.unknown()) } } },
    },
  });
  return new OpenApiGeneratorV31(registry.definitions).generateDocument({
    openapi: '3.1.0',
    info: {
      title: 'Créneau sidecar API',
      version: info.version,
      description:
        'Bookings for tiers-lieux on top of Dokos/ERPNext. Instants are ISO 8601 (UTC, with the place’s wall-clock reading beside); money is integer cents with a currency; errors are {error: {code, message, details?}} with the message in French, or English with Accept-Language: en.',
    },
    servers: [{ url: info.publicUrl }],
    tags: [
      { name: 'Session', description: 'Sign in with ERP portal credentials' },
      { name: 'Member', description: 'A member’s resources, availability, quotes and bookings' },
      { name: 'Manager', description: 'The place’s managers (ERP role)' },
      { name: 'ERP', description: 'Webhooks from the ERP' },
      { name: 'Meta', description: 'This API' },
    ],
  });
}
