import { randomBytes } from 'node:crypto';
import { readSecrets, setPlaceSecret, writeSecrets } from '../config';
import type { ErpPort } from '../erp';
import { ADDON_MODULE, loadAddonDefinitions, type AddonDefinitions } from './definitions';
import { executePlan, explainErpError, StepFailedError, type Progress } from './execute';
import { describePlan, planInstall, planUninstall, type Plan } from './plan';
import { readInstallSnapshot, readUninstallSnapshot, SnapshotError } from './snapshot';

/**
 * `npm run erp:install` and `erp:uninstall` without their command lines: read the ERP, plan,
 * print the difference, and (unless dry-running) carry the plan out with a line per step.
 *
 * Module: over REST the add-on's DocTypes go into a custom Module Def "Creneau" (custom = 1, which
 * Frappe keeps in the database only, module_def.py), created by the installer. A real v15 site
 * accepts it: System Manager may create Module Defs, and a custom DocType may name any module.
 * Filed there, the add-on's DocTypes are grouped in the desk and found by module, and a later
 * `bench install-app creneau` meets a module of the same name. `--module Custom` files them under
 * Frappe's own "Custom" module instead, as the recorded exchanges do.
 */

export interface InstallerSettings {
  port: ErpPort;
  /** For messages only; the port already knows where the ERP is. */
  erpUrl: string;
  place: string;
  sidecarUrl: string;
  secretsFile: string;
  dryRun: boolean;
  module?: string;
  /** Give the Webhooks a new secret even though the secrets file has one. */
  rotateSecret?: boolean;
  definitions?: AddonDefinitions;
  /** Where the plan and the progress lines go (the terminal for the CLI). */
  print: (line: string) => void;
}

export interface UninstallSettings extends Omit<InstallerSettings, 'sidecarUrl' | 'rotateSecret'> {
  force: boolean;
}

export interface RunResult {
  plan: Plan;
  /** Writes carried out (0 on a dry run or when nothing had to change). */
  written: number;
}

/** A failure the installer explains in one line per problem; the CLI prints them and exits 1. */
export class InstallerError extends Error {
  override readonly name = 'InstallerError';
  constructor(readonly problems: readonly string[], options?: { cause: unknown }) {
    super(problems.join('\n'), options);
  }
}

/** 32 random bytes: Frappe signs each delivery with HMAC-SHA256 under it. */
export function newWebhookSecret(): string {
  return randomBytes(32).toString('base64url');
}

/** A step as it is carried out: the counter and the summary, then the difference it made. */
function progressLines(progress: Progress): string[] {
  const counter = `[${String(progress.index)}/${String(progress.total)}]`;
  if (progress.outcome === 'kept') return [`${counter} ${progress.step.summary}: kept, ${progress.reason ?? 'in use'}`];
  return [`${counter} ${progress.step.summary}`, ...progress.step.details.map((detail) => `    ${detail}`)];
}

/** The plan before anything is written: in full on a dry run, its notes otherwise (the progress lines show the rest). */
function printPlan(settings: InstallerSettings | UninstallSettings, plan: Plan, nothingToDo?: string): void {
  const lines = describePlan(plan, nothingToDo);
  if (settings.dryRun || plan.steps.length === 0) {
    for (const line of lines) settings.print(line);
    return;
  }
  for (const line of lines) if (line.startsWith('note: ')) settings.print(line);
}

async function readOrExplain<T>(read: () => Promise<T>, erpUrl: string): Promise<T> {
  try {
    return await read();
  } catch (error) {
    if (error instanceof SnapshotError) throw new InstallerError([error.message], { cause: error });
    throw new InstallerError([explainErpError(error, erpUrl, 'read what the ERP has')], { cause: error });
  }
}

