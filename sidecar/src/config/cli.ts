import { ConfigError, loadConfig, type Env } from './load';
import type { Config, ResolvedErpSettings, ResolvedPlace } from './schema';

/**
 * Where the command-line tools (`erp:install`, `erp:uninstall`, `tickets:import`) find the ERP:
 * flags first, then the environment (ERP_URL, ERP_API_KEY, ERP_API_SECRET), then the sidecar's
 * configuration, which may well not exist on the machine a manager types them on.
 */

/** A flag's or a variable's text, trimmed; undefined when it is absent or blank. */
export function givenText(value: unknown): string | undefined {
  return typeof value === 'string' && value.trim() !== '' ? value.trim() : undefined;
}

/** The sidecar's configuration, or why it cannot be read (`--config FILE`, else CRENEAU_CONFIG or ./creneau.config.json). */
export function readOptionalConfig(env: Env, cwd: string, file: string | undefined): { config: Config | undefined; problems: string[] } {
  try {
    return { config: loadConfig({ env, cwd, ...(file ? { file } : {}) }), problems: [] };
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    return { config: undefined, problems: error.problems };
  }
}

/** What a configured place's ERP settings hold, so that a tool builds its adapter as the sidecar does. */
export type ErpConnection = ResolvedErpSettings;

const HTTP_URL = /^https?:\/\/[^\s/]+/;

/** A URL the tools can call, or the problem with it, named after its flag. */
export function httpUrlProblem(flagName: string, url: string): string | undefined {
  return HTTP_URL.test(url) ? undefined : `${flagName}: "${url}" is not an http:// or https:// URL`;
}

/**
 * The ERP to talk to, from `--url`, `--api-key`, `--api-secret`, the environment or the configured
 * place; every setting missing or wrong is a problem of its own, in that order.
 */
export function erpConnection(flag: (name: string) => string | undefined, env: Env, place: ResolvedPlace | undefined): { erp: ErpConnection | undefined; problems: string[] } {
  const url = flag('url') ?? givenText(env.ERP_URL) ?? place?.erp.url;
  const apiKey = flag('api-key') ?? givenText(env.ERP_API_KEY) ?? place?.erp.apiKey;
  const apiSecret = flag('api-secret') ?? givenText(env.ERP_API_SECRET) ?? place?.erp.apiSecret;
  const problems: string[] = [];
  if (url === undefined) problems.push('ERP URL missing: pass --url or set ERP_URL');
  else {
    const problem = httpUrlProblem('--url', url);
    if (problem) problems.push(problem);
  }
  if (apiKey === undefined) problems.push('API key missing: pass --api-key or set ERP_API_KEY');
  if (apiSecret === undefined) problems.push('API secret missing: pass --api-secret or set ERP_API_SECRET');
  if (problems.length > 0 || url === undefined || apiKey === undefined || apiSecret === undefined) return { erp: undefined, problems };
  return { erp: { url: url.replace(/\/+$/, ''), apiKey, apiSecret, timeoutMs: place?.erp.timeoutMs ?? 30_000 }, problems };
}
