import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { z } from 'zod';
import { isValidTimeZone } from '../domain';
import { FileConfig, type Config, type ResolvedPlace, type SecretRef } from './schema';
import { DEFAULT_SECRETS_FILE, SecretsFileError, readSecrets } from './secrets';

/** Every problem found, one line each, so that a manager fixes them all in one go. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  constructor(readonly problems: string[]) {
    super(problems.join('\n'));
  }
}

export type Env = Readonly<Record<string, string | undefined>>;

export const DEFAULT_CONFIG_FILE = 'creneau.config.json';
export const DEFAULT_REDIS_URL = 'redis://127.0.0.1:6379';

/** In single-place mode the settings come from these variables; the messages name them rather than JSON paths. */
const ENV_FOR_PATH: Record<string, string> = {
  'places.0.id': 'PLACE_ID',
  'places.0.name': 'PLACE_NAME',
  'places.0.timeZone': 'PLACE_TIME_ZONE',
  'places.0.currency': 'PLACE_CURRENCY',
  'places.0.erp.url': 'ERP_URL',
  'places.0.erp.apiKey': 'ERP_API_KEY',
  'places.0.erp.apiSecret': 'ERP_API_SECRET',
  'places.0.erp.timeoutMs': 'ERP_TIMEOUT_MS',
  'http.port': 'PORT',
  'http.host': 'HOST',
  'http.publicUrl': 'PUBLIC_URL',
  'redis.url': 'REDIS_URL',
  'log.level': 'LOG_LEVEL',
};

interface LoadOptions {
  env: Env;
  cwd?: string;
  /** An explicit file (a `--config` flag); otherwise CRENEAU_CONFIG, otherwise ./creneau.config.json if present. */
  file?: string;
}

export function loadConfig({ env, cwd = process.cwd(), file }: LoadOptions): Config {
  const problems: string[] = [];
  const explicit = file ?? nonEmpty(env.CRENEAU_CONFIG);
  const path = explicit ? resolve(cwd, explicit) : resolve(cwd, DEFAULT_CONFIG_FILE);
  const fromFile = explicit !== undefined || existsSync(path);

  let raw: Record<string, unknown>;
  let source: string;
  if (fromFile) {
    source = path;
    const read = readJsonFile(path);
    if (typeof read === 'string') throw new ConfigError([read]);
    raw = read;
  } else {
    source = 'environment';
    if (!nonEmpty(env.ERP_URL) && !nonEmpty(env.ERP_API_KEY) && !nonEmpty(env.ERP_API_SECRET)) {
      throw new ConfigError([
        `No ERP configured: set ERP_URL, ERP_API_KEY and ERP_API_SECRET, or write ${DEFAULT_CONFIG_FILE} (see README), or run \`npm start\` for the demo.`,
      ]);
    }
    raw = placeFromEnv(env, problems);
  }
  applyEnvOverrides(raw, env, problems);

  const parsed = FileConfig.safeParse(raw);
  if (!parsed.success) {
    for (const issue of parsed.error.issues) problems.push(describeIssue(issue, fromFile ? path : undefined, raw));
    throw new ConfigError(problems);
  }
  if (problems.length > 0) throw new ConfigError(problems);
  const data = parsed.data;

  const secretsFile = resolve(cwd, nonEmpty(env.CRENEAU_SECRETS_FILE) ?? data.secretsFile ?? DEFAULT_SECRETS_FILE);
  let secrets: ReturnType<typeof readSecrets> = {};
  try {
    secrets = readSecrets(secretsFile);
  } catch (error) {
    if (error instanceof SecretsFileError) problems.push(error.message);
    else throw error;
  }

  const seen = new Set<string>();
  const places: ResolvedPlace[] = data.places.map((place, index) => {
    if (seen.has(place.id)) problems.push(`places[${index}].id: "${place.id}" is used by two places`);
    seen.add(place.id);
    if (!isValidTimeZone(place.timeZone)) problems.push(`${where(`places.${index}.timeZone`, fromFile)}: "${place.timeZone}" is not an IANA time zone (e.g. Europe/Paris)`);
    return {
      id: place.id,
      name: place.name,
      timeZone: place.timeZone,
      currency: place.currency,
      hosts: place.hosts,
      erp: {
        url: place.erp.url.replace(/\/+$/, ''),
        apiKey: resolveSecret(place.erp.apiKey, `places.${index}.erp.apiKey`, env, fromFile, problems),
        apiSecret: resolveSecret(place.erp.apiSecret, `places.${index}.erp.apiSecret`, env, fromFile, problems),
        timeoutMs: place.erp.timeoutMs,
      },
      webhookSecret: secrets[place.id]?.webhookSecret,
    };
  });
  if (problems.length > 0) throw new ConfigError(problems);

  const host = data.http.host;
  const port = data.http.port;
  return {
    http: { host, port, publicUrl: (data.http.publicUrl ?? `http://${host === '0.0.0.0' ? '127.0.0.1' : host}:${port}`).replace(/\/+$/, '') },
    redis: { url: data.redis?.url ?? DEFAULT_REDIS_URL },
    log: { level: data.log?.level ?? 'info' },
    secretsFile,
    places,
    source,
  };
}

