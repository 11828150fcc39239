// The emulator as a process, for the demo and for clients running elsewhere:
//   tsx tests/emulator/src/cli.ts --port 8000 [--host 127.0.0.1] [--seed base|none] [--addon-dir <dir>]...
//     [--data-file <f>] [--latency erpnext-v15|none] [--random-seed <n>] [--webhook-delivery async|manual]
//     [--api-key k --api-secret s --password p] [--payment-gateway [--payment-gateway-name Stripe-Demo]]
import { parseArgs } from 'node:util';
import { z } from 'zod';
import { createLogger } from '../../../sidecar/src/log';
import { startEmulator } from './index';

const optionsSchema = z.object({
  port: z.coerce.number().int().min(0).max(65535).default(8000),
  host: z.string().min(1).default('127.0.0.1'),
  seed: z.enum(['base', 'none']).default('base'),
  'addon-dir': z.array(z.string().min(1)).default([]),
  'data-file': z.string().min(1).optional(),
  latency: z.enum(['erpnext-v15', 'none']).default('none'),
  'random-seed': z.coerce.number().int().optional(),
  'webhook-delivery': z.enum(['async', 'manual']).default('async'),
  'api-key': z.string().min(1).optional(),
  'api-secret': z.string().min(1).optional(),
  password: z.string().min(1).optional(),
  'payment-gateway': z.boolean().default(false),
  'payment-gateway-name': z.string().min(1).optional(),
});

async function main(): Promise<void> {
  const log = createLogger({ name: 'frappe-emulator' });
  const { values } = parseArgs({
    options: {
      port: { type: 'string' },
      host: { type: 'string' },
      seed: { type: 'string' },
      'addon-dir': { type: 'string', multiple: true },
      'data-file': { type: 'string' },
      latency: { type: 'string' },
      'random-seed': { type: 'string' },
      'webhook-delivery': { type: 'string' },
      'api-key': { type: 'string' },
      'api-secret': { type: 'string' },
      password: { type: 'string' },
      'payment-gateway': { type: 'boolean' },
      'payment-gateway-name': { type: 'string' },
    },
    strict: true,
  });
  const parsed = optionsSchema.safeParse(values);
  if (!parsed.success) {
    log.error({ problems: z.flattenError(parsed.error).fieldErrors }, 'Invalid emulator options');
    process.exitCode = 2;
    return;
  }
  const o = parsed.data;
  if ((o['api-key'] === undefined) !== (o['api-secret'] === undefined)) {
    log.error('--api-key and --api-secret go together: give both or neither');
    process.exitCode = 2;
    return;
  }
  if (o['payment-gateway-name'] !== undefined && !o['payment-gateway']) {
    log.error('--payment-gateway-name names the gateway that --payment-gateway sets up: give --payment-gateway too');
    process.exitCode = 2;
    return;
  }
  const emulator = await startEmulator({
    port: o.port,
    host: o.host,
    seed: o.seed,
    addonDocTypeDirs: o['addon-dir'],
    dataFile: o['data-file'],
    latency: o.latency === 'none' ? null : o.latency,
    randomSeed: o['random-seed'],
    webhookDelivery: o['webhook-delivery'],
    admin: o['api-key'] && o['api-secret'] ? { apiKey: o['api-key'], apiSecret: o['api-secret'], password: o.password } : undefined,
    paymentGateway: o['payment-gateway'] ? { name: o['payment-gateway-name'] } : false,
  });
  // These are the throwaway credentials of a local test site, printed on purpose so that a
  // person running the demo can log in; no real secret ever goes through here.
  log.info(
    {
      url: emulator.url,
      adminUser: emulator.admin.user,
      adminApiKey: emulator.admin.apiKey,
      adminApiSecret: emulator.admin.apiSecret,
      adminPassword: emulator.admin.password,
      dataFile: o['data-file'] ?? null,
      paymentGateway: emulator.store.list('Payment Gateway').map((g) => String(g.name)),
    },
    'Frappe emulator listening',
  );
  let stopping = false;
  const stop = (signal: string): void => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'Frappe emulator stopping');
    emulator
      .close()
      .then(() => log.info('Frappe emulator stopped'))
      .catch((err: unknown) => {
        log.error({ err }, 'Frappe emulator did not stop cleanly');
        process.exitCode = 1;
      });
  };
  process.once('SIGINT', () => stop('SIGINT'));
  process.once('SIGTERM', () => stop('SIGTERM'));
}

main().catch((err: unknown) => {
  createLogger({ name: 'frappe-emulator' }).error({ err }, 'Frappe emulator failed to start');
  process.exitCode = 1;
});
