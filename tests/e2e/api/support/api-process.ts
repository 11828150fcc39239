import { z } from 'zod';
import { createLogger } from '../../../../sidecar/src/log';
import { startSidecar } from '../../../../sidecar/src/main';
import { e2eConfig } from '../../support/demo-sidecar';

/**
 * One sidecar process for the end-to-end tests, started by the same `startSidecar` as production, on the Redis and
 * the ERP named in CRENEAU_E2E (JSON). Prints "ready <url>" once listening; SIGTERM closes it.
 */

const settingsSchema = z.object({
  placeId: z.string(),
  port: z.number().int(),
  redisUrl: z.string().optional(),
  erp: z.object({ url: z.string(), apiKey: z.string(), apiSecret: z.string() }),
  webhookSecret: z.string().optional(),
  signInPerIp: z.number().int().default(50),
  /** BullMQ's lock and stalled-job check: short, so that a killed process's jobs are taken over quickly. */
  lockDurationMs: z.number().int().optional(),
});

async function main(): Promise<void> {
  const settings = settingsSchema.parse(JSON.parse(process.env.CRENEAU_E2E ?? '{}'));
  const sidecar = await startSidecar(
    e2eConfig({
      placeId: settings.placeId,
      port: settings.port,
      erp: settings.erp,
      erpTimeoutMs: 20_000,
      webhookSecret: settings.webhookSecret,
      ...(settings.redisUrl ? { redisUrl: settings.redisUrl } : {}),
    }),
    {
      logger: createLogger({ level: 'warn', name: `api-${String(process.pid)}` }),
      ...(settings.lockDurationMs ? { engine: { lockDurationMs: settings.lockDurationMs, stalledIntervalMs: settings.lockDurationMs } } : {}),
      api: { limits: { signInPerIp: { limit: settings.signInPerIp, windowSeconds: 900 } } },
    },
  );
  process.stdout.write(`ready ${sidecar.url}\n`);
  process.once('SIGTERM', () => {
    void sidecar.close().finally(() => process.exit(0));
  });
}

main().catch((error: unknown) => {
  process.stderr.write(`api process failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
