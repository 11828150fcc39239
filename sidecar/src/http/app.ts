import express, { type ErrorRequestHandler, type Express, type RequestHandler, type Router } from 'express';
import type { Logger } from '../log';

export interface HttpAppParts {
  logger: Logger;
  routers: readonly Router[];
}

/** The error body every endpoint answers with: a stable code for programs, a sentence for people. */
export interface ErrorBody {
  error: { code: string; message: string; details?: unknown };
}

export function createHttpApp({ logger, routers }: HttpAppParts): Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', 'loopback');
  app.use(requestLog(logger));
  for (const router of routers) app.use(router);
  app.use((req, res) => {
    res.status(404).json({ error: { code: 'NOT_FOUND', message: `No such endpoint: ${req.method} ${req.path}` } } satisfies ErrorBody);
  });
  app.use(errorHandler(logger));
  return app;
}

function requestLog(logger: Logger): RequestHandler {
  return (req, res, next) => {
    const started = process.hrtime.bigint();
    res.on('finish', () => {
      const ms = Number(process.hrtime.bigint() - started) / 1e6;
      logger.debug({ method: req.method, path: req.path, status: res.statusCode, ms: Math.round(ms * 10) / 10 }, 'http');
    });
    next();
  };
}

/** body-parser's and express's own errors carry a status; anything else is our fault and answers 500. */
function errorHandler(logger: Logger): ErrorRequestHandler {
  return (error: unknown, req, res, _next) => {
    const status = typeof error === 'object' && error !== null && 'status' in error && typeof error.status === 'number' ? error.status : 500;
    const type = typeof error === 'object' && error !== null && 'type' in error ? String(error.type) : '';
    if (status >= 500) {
      logger.error({ err: error, method: req.method, path: req.path }, 'request failed');
      res.status(500).json({ error: { code: 'INTERNAL', message: 'Something went wrong on our side; the error was logged.' } } satisfies ErrorBody);
      return;
    }
    const known: Record<string, { code: string; message: string }> = {
      'entity.parse.failed': { code: 'MALFORMED_JSON', message: 'The request body is not valid JSON.' },
      'entity.too.large': { code: 'BODY_TOO_LARGE', message: 'The request body is too large.' },
      'charset.unsupported': { code: 'UNSUPPORTED_CHARSET', message: 'The request body must be UTF-8.' },
      'encoding.unsupported': { code: 'UNSUPPORTED_ENCODING', message: 'The request body encoding is not supported.' },
    };
    const body = known[type] ?? { code: 'BAD_REQUEST', message: error instanceof Error ? error.message : 'Bad request.' };
    res.status(status).json({ error: body } satisfies ErrorBody);
  };
}
