import pino, { type Logger } from 'pino';

export type { Logger };

/**
 * Paths pino blanks out wherever they appear in a log record. Tokens and secrets reach the logger
 * mostly through request headers and error objects carrying the request that failed, so both are
 * covered; a test asserts that a logged ERP failure never prints the credentials.
 */
export const REDACTED_PATHS: readonly string[] = [
  'password',
  'pwd',
  'apiSecret',
  'api_secret',
  'secret',
  'token',
  'webhookSecret',
  'authorization',
  'cookie',
  '*.password',
  '*.pwd',
  '*.apiSecret',
  '*.api_secret',
  '*.secret',
  '*.token',
  '*.webhookSecret',
  '*.authorization',
  '*.Authorization',
  '*.cookie',
  '*.Cookie',
  'headers.authorization',
  'headers.Authorization',
  'headers.cookie',
  'headers["set-cookie"]',
  'req.headers.authorization',
  'req.headers.cookie',
  'res.headers["set-cookie"]',
  'err.config.headers',
  'err.request',
];

export interface LogOptions {
  level?: string;
  /** Where records go; tests pass a stream to read them back. */
  destination?: pino.DestinationStream;
  name?: string;
}

export function createLogger(options: LogOptions = {}): Logger {
  return pino(
    {
      name: options.name ?? 'creneau',
      level: options.level ?? 'info',
      redact: { paths: [...REDACTED_PATHS], censor: '[redacted]' },
      base: { pid: process.pid },
      timestamp: pino.stdTimeFunctions.isoTime,
    },
    options.destination,
  );
}

/** A logger that writes nothing, for code paths under test that do not assert on logs. */
export const silentLogger: Logger = pino({ level: 'silent' });
