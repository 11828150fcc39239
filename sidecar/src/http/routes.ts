import type { RouteConfig } from '@asteasolutions/zod-to-openapi';
import express, { type ErrorRequestHandler, type Request, type RequestHandler, type Response, type Router } from 'express';
import type { Lang } from '../domain';
import type { Logger } from '../log';
import { requestLogFields } from './app';
import { ApiError, fromEngineError, languageOf, validationError, type InputPart, type NotFoundWording } from './errors';
import { errorBodySchema } from './schemas';
import type { Session } from './session';
import { z } from './zod';

/**
 * A route is declared once, as data: its path, who may call it, the zod schemas of its inputs and of its answer,
 * the errors it can give, and its handler. The same declaration mounts the express handler (which validates every
 * input with those schemas before the handler runs) and describes the route in the OpenAPI document, so the
 * document cannot drift from what the code accepts.
 */

/** public: anyone; member: any signed-in user (managers included); manager: signed in with the manager role; erp: the ERP's webhooks. */
export type Access = 'public' | 'member' | 'manager' | 'erp';

export type Method = 'get' | 'post' | 'delete';

export type ErrorStatus = 400 | 401 | 403 | 404 | 409 | 413 | 415 | 422 | 429 | 503;

const ERROR_DESCRIPTIONS: Record<ErrorStatus, string> = {
  400: 'Invalid input (malformed JSON, wrong type, missing or unknown field, bad range): details.issues says where',
  401: 'Not signed in, session expired, wrong credentials, or a webhook signature that does not match',
  403: 'Missing or wrong X-CSRF-Token, a foreign Origin, or an action this user may not take',
  404: 'Unknown place, resource or booking (another member’s booking is not found either)',
  409: 'The booking changed since it was read (e.g. the cancellation fee is no longer the one shown)',
  413: 'Body too large',
  415: 'Body not sent as application/json',
  422: 'Refused by the rules: details.reasons lists the domain’s reasons (code, fr, en, params)',
  429: 'Too many attempts: Retry-After says when to try again',
  503: 'The ERP or the booking index is not ready: Retry-After says when to try again',
};

export interface JsonBody<B extends z.ZodType> {
  kind: 'json';
  schema: B;
  /** A body may be left out (actions such as approve take none; `{}` is accepted too). */
  optional?: boolean;
}

export interface RawBody<B extends z.ZodType> {
  kind: 'raw';
  /** The handler parses the bytes with it once it has checked their signature; the document shows it. */
  schema: B;
  /** Headers the handler reads, likewise only after the signature check. */
  headers?: z.ZodObject;
}

export interface Reply<R extends z.ZodType> {
  status?: number;
  body: z.input<R>;
  headers?: Record<string, string>;
}

export interface RouteContext<P extends z.ZodType, Q extends z.ZodType, B extends z.ZodType, H extends z.ZodType, S> {
  req: Request;
  res: Response;
  lang: Lang;
  params: z.output<P>;
  query: z.output<Q>;
  /** The validated JSON body (undefined when an optional body was left out). */
  body: z.output<B>;
  /** A raw body's bytes as received. */
  rawBody: Buffer | undefined;
  headers: z.output<H>;
  session: S;
}

type SessionOf<A extends Access> = A extends 'member' | 'manager' ? Session : undefined;

export interface RouteSpec<
  A extends Access,
  P extends z.ZodType,
  Q extends z.ZodType,
  B extends z.ZodType,
  H extends z.ZodType,
  R extends z.ZodType,
  X,
> {
  method: Method;
  /** Express syntax: `/api/places/:place/bookings/:id`. */
  path: string;
  operationId: string;
  summary: string;
  description?: string;
  tag: string;
  access: A;
  params?: P;
  query?: Q;
  headers?: H;
  body?: JsonBody<B> | RawBody<B>;
  response: { status: 200 | 201; description: string; schema: R; /** Another success status with the same body. */ alsoStatus?: 200 | 201 };
  errors: readonly ErrorStatus[];
  /** How a NotFoundError from the engine is worded on this route. */
  notFound?: NotFoundWording;
  handle(ctx: RouteContext<P, Q, B, H, SessionOf<A>> & { place: X }): Promise<Reply<R>>;
}

/** A declared route, its types erased for the list that mounts and documents them all. */
export interface AnyRoute {
  method: Method;
  path: string;
  operationId: string;
  access: Access;
  spec: RouteSpec<Access, z.ZodType, z.ZodType, z.ZodType, z.ZodType, z.ZodType, unknown>;
}

const EMPTY = z.object({});
type Empty = typeof EMPTY;

/** Declares a route; the type parameters come from the schemas given. */
export function route<
  A extends Access,
  X,
  P extends z.ZodType = Empty,
  Q extends z.ZodType = Empty,
  B extends z.ZodType = Empty,
  H extends z.ZodType = Empty,
  R extends z.ZodType = z.ZodType,
>(spec: RouteSpec<A, P, Q, B, H, R, X>): AnyRoute {
  return {
    method: spec.method,
    path: spec.path,
    operationId: spec.operationId,
    access: spec.access,
    spec,
  };
}

