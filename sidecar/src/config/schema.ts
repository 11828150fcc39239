import { z } from 'zod';
import { DEFAULT_TIME_ZONE } from '../domain';

/**
 * A secret is written inline or, better, read from an environment variable (`{ "env": "NAME" }`), so that a
 * configuration file can be committed to a place's own repository without its credentials.
 */
export const SecretRef = z.union([z.string().min(1), z.object({ env: z.string().min(1) }).strict()]);
export type SecretRef = z.infer<typeof SecretRef>;

export const PLACE_ID_PATTERN = /^[a-z0-9][a-z0-9-]{0,39}$/;

const PlaceId = z
  .string()
  .regex(PLACE_ID_PATTERN, 'lowercase letters, digits and dashes, 1 to 40 characters (it prefixes Redis keys and URLs)');

const HttpUrl = z.url({ protocol: /^https?$/, error: 'an http:// or https:// URL' });

export const ErpSettings = z
  .object({
    url: HttpUrl,
    apiKey: SecretRef,
    apiSecret: SecretRef,
    timeoutMs: z.number().int().min(100).max(300_000).default(10_000),
  })
  .strict();

export const PlaceSettings = z
  .object({
    id: PlaceId,
    name: z.string().min(1),
    timeZone: z.string().min(1).default(DEFAULT_TIME_ZONE),
    /** The ERP company's currency: prices and invoices are in it. */
    currency: z.string().regex(/^[A-Z]{3}$/, 'an ISO 4217 code such as EUR').default('EUR'),
    /** Host names that select this place when the sidecar serves several. */
    hosts: z.array(z.string().min(1)).default([]),
    erp: ErpSettings,
  })
  .strict();

export const FileConfig = z
  .object({
    http: z
      .object({
        host: z.string().min(1).default('127.0.0.1'),
        port: z.number().int().min(0).max(65_535).default(8080),
        publicUrl: HttpUrl.optional(),
      })
      .strict()
      .default({ host: '127.0.0.1', port: 8080 }),
    redis: z.object({ url: z.string().regex(/^rediss?:\/\//, 'a redis:// or rediss:// URL') }).strict().optional(),
    log: z.object({ level: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info') }).strict().optional(),
    secretsFile: z.string().min(1).optional(),
    places: z.array(PlaceSettings).min(1, 'at least one place'),
  })
  .strict();

export type FileConfig = z.input<typeof FileConfig>;

export interface ResolvedErpSettings {
  /** Without a trailing slash. */
  url: string;
  apiKey: string;
  apiSecret: string;
  timeoutMs: number;
}

export interface ResolvedPlace {
  id: string;
  name: string;
  timeZone: string;
  currency: string;
  hosts: string[];
  erp: ResolvedErpSettings;
  /** Shared with the ERP's Webhooks by the installer; absent until the add-on is installed. */
  webhookSecret: string | undefined;
}

export interface Config {
  http: { host: string; port: number; publicUrl: string };
  redis: { url: string };
  log: { level: string };
  secretsFile: string;
  places: ResolvedPlace[];
  /** Where the settings came from, for the start-up log line. */
  source: string;
}