async function carryOut(settings: InstallerSettings | UninstallSettings, plan: Plan, before?: () => void): Promise<number> {
  if (plan.steps.length === 0) return 0;
  before?.();
  settings.print(`Writing ${String(plan.steps.length)} change${plan.steps.length > 1 ? 's' : ''} to ${settings.erpUrl}:`);
  try {
    await executePlan(settings.port, plan.steps, settings.erpUrl, (progress) => {
      for (const line of progressLines(progress)) settings.print(line);
    });
  } catch (error) {
    if (error instanceof StepFailedError) {
      throw new InstallerError(
        [error.message, `${String(error.completed)} of ${String(plan.steps.length)} changes were made; run the same command again to finish once this is fixed.`],
        { cause: error },
      );
    }
    throw error;
  }
  return plan.steps.length;
}

export async function runInstall(settings: InstallerSettings): Promise<RunResult> {
  const definitions = settings.definitions ?? loadAddonDefinitions();
  const module = settings.module ?? ADDON_MODULE;
  settings.print(`Reading the add-on's footprint in ${settings.erpUrl} (place "${settings.place}")…`);
  const snapshot = await readOrExplain(() => readInstallSnapshot(settings.port, definitions, { place: settings.place, module }), settings.erpUrl);

  const stored = readSecrets(settings.secretsFile)[settings.place]?.webhookSecret;
  const webhookSecret = stored !== undefined && settings.rotateSecret !== true ? { value: stored, isNew: false } : { value: newWebhookSecret(), isNew: true };
  const plan = planInstall(definitions, { place: settings.place, sidecarUrl: settings.sidecarUrl, module, webhookSecret }, snapshot);

  printPlan(settings, plan);
  if (plan.conflicts.length > 0) throw new InstallerError(plan.conflicts);
  if (settings.dryRun) {
    if (plan.steps.length > 0) {
      settings.print(`Dry run: ${String(plan.steps.length)} change${plan.steps.length > 1 ? 's' : ''} not written.`);
      if (webhookSecret.isNew) settings.print(`A new webhook secret would be written to ${settings.secretsFile}.`);
    }
    return { plan, written: 0 };
  }
  const written = await carryOut(settings, plan, () => {
    // Kept before any Webhook has it, so that a run cut short never leaves the ERP signing with a
    // secret the sidecar does not know.
    if (webhookSecret.isNew) {
      setPlaceSecret(settings.secretsFile, settings.place, { webhookSecret: webhookSecret.value });
      settings.print(`Webhook secret for place "${settings.place}" written to ${settings.secretsFile} (mode 0600).`);
    }
  });
  if (written > 0) settings.print(`Done: ${String(written)} change${written > 1 ? 's' : ''} written.`);
  return { plan, written };
}

export async function runUninstall(settings: UninstallSettings): Promise<RunResult> {
  const definitions = settings.definitions ?? loadAddonDefinitions();
  const module = settings.module ?? ADDON_MODULE;
  settings.print(`Reading the add-on's footprint in ${settings.erpUrl} (place "${settings.place}")…`);
  const snapshot = await readOrExplain(() => readUninstallSnapshot(settings.port, definitions, { place: settings.place, module }), settings.erpUrl);
  const plan = planUninstall(definitions, { place: settings.place, module, force: settings.force }, snapshot);

  printPlan(settings, plan, 'Nothing to remove: the ERP holds nothing of the add-on.');
  if (plan.conflicts.length > 0) throw new InstallerError(plan.conflicts);
  if (settings.dryRun) {
    if (plan.steps.length > 0) settings.print(`Dry run: ${String(plan.steps.length)} removal${plan.steps.length > 1 ? 's' : ''} not carried out.`);
    return { plan, written: 0 };
  }
  const written = await carryOut(settings, plan);
  // The place's Webhooks are gone, and their secret with them.
  const secrets = readSecrets(settings.secretsFile);
  const entry = secrets[settings.place];
  if (entry?.webhookSecret !== undefined) {
    const { webhookSecret: _removed, ...rest } = entry;
    const others = Object.fromEntries(Object.entries(secrets).filter(([place]) => place !== settings.place));
    writeSecrets(settings.secretsFile, Object.keys(rest).length > 0 ? { ...others, [settings.place]: rest } : others);
    settings.print(`Webhook secret for place "${settings.place}" removed from ${settings.secretsFile}.`);
  }
  if (written > 0) settings.print(`Done: ${String(written)} removal${written > 1 ? 's' : ''}.`);
  return { plan, written };
}
