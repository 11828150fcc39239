import express, { type ErrorRequestHandler, type Express, type RequestHandler, type Router } from 'express';
import type { Logger } from '../log';
import { languageOf } from './errors';

export interface HttpAppParts {
  logger: Logger;
  routers: readonly Router[];
  /** express's `trust proxy`: which hops may set X-Forwarded-For (client IPs for throttling, logs). Default: loopback. */
  trustProxy?: boolean | number | string | readonly string[];
}

/** What a router knows of a request that the access log should say: the route pattern, the place, the user. */
export interface RequestLogFields {
  route?: string;
  place?: string;
  user?: string;
}

/** Filled by the routers while they handle a request; read once the response is sent. */
export const requestLogFields = new WeakMap<object, RequestLogFields>();

/** The error body every endpoint answers with: a stable code for programs, a sentence for people. */
export interface ErrorBody {
  error: { code: string; message: string; details?: unknown };
}

export function createHttpApp({ logger, routers, trustProxy = 'loopback' }: HttpAppParts): Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', trustProxy);
  app.use(requestLog(logger));
  for (const router of routers) app.use(router);
  app.use((req, res) => {
    const where = `${req.method} ${req.path.slice(0, 200)}`;
    const message = languageOf((...langs) => req.acceptsLanguages(...langs)) === 'en' ? `No such endpoint: ${where}` : `Adresse inconnue : ${where}`;
    res.status(404).json({ error: { code: 'NOT_FOUND', message } } satisfies ErrorBody);
  });
  app.use(errorHandler(logger));
  return app;
}

/** One line per request, with the route's pattern when a router names it (ids and query strings stay out of the log). */
function requestLog(logger: Logger): RequestHandler {
  return (req, res, next) => {
    const started = process.hrtime.bigint();
    // Read now: a router mounted on a sub-path rewrites req.url while it runs.
    const path = req.path;
    res.on('finish', () => {
      const ms = Number(process.hrtime.bigint() - started) / 1e6;
      const fields = requestLogFields.get(res) ?? {};
      logger.info(
        { method: req.method, route: fields.route ?? path, status: res.statusCode, ms: Math.round(ms * 10) / 10, place: fields.place, user: fields.user },
        'http',
      );
    });
    next();
  };
}

/**
 * The API router answers its own errors, body-parser's included (only its routes parse bodies), so this sees only
 * what the other routers pass on: a status under 500 is kept, anything else is our fault and answers 500.
 */
function errorHandler(logger: Logger): ErrorRequestHandler {
  return (error: unknown, req, res, _next) => {
    const status = typeof error === 'object' && error !== null && 'status' in error && typeof error.status === 'number' ? error.status : 500;
    if (status >= 500) {
      logger.error({ err: error, method: req.method, path: req.path }, 'request failed');
      res.status(500).json({ error: { code: 'INTERNAL', message: 'Something went wrong on our side; the error was logged.' } } satisfies ErrorBody);
      return;
    }
    const body = { code: 'BAD_REQUEST', message: error instanceof Error ? error.message : 'Bad request.' };
    res.status(status).json({ error: body } satisfies ErrorBody);
  };
}
