import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { formatTable, measure, type Benchmark, type Measurement } from './harness';

/**
 * `npm run bench [-- <filter>...] [--iterations=N]`
 *
 * Runs every benchmark exported (as `benchmarks: Benchmark[]`) by the modules of this folder; a
 * filter keeps those whose name contains it (case-insensitive). Adding a benchmark is adding a
 * module here: nothing to register.
 */

const HARNESS_FILES = new Set(['index.ts', 'harness.ts']);

function isBenchmark(value: unknown): value is Benchmark {
  return typeof value === 'object' && value !== null && 'name' in value && 'prepare' in value && typeof value.prepare === 'function';
}

async function discover(): Promise<Benchmark[]> {
  const files = readdirSync(__dirname)
    .filter((file) => file.endsWith('.ts') && !file.endsWith('.d.ts') && !HARNESS_FILES.has(file))
    .sort();
  const found: Benchmark[] = [];
  for (const file of files) {
    const loaded: unknown = await import(pathToFileURL(join(__dirname, file)).href);
    const exported = typeof loaded === 'object' && loaded !== null && 'benchmarks' in loaded ? loaded.benchmarks : undefined;
    if (!Array.isArray(exported) || !exported.every(isBenchmark)) {
      throw new Error(`${file} must export "benchmarks", an array made with defineBenchmark()`);
    }
    found.push(...exported);
  }
  return found;
}

function parseArgs(argv: readonly string[]): { filters: string[]; iterations: number | undefined } {
  const filters: string[] = [];
  let iterations: number | undefined;
  for (const arg of argv) {
    const match = /^--iterations=(\d+)$/.exec(arg);
    if (match) iterations = Number(match[1]);
    else if (arg.startsWith('--')) throw new Error(`unknown option ${arg} (known: --iterations=N)`);
    else filters.push(arg.toLowerCase());
  }
  return { filters, iterations };
}

async function main(): Promise<void> {
  const { filters, iterations } = parseArgs(process.argv.slice(2));
  const all = await discover();
  const selected = filters.length === 0 ? all : all.filter((b) => filters.some((f) => b.name.toLowerCase().includes(f)));
  if (selected.length === 0) {
    throw new Error(`no benchmark matches ${filters.join(', ')}; there are: ${all.map((b) => b.name).join(' | ')}`);
  }
  console.log(`Node ${process.version}, ${selected.length} benchmark(s)\n`);
  const results: Measurement[] = [];
  for (const benchmark of selected) {
    process.stdout.write(`running ${benchmark.name} …\n`);
    results.push(await measure(benchmark, iterations));
  }
  console.log(`\n${formatTable(results)}`);
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exitCode = 1;
});
