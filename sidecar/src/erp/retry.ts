import { z } from 'zod';
import type { ErpError } from './errors';

/**
 * When and how long to wait before repeating an ERP request. Pure functions: the random source and
 * the clock are arguments, so tests get exact delays.
 */

export const retryPolicySchema = z.object({
  /** First backoff ceiling; the n-th retry waits a random time in [0, min(cap, base * 2^(n-1))). */
  baseDelayMs: z.number().int().positive().default(250),
  /** Largest backoff ceiling. */
  maxDelayMs: z.number().int().positive().default(8_000),
  /** Total attempts including the first one; 1 disables retries. */
  maxAttempts: z.number().int().min(1).max(20).default(4),
  /**
   * Longest Retry-After the client sleeps through. A longer one ends the call with the error
   * (its `retryAfterMs` set) so that a queue can reschedule the job instead of holding a worker.
   */
  maxRetryAfterMs: z.number().int().nonnegative().default(30_000),
});

export type RetryPolicy = z.output<typeof retryPolicySchema>;
export type RetryPolicyInput = z.input<typeof retryPolicySchema>;

/** Exponential backoff with full jitter (AWS Architecture Blog, "Exponential Backoff And Jitter"). */
export function backoffDelayMs(retryNumber: number, policy: RetryPolicy, random: () => number): number {
  const exponent = Math.max(0, retryNumber - 1);
  const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** exponent);
  const r = random();
  const unit = r >= 0 && r < 1 ? r : 0;
  return Math.floor(unit * ceiling);
}

/**
 * Retry-After is either delta-seconds ("120") or an HTTP date ("Wed, 21 Oct 2026 07:28:00 GMT").
 * Returns milliseconds from `nowMs`, never negative; null when absent or unreadable.
 */
export function parseRetryAfterMs(value: string | undefined, nowMs: number): number | null {
  if (value === undefined) return null;
  const trimmed = value.trim();
  if (trimmed === '') return null;
  if (/^\d+$/.test(trimmed)) return Number.parseInt(trimmed, 10) * 1000;
  // Only IMF-fixdate and its legacy forms carry a weekday or month name; refuse bare numbers with
  // signs or decimals rather than letting Date.parse guess.
  if (!/[A-Za-z]/.test(trimmed)) return null;
  const at = Date.parse(trimmed);
  if (Number.isNaN(at)) return null;
  return Math.max(0, at - nowMs);
}

/** The statuses a server sends when it refused the request before doing anything. */
const REFUSED_BEFORE_PROCESSING = new Set([429, 503]);

/**
 * Idempotent calls (GET, and writes the caller marked idempotent) are repeated on whatever error
 * says "try again" (network, timeout, 429, 502, 503, 504, a 500 from a passing database failure). A non-idempotent write is repeated only
 * when the ERP certainly did nothing: 429 and 503. A timeout or a 502/504 on an insert may hide a
 * document that was created, and a second insert would create it twice.
 */
export function mayRetry(error: ErpError, idempotent: boolean): boolean {
  if (!error.isRetryable) return false;
  if (idempotent) return true;
  return error.status !== null && REFUSED_BEFORE_PROCESSING.has(error.status);
}

export type Sleep = (ms: number) => Promise<void>;
