import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import pino from 'pino';
import { ConfigError, loadConfig, type Config, type Env } from '../config';
import { isValidTimeZone, type Lang } from '../domain';
import { createFrappeAdapter, ErpError } from '../erp';
import { createLogger } from '../log';
import { importOpeningBalances } from './import';

/**
 * The body of `npm run tickets:import`: parse, read the file, import, print; returns the exit code
 * (0 done or dry run, 1 refused or failed, 2 wrong usage). Kept here rather than in the script so
 * that tests drive exactly what a manager types.
 */

export interface ImportIo {
  out: (line: string) => void;
  err: (line: string) => void;
  /** Where the ERP client's request log goes with --verbose. */
  logDestination?: pino.DestinationStream;
}

export function importUsage(): string {
  return `Usage: npm run tickets:import -- --file balances.csv [options]
Credits opening balances (the tickets counted by hand until now) from a CSV file with the columns
client ; type de carnet ; quantité ; date d'expiration [; motif] (French or English headers, ; or ,).
  --file FILE          the CSV file (UTF-8, as a spreadsheet exports it)
  --dry-run            check the file and print what would be credited; write nothing
  --skip-bad-lines     import the valid lines even when some are bad (they are still reported)
  --place ID           the place whose ERP this is (default: the configuration's only place)
  --config FILE        the sidecar's configuration file (default: CRENEAU_CONFIG, ./creneau.config.json)
  --url URL            the ERP site (default: ERP_URL, or the configuration)
  --api-key KEY        API key of the ERP user (default: ERP_API_KEY)
  --api-secret SECRET  its API secret (default: ERP_API_SECRET)
  --lang fr|en         the language of the messages (default fr)
  --verbose            log every ERP request (to stderr)
  --help`;
}

const HTTP_URL = /^https?:\/\/[^\s/]+/;

export async function runTicketsImportCli(argv: readonly string[], env: Env, io: ImportIo, cwd = process.cwd(), now: () => number = Date.now): Promise<number> {
  const usage = importUsage();
  let values: Record<string, string | boolean | undefined>;
  try {
    ({ values } = parseArgs({
      args: [...argv],
      strict: true,
      allowPositionals: false,
      options: {
        file: { type: 'string' },
        'dry-run': { type: 'boolean', default: false },
        'skip-bad-lines': { type: 'boolean', default: false },
        place: { type: 'string' },
        config: { type: 'string' },
        url: { type: 'string' },
        'api-key': { type: 'string' },
        'api-secret': { type: 'string' },
        lang: { type: 'string' },
        verbose: { type: 'boolean', default: false },
        help: { type: 'boolean', default: false },
      },
    }));
  } catch (error) {
    io.err((error as Error).message);
    io.err('');
    io.err(usage);
    return 2;
  }
  if (values.help === true) {
    io.out(usage);
    return 0;
  }
  const flag = (name: string): string | undefined => {
    const value = values[name];
    return typeof value === 'string' && value.trim() !== '' ? value.trim() : undefined;
  };
  const fromEnv = (name: string): string | undefined => (env[name]?.trim() ? env[name].trim() : undefined);

  const problems: string[] = [];
  const lang = flag('lang') ?? 'fr';
  if (lang !== 'fr' && lang !== 'en') problems.push(`--lang: "${lang}" is neither fr nor en`);
  const file = flag('file');
  if (file === undefined) problems.push('--file missing: the CSV file to import');

  let config: Config | undefined;
  try {
    config = loadConfig({ env, cwd, ...(flag('config') ? { file: flag('config') } : {}) });
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    if (flag('config') !== undefined) problems.push(...error.problems);
  }
  const placeId = flag('place') ?? (config?.places.length === 1 ? config.places[0]?.id : undefined);
  const place = placeId === undefined ? undefined : config?.places.find((candidate) => candidate.id === placeId);
  if (config && config.places.length > 1 && !place) {
    problems.push(`--place: ${placeId === undefined ? 'missing' : `"${placeId}" is not one of the configured places`} (${config.places.map((p) => p.id).join(', ')})`);
  }
  const url = flag('url') ?? fromEnv('ERP_URL') ?? place?.erp.url;
  const apiKey = flag('api-key') ?? fromEnv('ERP_API_KEY') ?? place?.erp.apiKey;
  const apiSecret = flag('api-secret') ?? fromEnv('ERP_API_SECRET') ?? place?.erp.apiSecret;
  const timeZone = place?.timeZone ?? fromEnv('PLACE_TIME_ZONE') ?? 'Europe/Paris';
  if (url === undefined) problems.push('ERP URL missing: pass --url or set ERP_URL');
  else if (!HTTP_URL.test(url)) problems.push(`--url: "${url}" is not an http:// or https:// URL`);
  if (apiKey === undefined) problems.push('API key missing: pass --api-key or set ERP_API_KEY');
  if (apiSecret === undefined) problems.push('API secret missing: pass --api-secret or set ERP_API_SECRET');
  if (!isValidTimeZone(timeZone)) problems.push(`time zone "${timeZone}" is not an IANA time zone`);
  if (problems.length > 0 || file === undefined || url === undefined || apiKey === undefined || apiSecret === undefined) {
    for (const problem of problems) io.err(problem);
    io.err('');
    io.err(usage);
    return 2;
  }

  const path = resolve(cwd, file);
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    io.err(lang === 'fr' ? `Fichier illisible : ${path} (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})` : `Cannot read ${path} (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`);
    return 1;
  }

  const logger = createLogger({ name: 'tickets-import', level: values.verbose === true ? 'debug' : 'error', destination: io.logDestination ?? pino.destination(2) });
  const erp = createFrappeAdapter({ url: url.replace(/\/+$/, ''), apiKey, apiSecret, timeoutMs: place?.erp.timeoutMs ?? 30_000, retry: { maxAttempts: 3 } }, { logger });
  try {
    const report = await importOpeningBalances({
      erp,
      text,
      file,
      timeZone,
      now: now(),
      dryRun: values['dry-run'] === true,
      skipBadLines: values['skip-bad-lines'] === true,
      lang: lang as Lang,
      print: io.out,
      logger,
    });
    return report.ok ? 0 : 1;
  } catch (error) {
    if (!(error instanceof ErpError)) throw error;
    io.err(lang === 'fr' ? `L'ERP à ${url} n'a pas pu être lu : ${error.message}` : `The ERP at ${url} could not be read: ${error.message}`);
    return 1;
  }
}