function readJsonFile(path: string): Record<string, unknown> | string {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    return code === 'ENOENT' ? `${path}: configuration file not found` : `${path}: cannot be read (${code ?? 'error'})`;
  }
  try {
    const value: unknown = JSON.parse(text);
    if (typeof value !== 'object' || value === null || Array.isArray(value)) return `${path}: expected a JSON object at the top level`;
    return value as Record<string, unknown>;
  } catch (error) {
    return `${path}: not valid JSON (${(error as Error).message})`;
  }
}

function placeFromEnv(env: Env, problems: string[]): Record<string, unknown> {
  const timeout = nonEmpty(env.ERP_TIMEOUT_MS);
  const timeoutMs = timeout === undefined ? undefined : Number(timeout);
  if (timeout !== undefined && !Number.isInteger(timeoutMs)) problems.push(`ERP_TIMEOUT_MS: "${timeout}" is not a whole number of milliseconds`);
  return {
    places: [
      {
        id: nonEmpty(env.PLACE_ID) ?? 'default',
        name: nonEmpty(env.PLACE_NAME) ?? nonEmpty(env.PLACE_ID) ?? 'Tiers-lieu',
        ...(nonEmpty(env.PLACE_TIME_ZONE) ? { timeZone: env.PLACE_TIME_ZONE } : {}),
        ...(nonEmpty(env.PLACE_CURRENCY) ? { currency: env.PLACE_CURRENCY } : {}),
        erp: {
          url: nonEmpty(env.ERP_URL),
          apiKey: nonEmpty(env.ERP_API_KEY),
          apiSecret: nonEmpty(env.ERP_API_SECRET),
          ...(timeoutMs !== undefined && Number.isInteger(timeoutMs) ? { timeoutMs } : {}),
        },
      },
    ],
  };
}

/** Deployment-specific settings (port, Redis, public URL, log level) may always come from the environment. */
function applyEnvOverrides(raw: Record<string, unknown>, env: Env, problems: string[]): void {
  const http = { ...(asObject(raw.http) ?? {}) };
  const port = nonEmpty(env.PORT);
  if (port !== undefined) {
    const n = Number(port);
    if (!Number.isInteger(n) || n < 0 || n > 65_535) problems.push(`PORT: "${port}" is not a TCP port number`);
    else http.port = n;
  }
  if (nonEmpty(env.HOST)) http.host = env.HOST;
  if (nonEmpty(env.PUBLIC_URL)) http.publicUrl = env.PUBLIC_URL;
  if (Object.keys(http).length > 0) raw.http = http;
  if (nonEmpty(env.REDIS_URL)) raw.redis = { url: env.REDIS_URL };
  if (nonEmpty(env.LOG_LEVEL)) raw.log = { level: env.LOG_LEVEL };
}

function resolveSecret(ref: SecretRef, path: string, env: Env, fromFile: boolean, problems: string[]): string {
  if (typeof ref === 'string') return ref;
  const value = nonEmpty(env[ref.env]);
  if (value === undefined) problems.push(`${where(path, fromFile)}: environment variable ${ref.env} is not set`);
  return value ?? '';
}

function describeIssue(issue: z.core.$ZodIssue, file: string | undefined, raw: unknown): string {
  const dotted = issue.path.map(String).join('.');
  const label = where(dotted, file !== undefined);
  const got = valueAt(raw, issue.path);
  if (got === undefined && (issue.code === 'invalid_type' || issue.code === 'invalid_union')) return `${label}: required`;
  if (issue.code === 'unrecognized_keys') return `${label || 'top level'}: unknown setting${issue.keys.length > 1 ? 's' : ''} ${issue.keys.map((k) => `"${k}"`).join(', ')}`;
  const shown = got === undefined || typeof got === 'object' ? '' : ` (got ${JSON.stringify(got)})`;
  return `${label}: ${issue.message}${shown}`;
}

function where(dotted: string, fromFile: boolean): string {
  if (!fromFile) {
    const envName = ENV_FOR_PATH[dotted];
    if (envName) return envName;
  }
  return dotted.replace(/\.(\d+)(?=\.|$)/g, '[$1]');
}

function valueAt(raw: unknown, path: readonly PropertyKey[]): unknown {
  let cursor: unknown = raw;
  for (const key of path) {
    if (typeof cursor !== 'object' || cursor === null) return undefined;
    cursor = (cursor as Record<PropertyKey, unknown>)[key];
  }
  return cursor;
}

function asObject(value: unknown): Record<string, unknown> | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? { ...(value as Record<string, unknown>) } : undefined;
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value.trim() === '' ? undefined : value;
}
