import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { DEFAULT_SECRETS_FILE, PLACE_ID_PATTERN, type Env } from '../config';
import { erpConnection, givenText, httpUrlProblem, readOptionalConfig, type ErpConnection } from '../config/cli';
import { ADDON_MODULE } from './definitions';

/**
 * Where `erp:install` and `erp:uninstall` find the ERP and the sidecar: flags first, then the
 * environment (ERP_URL, ERP_API_KEY, ERP_API_SECRET, SIDECAR_PUBLIC_URL), then the sidecar's
 * configuration (creneau.config.json or the variables it reads). Every missing setting is named.
 */

export interface InstallerCliSettings {
  erp: ErpConnection;
  place: string;
  /** Empty for uninstall, which needs no sidecar. */
  sidecarUrl: string;
  secretsFile: string;
  module: string;
  dryRun: boolean;
  force: boolean;
  rotateSecret: boolean;
  verbose: boolean;
}

export type CliParse = { help: true; usage: string } | { help: false; settings: InstallerCliSettings } | { help: false; problems: string[]; usage: string };

const COMMON_USAGE = `  --url URL            the ERP site (default: ERP_URL, or the configuration)
  --api-key KEY        API key of the ERP user (default: ERP_API_KEY)
  --api-secret SECRET  its API secret (default: ERP_API_SECRET)
  --place ID           the place whose ERP this is (default: the configuration's only place, else PLACE_ID, else "default")
  --config FILE        the sidecar's configuration file (default: CRENEAU_CONFIG, ./creneau.config.json)
  --secrets-file FILE  where the webhook secret is kept (default: .creneau/secrets.json)
  --module NAME        Module Def for the add-on's DocTypes: ${ADDON_MODULE} (default) or Custom
  --dry-run            print the difference, write nothing
  --verbose            log every ERP request (to stderr)
  --help`;

export function installUsage(): string {
  return `Usage: npm run erp:install -- [options]
Creates or updates, over REST, the add-on's DocTypes, Custom Fields, role, units and Webhooks.
  --sidecar-url URL    where the ERP reaches the sidecar (default: SIDECAR_PUBLIC_URL, or the configuration's public URL)
  --rotate-secret      give the Webhooks a new secret
${COMMON_USAGE}`;
}

export function uninstallUsage(): string {
  return `Usage: npm run erp:uninstall -- [options]
Removes what erp:install created; refuses while the add-on's DocTypes hold records.
  --force              delete those records too
${COMMON_USAGE}`;
}

export function parseInstallerArgs(argv: readonly string[], env: Env, command: 'install' | 'uninstall', cwd = process.cwd()): CliParse {
  const usage = command === 'install' ? installUsage() : uninstallUsage();
  let values: Record<string, string | boolean | undefined>;
  try {
    ({ values } = parseArgs({
      args: [...argv],
      strict: true,
      allowPositionals: false,
      options: {
        url: { type: 'string' },
        'api-key': { type: 'string' },
        'api-secret': { type: 'string' },
        'sidecar-url': { type: 'string' },
        place: { type: 'string' },
        config: { type: 'string' },
        'secrets-file': { type: 'string' },
        module: { type: 'string' },
        'dry-run': { type: 'boolean', default: false },
        force: { type: 'boolean', default: false },
        'rotate-secret': { type: 'boolean', default: false },
        verbose: { type: 'boolean', default: false },
        help: { type: 'boolean', default: false },
      },
    }));
  } catch (error) {
    return { help: false, problems: [(error as Error).message], usage };
  }
  if (values.help === true) return { help: true, usage };
  const flag = (name: string): string | undefined => givenText(values[name]);
  const problems: string[] = [];
  if (command === 'install' && values.force === true) problems.push('--force is an option of erp:uninstall');
  if (command === 'uninstall' && (flag('sidecar-url') !== undefined || values['rotate-secret'] === true)) {
    problems.push('--sidecar-url and --rotate-secret are options of erp:install');
  }

  // The configuration fills what neither flags nor variables give; it may well not exist.
  const { config, problems: configProblems } = readOptionalConfig(env, cwd, flag('config'));
  const placeId = flag('place') ?? (config?.places.length === 1 ? config.places[0]?.id : undefined) ?? givenText(env.PLACE_ID) ?? 'default';
  const place = config?.places.find((candidate) => candidate.id === placeId);
  if (config && config.places.length > 1 && !place) {
    // Its ERP settings would all be reported missing: the one mistake is the place.
    return { help: false, problems: [`--place: "${placeId}" is not one of the configured places (${config.places.map((candidate) => candidate.id).join(', ')})`], usage };
  }

  const { erp, problems: erpProblems } = erpConnection(flag, env, place);
  problems.push(...erpProblems);
  const sidecarUrl = command === 'install' ? (flag('sidecar-url') ?? givenText(env.SIDECAR_PUBLIC_URL) ?? config?.http.publicUrl) : '';
  const module = flag('module') ?? ADDON_MODULE;
  if (command === 'install') {
    if (sidecarUrl === undefined) problems.push('Sidecar URL missing: pass --sidecar-url or set SIDECAR_PUBLIC_URL (the address the ERP can reach the sidecar at)');
    else {
      const problem = httpUrlProblem('--sidecar-url', sidecarUrl);
      if (problem) problems.push(problem);
    }
  }
  if (!PLACE_ID_PATTERN.test(placeId)) problems.push(`--place: "${placeId}" must be lowercase letters, digits and dashes`);
  if (!/^[A-Za-z][A-Za-z0-9 ]*$/.test(module)) problems.push(`--module: "${module}" is not a module name`);
  if (problems.length > 0 && !config && configProblems.length > 0 && flag('config') !== undefined) problems.push(...configProblems);
  if (problems.length > 0 || erp === undefined || sidecarUrl === undefined) {
    return { help: false, problems, usage };
  }
  return {
    help: false,
    settings: {
      erp,
      place: placeId,
      sidecarUrl: sidecarUrl.replace(/\/+$/, ''),
      secretsFile: resolve(cwd, flag('secrets-file') ?? givenText(env.CRENEAU_SECRETS_FILE) ?? config?.secretsFile ?? DEFAULT_SECRETS_FILE),
      module,
      dryRun: values['dry-run'] === true,
      force: values.force === true,
      rotateSecret: values['rotate-secret'] === true,
      verbose: values.verbose === true,
    },
  };
}
