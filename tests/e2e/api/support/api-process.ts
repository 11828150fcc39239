import type { Server } from 'node:http';
import { z } from 'zod';
import { createBookingEngine } from '../../../../sidecar/src/booking';
import { createFrappeAdapter } from '../../../../sidecar/src/erp';
import { createBookingApi } from '../../../../sidecar/src/http/api';
import { createHttpApp } from '../../../../sidecar/src/http/app';
import { createLogger } from '../../../../sidecar/src/log';
import { connectRedis } from '../../../../sidecar/src/redis/connection';
import { placeKeyspace } from '../../../../sidecar/src/redis/keys';

/**
 * One sidecar process for the end-to-end tests: a place's booking engine and the HTTP API, on the Redis and the
 * ERP named in CRENEAU_E2E (JSON). Prints "ready <url>" once listening; SIGTERM closes it.
 */

const settingsSchema = z.object({
  placeId: z.string(),
  port: z.number().int(),
  redisUrl: z.string(),
  erp: z.object({ url: z.string(), apiKey: z.string(), apiSecret: z.string() }),
  webhookSecret: z.string().optional(),
  signInPerIp: z.number().int().default(50),
  /** BullMQ's lock and stalled-job check: short, so that a killed process's jobs are taken over quickly. */
  lockDurationMs: z.number().int().optional(),
});

async function main(): Promise<void> {
  const settings = settingsSchema.parse(JSON.parse(process.env.CRENEAU_E2E ?? '{}'));
  const logger = createLogger({ level: 'warn', name: `api-${String(process.pid)}` });
  const redis = await connectRedis(settings.redisUrl, { name: 'creneau-e2e-api' });
  const erp = createFrappeAdapter({ ...settings.erp, timeoutMs: 20_000 });
  const keys = placeKeyspace(settings.placeId);
  const place = { id: settings.placeId, name: 'La Fabrique (e2e)', timeZone: 'Europe/Paris', erp, keys };
  const engine = createBookingEngine({
    place,
    redis,
    redisUrl: settings.redisUrl,
    logger,
    ...(settings.lockDurationMs ? { options: { lockDurationMs: settings.lockDurationMs, stalledIntervalMs: settings.lockDurationMs } } : {}),
  });
  await engine.start();
  const api = createBookingApi({
    places: [{ ...place, currency: 'EUR', service: engine.service, directory: engine.directory, changes: engine.changes, webhookSecret: settings.webhookSecret }],
    redis,
    publicUrl: `http://127.0.0.1:${String(settings.port)}`,
    logger,
    version: 'e2e',
    limits: { signInPerIp: { limit: settings.signInPerIp, windowSeconds: 900 } },
  });
  const server: Server = createHttpApp({ logger, routers: [api.router] }).listen(settings.port, '127.0.0.1', () => {
    process.stdout.write(`ready http://127.0.0.1:${String(settings.port)}\n`);
  });
  process.once('SIGTERM', () => {
    server.closeAllConnections();
    server.close();
    void engine.close().then(() => redis.quit()).finally(() => process.exit(0));
  });
}

main().catch((error: unknown) => {
  process.stderr.write(`api process failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
