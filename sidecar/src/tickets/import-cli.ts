import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import pino from 'pino';
import type { Env } from '../config';
import { erpConnection, givenText, readOptionalConfig } from '../config/cli';
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
  const flag = (name: string): string | undefined => givenText(values[name]);

  const problems: string[] = [];
  const lang = flag('lang') ?? 'fr';
  if (lang !== 'fr' && lang !== 'en') problems.push(`--lang: "${lang}" is neither fr nor en`);
  const file = flag('file');
  if (file === undefined) problems.push('--file missing: the CSV file to import');

  const { config, problems: configProblems } = readOptionalConfig(env, cwd, flag('config'));
  if (flag('config') !== undefined) problems.push(...configProblems);
  const placeId = flag('place') ?? (config?.places.length === 1 ? config.places[0]?.id : undefined);
  const place = placeId === undefined ? undefined : config?.places.find((candidate) => candidate.id === placeId);
  if (config && config.places.length > 1 && !place) {
    problems.push(`--place: ${placeId === undefined ? 'missing' : `"${placeId}" is not one of the configured places`} (${config.places.map((p) => p.id).join(', ')})`);
  }
  const { erp: connection, problems: erpProblems } = erpConnection(flag, env, place);
  problems.push(...erpProblems);
  const timeZone = place?.timeZone ?? givenText(env.PLACE_TIME_ZONE) ?? 'Europe/Paris';
  if (!isValidTimeZone(timeZone)) problems.push(`time zone "${timeZone}" is not an IANA time zone`);
  if (problems.length > 0 || file === undefined || connection === undefined) {
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
  const erp = createFrappeAdapter({ ...connection, retry: { maxAttempts: 3 } }, { logger });
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
    io.err(lang === 'fr' ? `L'ERP à ${connection.url} n'a pas pu être lu : ${error.message}` : `The ERP at ${connection.url} could not be read: ${error.message}`);
    return 1;
  }
}
