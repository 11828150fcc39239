import {
  ErpAuthenticationError,
  ErpDuplicateError,
  ErpError,
  ErpNotFoundError,
  ErpPermissionError,
  ErpUnavailableError,
  ErpValidationError,
  type ErpPort,
} from '../erp';
import type { Step } from './plan';

/**
 * Carries out a plan step by step through the ERP port, reporting each step as it goes. It stops
 * at the first failure with a one-line explanation; nothing is rolled back, and since the plan is
 * computed from what the ERP has, running the installer again goes on from where it stopped.
 */

export type StepOutcome = 'done' | 'kept';

export interface Progress {
  /** 1-based. */
  index: number;
  total: number;
  step: Step;
  outcome: StepOutcome;
  /** Why a deletion was skipped. */
  reason?: string;
}

export class StepFailedError extends Error {
  override readonly name = 'StepFailedError';
  constructor(
    message: string,
    readonly step: Step,
    readonly completed: number,
    options?: { cause: unknown },
  ) {
    super(message, options);
  }
}

/** One line saying what went wrong and what to do about it; never a request's credentials. */
export function explainErpError(error: unknown, erpUrl: string, doing?: string): string {
  const what = doing === undefined ? '' : ` while trying to ${doing}`;
  if (error instanceof ErpUnavailableError) {
    // The network error itself ("ECONNREFUSED: connect ECONNREFUSED 127.0.0.1:8000") says the most.
    const detail = error.reason === 'network' && error.cause instanceof Error ? error.cause.message : error.message;
    return `ERP unreachable at ${erpUrl}${what}: ${detail}. Check the URL and that the site is up, then run again.`;
  }
  if (error instanceof ErpAuthenticationError) {
    return `The ERP at ${erpUrl} refused the API key and secret${what}: check --api-key/--api-secret (or ERP_API_KEY/ERP_API_SECRET).`;
  }
  if (error instanceof ErpPermissionError) {
    return `Permission missing${what}: ${error.message}. Give the API user the role that allows it (System Manager for DocTypes, Custom Fields and Webhooks).`;
  }
  if (error instanceof ErpError) return `${error.message}${what}.`;
  if (error instanceof Error && /ECONNREFUSED|ENOTFOUND|EAI_AGAIN|ETIMEDOUT/.test(error.message)) {
    return `ERP unreachable at ${erpUrl}${what}: ${error.message}.`;
  }
  return error instanceof Error ? `${error.message}${what}.` : `${String(error)}${what}.`;
}

function describe(step: Step): string {
  return `${step.action} ${step.doctype} ${step.name}`;
}

export async function executePlan(
  port: ErpPort,
  steps: readonly Step[],
  erpUrl: string,
  onProgress: (progress: Progress) => void = () => undefined,
): Promise<void> {
  let completed = 0;
  for (const [offset, step] of steps.entries()) {
    const index = offset + 1;
    try {
      if (step.action === 'create') {
        await port.insert(step.doctype, step.body ?? {});
      } else if (step.action === 'update') {
        // Sets fixed values: repeating it after a lost answer does no harm.
        await port.update(step.doctype, step.name, step.body ?? {}, { idempotent: true });
      } else {
        try {
          await port.delete(step.doctype, step.name, { idempotent: true });
        } catch (error) {
          // Already gone (a retried delete, or someone was quicker): the goal is reached.
          if (!(error instanceof ErpNotFoundError)) throw error;
        }
      }
      completed += 1;
      onProgress({ index, total: steps.length, step, outcome: 'done' });
    } catch (error) {
      if (step.action === 'delete' && step.keepIfLinked === true && error instanceof ErpValidationError && error.kind === 'linkExists') {
        completed += 1;
        onProgress({ index, total: steps.length, step, outcome: 'kept', reason: error.messages[0]?.text ?? 'other documents use it' });
        continue;
      }
      if (step.action === 'create' && error instanceof ErpDuplicateError) {
        throw new StepFailedError(
          `${step.doctype} ${step.name} appeared in the ERP while the installer was running; run the installer again to compare it.`,
          step,
          completed,
          { cause: error },
        );
      }
      throw new StepFailedError(explainErpError(error, erpUrl, describe(step)), step, completed, { cause: error });
    }
  }
}
