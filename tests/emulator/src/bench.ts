// Figures for the emulator itself: start-up time, and the time per call of the requests every integration test
// makes, with no latency profile (the emulator's own cost) and with 'erpnext-v15' (what benchmarks see).
//   tsx tests/emulator/src/bench.ts [--calls 300] [--concurrency 16]
// It prints one JSON line per measure; nothing is asserted.
import { parseArgs } from 'node:util';
import { z } from 'zod';
import { startEmulator, type EmulatorHandle } from './index';

const optionsSchema = z.object({
  calls: z.coerce.number().int().min(10).max(100_000).default(300),
  concurrency: z.coerce.number().int().min(1).max(256).default(16),
});

interface Request {
  method: string;
  path: string;
  body?: unknown;
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return 0;
  const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[index] ?? 0;
}

function round(ms: number): number {
  return Math.round(ms * 100) / 100;
}

async function send(emu: EmulatorHandle, request: Request): Promise<void> {
  const response = await fetch(`${emu.url}${encodeURI(request.path)}`, {
    method: request.method,
    headers: {
      Authorization: `token ${emu.admin.apiKey}:${emu.admin.apiSecret}`,
      Accept: 'application/json',
      ...(request.body === undefined ? {} : { 'Content-Type': 'application/json' }),
    },
    body: request.body === undefined ? undefined : JSON.stringify(request.body),
  });
  const text = await response.text();
  if (response.status !== 200) throw new Error(`${request.method} ${request.path}: HTTP ${String(response.status)} ${text.slice(0, 300)}`);
}

/** `calls` requests, `concurrency` in flight; per-call durations and the overall rate. */
async function measure(emu: EmulatorHandle, label: string, calls: number, concurrency: number, make: (i: number) => Request): Promise<void> {
  const durations: number[] = [];
  let next = 0;
  const started = performance.now();
  const worker = async (): Promise<void> => {
    while (next < calls) {
      const i = next++;
      const t0 = performance.now();
      await send(emu, make(i));
      durations.push(performance.now() - t0);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, () => worker()));
  const elapsed = performance.now() - started;
  durations.sort((a, b) => a - b);
  process.stdout.write(
    `${JSON.stringify({
      measure: label,
      calls,
      concurrency,
      p50Ms: round(percentile(durations, 50)),
      p95Ms: round(percentile(durations, 95)),
      perSecond: Math.round((calls / elapsed) * 1000),
    })}\n`,
  );
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { calls: { type: 'string' }, concurrency: { type: 'string' } }, strict: true });
  const options = optionsSchema.parse(values);

  const starts: number[] = [];
  for (let i = 0; i < 5; i++) {
    const t0 = performance.now();
    const emu = await startEmulator({ randomSeed: i });
    starts.push(performance.now() - t0);
    await emu.close();
  }
  starts.sort((a, b) => a - b);
  process.stdout.write(`${JSON.stringify({ measure: "startEmulator({ seed: 'base' })", runs: starts.length, p50Ms: round(percentile(starts, 50)), maxMs: round(starts[starts.length - 1] ?? 0) })}\n`);

  const emu = await startEmulator({ randomSeed: 7 });
  try {
    emu.store.insert({ doctype: 'Customer', customer_name: 'Bench Customer', customer_type: 'Company' });
    emu.store.insert({ doctype: 'Item', item_code: 'BENCH-ROOM', item_group: 'Services', stock_uom: 'Hour', is_stock_item: 0, standard_rate: 12.5 });
    for (let i = 0; i < 200; i++) emu.store.insert({ doctype: 'Customer', customer_name: `Member ${String(i).padStart(3, '0')}`, customer_type: 'Individual' });
    const invoice = { customer: 'Bench Customer', items: [{ item_code: 'BENCH-ROOM', qty: 3 }], taxes_and_charges: 'France VAT 20% - RC' };
    const requests: [string, (i: number) => Request][] = [
      ['GET one document', () => ({ method: 'GET', path: '/api/resource/Customer/Bench Customer' })],
      ['GET a list of 100', () => ({ method: 'GET', path: '/api/resource/Customer?fields=["name","customer_group"]&limit_page_length=100' })],
      ['POST a draft Sales Invoice', () => ({ method: 'POST', path: '/api/resource/Sales Invoice', body: invoice })],
    ];
    for (const profile of [null, 'erpnext-v15'] as const) {
      emu.latency.set(profile);
      const calls = profile === null ? options.calls : Math.min(options.calls, 100);
      for (const [label, make] of requests) {
        await measure(emu, `${label}, latency ${profile ?? 'none'}`, calls, profile === null ? 1 : options.concurrency, make);
      }
      if (profile === null) {
        await measure(emu, `GET one document, latency none, ${String(options.concurrency)} in flight`, options.calls * 4, options.concurrency, requests[0]?.[1] ?? (() => ({ method: 'GET', path: '/' })));
      }
    }
  } finally {
    await emu.close();
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exitCode = 1;
});