/** `/api/places/:place/bookings/:id` → `/api/places/{place}/bookings/{id}`. */
export function openApiPath(expressPath: string): string {
  return expressPath.replace(/:([A-Za-z0-9_]+)/g, '{$1}');
}

const STATE_CHANGING: ReadonlySet<string> = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

export function isStateChanging(method: string): boolean {
  return STATE_CHANGING.has(method.toUpperCase());
}

/** The OpenAPI description of a route, from the same schemas that validate it. */
export function openApiRoute(r: AnyRoute, security: RouteConfig['security']): RouteConfig {
  const spec = r.spec;
  const request: NonNullable<RouteConfig['request']> = {};
  if (spec.params instanceof z.ZodObject) request.params = spec.params;
  if (spec.query) request.query = spec.query as unknown as NonNullable<RouteConfig['request']>['query'];
  if (spec.headers instanceof z.ZodObject) request.headers = spec.headers;
  if (spec.body?.kind === 'raw' && spec.body.headers) request.headers = spec.body.headers;
  if (spec.body) {
    request.body = {
      required: spec.body.kind === 'raw' || spec.body.optional !== true,
      content: { 'application/json': { schema: spec.body.schema } },
    };
  }
  const responses: RouteConfig['responses'] = {
    [spec.response.status]: { description: spec.response.description, content: { 'application/json': { schema: spec.response.schema } } },
  };
  if (spec.response.alsoStatus !== undefined) {
    responses[spec.response.alsoStatus] = {
      description: `${spec.response.description} (already done: the same answer again)`,
      content: { 'application/json': { schema: spec.response.schema } },
    };
  }
  for (const status of spec.errors) {
    responses[status] = { description: ERROR_DESCRIPTIONS[status], content: { 'application/json': { schema: errorBodySchema } } };
  }
  return {
    method: spec.method,
    path: openApiPath(spec.path),
    operationId: spec.operationId,
    summary: spec.summary,
    ...(spec.description ? { description: spec.description } : {}),
    tags: [spec.tag],
    security,
    request,
    responses,
  };
}

// ---------------------------------------------------------------------------------------------
// Mounting

export interface MountEnv<X> {
  logger: Logger;
  jsonLimitBytes: number;
  rawLimitBytes: number;
  /** Runs before validation: resolves the place, checks Origin, session, CSRF and role. */
  guard(r: AnyRoute, req: Request, res: Response): Promise<{ session: Session | undefined; place: X }>;
}

const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'Cache-Control': 'no-store',
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
  'Content-Security-Policy': "default-src 'none'; frame-ancestors 'none'",
};

/** Answers carry them whether a route, the 404 fallback or an error handler writes them. */
export const securityHeaders: RequestHandler = (_req, res, next) => {
  res.set(SECURITY_HEADERS);
  next();
};

/** Whether a request carries a body (Content-Length 0 is none, unlike type-is's view). */
function hasBody(req: Request): boolean {
  if (req.headers['transfer-encoding'] !== undefined) return true;
  const length = Number(req.headers['content-length']);
  return Number.isFinite(length) && length > 0;
}

const isJsonType = (req: Request): boolean => req.is('application/json') === 'application/json';

function requireJson(r: AnyRoute): RequestHandler {
  return (req, _res, next) => {
    if (hasBody(req) && !isJsonType(req)) {
      const given = req.headers['content-type'] ?? 'none';
      next(
        new ApiError(
          415,
          'UNSUPPORTED_MEDIA_TYPE',
          {
            fr: `Le corps doit être envoyé en JSON (Content-Type: application/json), pas « ${given} »`,
            en: `The body must be sent as JSON (Content-Type: application/json), not "${given}"`,
          },
          { route: r.operationId },
        ),
      );
      return;
    }
    next();
  };
}

export function sendError(res: Response, error: ApiError, lang: Lang): void {
  if (res.headersSent) return;
  res.set(error.headers);
  res.status(error.status).json(error.body(lang));
}

/**
 * What body-parser's errors mean for the client. express.json answers a body over the limit with 413 as soon as
 * Content-Length says so, and a syntax error with 400; neither is our fault, so neither may become a 500.
 */
