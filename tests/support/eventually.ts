/**
 * Waits for what background work brings about (queued ERP writes, webhooks, expiring holds, another process's
 * output) by asking `probe` again until it gives a value; fails naming `what` if it never comes.
 *
 * A probe that throws is asked again: what it reads may not exist yet (a booking not in the index, an answer that is
 * still a 503). The last error is kept for the failure message, so a probe that can never succeed still says why.
 * `limitMs` is a safety net for a test that would otherwise hang, not a measure of speed.
 */
export async function eventually<T>(probe: () => Promise<T | undefined> | T | undefined, what: string, limitMs = 30_000, everyMs = 50): Promise<T> {
  const until = Date.now() + limitMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch (error) {
      last = error;
    }
    if (Date.now() > until) throw new Error(`gave up waiting for ${what}${last instanceof Error ? ` (last error: ${last.message})` : ''}`);
    await new Promise((resolve) => setTimeout(resolve, everyMs));
  }
}
