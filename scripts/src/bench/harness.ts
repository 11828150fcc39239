import { performance } from 'node:perf_hooks';

/**
 * The benchmark harness: a benchmark prepares its data once (not timed), then one run is timed
 * many times after a warm-up. Benchmarks print figures; they never assert a duration.
 */

/** Extra figures a benchmark reports next to its timings (sizes, counts, ratios). */
export type Figures = Record<string, string | number>;

export interface BenchmarkDefinition<Context> {
  /** Unique and greppable: "availability: month × 50 resources × 10,000 bookings". */
  readonly name: string;
  /** Builds the data; not timed. */
  readonly setup: () => Context | Promise<Context>;
  /** One timed run; what it returns is handed to `figures`. */
  readonly run: (context: Context) => unknown;
  readonly figures?: (context: Context, lastResult: unknown) => Figures;
  readonly teardown?: (context: Context) => void | Promise<void>;
  /** Timed runs (default 100). */
  readonly iterations?: number;
  /** Untimed runs first, so the JIT has compiled the hot paths (default 10). */
  readonly warmup?: number;
}

/** A benchmark with its context type hidden, so modules can export lists of them. */
export interface Benchmark {
  readonly name: string;
  readonly iterations: number;
  readonly warmup: number;
  prepare(): Promise<PreparedBenchmark>;
}

export interface PreparedBenchmark {
  run(): Promise<unknown>;
  figures(lastResult: unknown): Figures;
  teardown(): Promise<void>;
}

export function defineBenchmark<Context>(definition: BenchmarkDefinition<Context>): Benchmark {
  return {
    name: definition.name,
    iterations: definition.iterations ?? 100,
    warmup: definition.warmup ?? 10,
    async prepare() {
      const context = await definition.setup();
      return {
        run: () => Promise.resolve(definition.run(context)),
        figures: (lastResult) => definition.figures?.(context, lastResult) ?? {},
        teardown: async () => {
          await definition.teardown?.(context);
        },
      };
    },
  };
}

export interface Measurement {
  readonly name: string;
  readonly n: number;
  /** Milliseconds. */
  readonly p50: number;
  readonly p99: number;
  readonly mean: number;
  readonly min: number;
  readonly max: number;
  readonly figures: Figures;
}

/** Nearest-rank percentile of sorted values. */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return NaN;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))] ?? NaN;
}

export async function measure(benchmark: Benchmark, iterationsOverride?: number): Promise<Measurement> {
  const prepared = await prepareOrExplain(benchmark);
  try {
    for (let i = 0; i < benchmark.warmup; i++) await prepared.run();
    const n = iterationsOverride ?? benchmark.iterations;
    const durations: number[] = [];
    let last: unknown;
    for (let i = 0; i < n; i++) {
      const started = performance.now();
      last = await prepared.run();
      durations.push(performance.now() - started);
    }
    durations.sort((a, b) => a - b);
    return {
      name: benchmark.name,
      n,
      p50: percentile(durations, 50),
      p99: percentile(durations, 99),
      mean: durations.reduce((sum, d) => sum + d, 0) / Math.max(1, n),
      min: durations[0] ?? NaN,
      max: durations[durations.length - 1] ?? NaN,
      figures: prepared.figures(last),
    };
  } finally {
    await prepared.teardown();
  }
}

async function prepareOrExplain(benchmark: Benchmark): Promise<PreparedBenchmark> {
  try {
    return await benchmark.prepare();
  } catch (error) {
    throw new Error(`benchmark "${benchmark.name}" could not set up: ${(error as Error).message}`, { cause: error });
  }
}

const ms = (value: number) => (value >= 100 ? value.toFixed(0) : value >= 10 ? value.toFixed(1) : value.toFixed(3));

/** A plain-text table: name, n, p50, p99, mean, min, max (milliseconds), then the figures. */
export function formatTable(measurements: readonly Measurement[]): string {
  const header = ['benchmark', 'n', 'p50 ms', 'p99 ms', 'mean ms', 'min ms', 'max ms', 'figures'];
  const rows = measurements.map((m) => [
    m.name,
    String(m.n),
    ms(m.p50),
    ms(m.p99),
    ms(m.mean),
    ms(m.min),
    ms(m.max),
    Object.entries(m.figures)
      .map(([k, v]) => `${k}=${typeof v === 'number' ? v.toLocaleString('en-US') : v}`)
      .join('  '),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]) =>
    cells.map((c, i) => (i === 0 || i === cells.length - 1 ? c.padEnd(widths[i] ?? 0) : c.padStart(widths[i] ?? 0))).join('  ').trimEnd();
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}