function bodyParserError(error: unknown): ApiError | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const status = 'status' in error && typeof error.status === 'number' ? error.status : undefined;
  const type = 'type' in error && typeof error.type === 'string' ? error.type : undefined;
  const code = 'code' in error && typeof error.code === 'string' ? error.code : undefined;
  const limit = 'limit' in error && typeof error.limit === 'number' ? error.limit : undefined;
  switch (type) {
    case 'entity.parse.failed':
      return new ApiError(400, 'MALFORMED_JSON', {
        fr: "Le corps n'est pas du JSON valide (un objet JSON est attendu)",
        en: 'The body is not valid JSON (a JSON object is expected)',
      });
    case 'entity.too.large':
      return new ApiError(413, 'BODY_TOO_LARGE', {
        fr: `Le corps est trop grand${limit ? ` (au plus ${Math.round(limit / 1024)} ko)` : ''}`,
        en: `The body is too large${limit ? ` (at most ${Math.round(limit / 1024)} kB)` : ''}`,
      });
    case 'charset.unsupported':
      return new ApiError(415, 'UNSUPPORTED_CHARSET', { fr: 'Le corps doit être en UTF-8', en: 'The body must be UTF-8' });
    case 'encoding.unsupported':
      return new ApiError(415, 'UNSUPPORTED_ENCODING', {
        fr: 'Encodage du corps non pris en charge (identity, gzip ou deflate)',
        en: 'Unsupported body encoding (identity, gzip or deflate)',
      });
    case 'request.aborted':
    case 'request.size.invalid':
      return new ApiError(400, 'INCOMPLETE_BODY', {
        fr: 'Le corps reçu ne correspond pas à sa longueur annoncée',
        en: 'The body received does not match its announced length',
      });
  }
  // zlib's errors reach us as a bare 400 when a body announced as gzip or deflate does not inflate.
  if (code?.startsWith('Z_')) {
    return new ApiError(400, 'UNREADABLE_BODY', {
      fr: 'Le corps compressé est illisible (Content-Encoding ne correspond pas au contenu)',
      en: 'The compressed body cannot be read (Content-Encoding does not match the content)',
    });
  }
  if (status !== undefined && status >= 400 && status < 500) {
    return new ApiError(status, 'BAD_REQUEST', { fr: 'Requête invalide', en: 'Bad request' });
  }
  return undefined;
}

/** The value as the schema reads it, or the 400 that names every problem with this part of the request. */
export function validate<T extends z.ZodType>(schema: T, value: unknown, part: InputPart): z.output<T> {
  const parsed = schema.safeParse(value, { reportInput: true });
  if (!parsed.success) throw validationError(part, parsed.error);
  return parsed.data;
}

function logFields(res: Response): ReturnType<typeof requestLogFields.get> & object {
  let fields = requestLogFields.get(res);
  if (!fields) {
    fields = {};
    requestLogFields.set(res, fields);
  }
  return fields;
}

export function noteForLog(res: Response, fields: { route?: string; place?: string; user?: string }): void {
  Object.assign(logFields(res), fields);
}

function unexpected(env: { logger: Logger }, req: Request, res: Response, error: unknown, lang: Lang): void {
  env.logger.error({ err: error, method: req.method, route: requestLogFields.get(res)?.route ?? req.path }, 'request failed');
  sendError(
    res,
    new ApiError(500, 'INTERNAL', {
      fr: "Erreur interne du service : elle a été journalisée, réessayez plus tard",
      en: 'Internal error: it was logged, try again later',
    }),
    lang,
  );
}

export function mountRoutes<X>(router: Router, routes: readonly AnyRoute[], env: MountEnv<X>): void {
  for (const r of routes) {
    const spec = r.spec;
    const chain: RequestHandler[] = [];
    if (spec.body?.kind === 'raw') {
      chain.push(express.raw({ type: () => true, limit: env.rawLimitBytes }));
    } else if (r.method !== 'get') {
      chain.push(requireJson(r), express.json({ limit: env.jsonLimitBytes, type: 'application/json', strict: true }));
    }
    const handler: RequestHandler = async (req, res) => {
      const lang = languageOf((...langs) => req.acceptsLanguages(...langs));
      noteForLog(res, { route: r.path });
      try {
        const { session, place } = await env.guard(r, req, res);
        const params = validate(spec.params ?? EMPTY, req.params, 'params');
        const query = validate(spec.query ?? EMPTY, req.query, 'query');
        const headers = validate(spec.headers ?? EMPTY, req.headers, 'headers');
        let body: unknown = undefined;
        let rawBody: Buffer | undefined;
        if (spec.body?.kind === 'raw') {
          rawBody = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
        } else if (spec.body?.kind === 'json') {
          const given: unknown = req.body;
          body = !hasBody(req) && spec.body.optional === true ? undefined : validate(spec.body.schema, given, 'body');
        }
        const reply = await spec.handle({ req, res, lang, params, query, headers, body, rawBody, session, place });
        if (reply.headers) res.set(reply.headers);
        res.status(reply.status ?? spec.response.status).json(reply.body);
      } catch (error) {
        const known = fromEngineError(error, spec.notFound ?? { code: 'NOT_FOUND', text: { fr: 'Introuvable', en: 'Not found' } });
        if (known) {
          if (known.status >= 500) env.logger.warn({ err: error, route: r.path }, 'request answered with an unavailability');
          sendError(res, known, lang);
        } else {
          unexpected(env, req, res, error, lang);
        }
      }
    };
    router[r.method](spec.path, ...chain, handler);
  }
}

/** Placed after the routes: turns body-parser's errors (and the 415 check's) into the API's error body. */
export function routeErrors(env: { logger: Logger }): ErrorRequestHandler {
  return (error: unknown, req, res, next) => {
    if (res.headersSent) {
      next(error);
      return;
    }
    const lang = languageOf((...langs) => req.acceptsLanguages(...langs));
    const known = error instanceof ApiError ? error : bodyParserError(error);
    if (known) {
      sendError(res, known, lang);
      return;
    }
    unexpected(env, req, res, error, lang);
  };
}
