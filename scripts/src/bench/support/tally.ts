import { performance } from 'node:perf_hooks';
import { percentile, type Figures } from '../harness';

/**
 * What an engine benchmark counts across its runs: each operation's time, how many succeeded, and the wall time of
 * the bursts (for a rate that counts the operations' overlap, which summed latencies would not).
 */

/** Untimed harness runs of the burst benchmarks: enough for the JIT and for the catalog each engine loads lazily. */
export const WARMUP = 3;

export class Tally {
  /** Milliseconds per operation since the last reset. */
  readonly latencies: number[] = [];
  done = 0;
  succeeded = 0;
  private seconds = 0;
  private runs = 0;

  /** `erpCounters` restart with the tally, so the ERP calls reported are those of the counted runs. */
  constructor(private readonly erpCounters: { reset(): void }) {}

  /**
   * Call first in each harness run; returns the run's index from 0. Counting restarts at run `warmup` (the
   * benchmark's own warm-up count), so the figures leave out the runs that loaded caches and compiled the hot paths.
   */
  startRun(warmup: number): number {
    const run = this.runs++;
    if (run === warmup) this.reset();
    return run;
  }

  reset(): void {
    this.latencies.length = 0;
    this.done = 0;
    this.succeeded = 0;
    this.seconds = 0;
    this.erpCounters.reset();
  }

  /** Starts `count` operations at once and waits for them all. */
  async burst<T>(count: number, operation: (index: number) => Promise<T>, success: (result: T) => boolean): Promise<void> {
    const started = performance.now();
    const results = await Promise.all(
      Array.from({ length: count }, async (_, index) => {
        const t0 = performance.now();
        const result = await operation(index);
        this.latencies.push(performance.now() - t0);
        return result;
      }),
    );
    this.seconds += (performance.now() - started) / 1000;
    this.done += results.length;
    this.succeeded += results.filter(success).length;
  }

  /** "<noun>s/s", "<noun> p50 ms", "<noun> p99 ms", then the successes under `succeededAs` and the rest as "refused". */
  figures(noun: string, succeededAs: string): Figures {
    const sorted = [...this.latencies].sort((a, b) => a - b);
    return {
      [`${noun}s/s`]: Math.round(this.done / this.seconds),
      [`${noun} p50 ms`]: Number(percentile(sorted, 50).toFixed(1)),
      [`${noun} p99 ms`]: Number(percentile(sorted, 99).toFixed(1)),
      [succeededAs]: this.succeeded,
      refused: this.done - this.succeeded,
    };
  }
}
