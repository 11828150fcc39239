import pino from 'pino';
import type { Env } from '../config';
import { createFrappeAdapter } from '../erp';
import { createLogger } from '../log';
import { parseInstallerArgs } from './cli-options';
import { InstallerError, runInstall, runUninstall } from './installer';

/**
 * The body of `npm run erp:install` / `erp:uninstall`: parse, run, print, and return the exit
 * code (0 done or nothing to do, 1 refused or failed, 2 wrong usage). Kept here rather than in the
 * scripts so that tests drive exactly what a manager types.
 */

export interface CliIo {
  out: (line: string) => void;
  err: (line: string) => void;
  /** Where the ERP client's request log goes with --verbose. */
  logDestination?: pino.DestinationStream;
}

export async function runInstallerCli(command: 'install' | 'uninstall', argv: readonly string[], env: Env, io: CliIo, cwd = process.cwd()): Promise<number> {
  const parsed = parseInstallerArgs(argv, env, command, cwd);
  if (parsed.help) {
    io.out(parsed.usage);
    return 0;
  }
  if ('problems' in parsed) {
    for (const problem of parsed.problems) io.err(problem);
    io.err('');
    io.err(parsed.usage);
    return 2;
  }
  const { settings } = parsed;
  const logger = createLogger({ name: `erp-${command}`, level: settings.verbose ? 'debug' : 'error', destination: io.logDestination ?? pino.destination(2) });
  // Reads are retried a few times on a flaky network; a refused connection still fails fast.
  const port = createFrappeAdapter({ ...settings.erp, retry: { maxAttempts: 3 } }, { logger });
  const common = { port, erpUrl: settings.erp.url, place: settings.place, secretsFile: settings.secretsFile, dryRun: settings.dryRun, module: settings.module, print: io.out };
  try {
    if (command === 'install') await runInstall({ ...common, sidecarUrl: settings.sidecarUrl, rotateSecret: settings.rotateSecret });
    else await runUninstall({ ...common, force: settings.force });
    return 0;
  } catch (error) {
    if (error instanceof InstallerError) {
      for (const problem of error.problems) io.err(problem);
      return 1;
    }
    throw error;
  }
}
