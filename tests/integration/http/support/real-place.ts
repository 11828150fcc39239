import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import type { Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Redis } from 'ioredis';
import { freePort } from '../../../../scripts/src/lib/redis-server';
import { DEMO_MANAGER, DEMO_MEMBERS, DEMO_PASSWORD } from '../../../../scripts/src/seed/demo-data';
import { seedDemo } from '../../../../scripts/src/seed/demo';
import { runInstall } from '../../../../sidecar/src/addon/installer';
import { createBookingEngine, type BookingEngine, type BookingEngineOptions } from '../../../../sidecar/src/booking';
import { readSecrets } from '../../../../sidecar/src/config';
import { createFrappeAdapter, type ErpPort } from '../../../../sidecar/src/erp';
import { createBookingApi, type BookingApiOptions } from '../../../../sidecar/src/http/api';
import { createHttpApp } from '../../../../sidecar/src/http/app';
import { connectRedis } from '../../../../sidecar/src/redis/connection';
import { placeKeyspace } from '../../../../sidecar/src/redis/keys';
import { startEmulator, type EmulatorHandle } from '../../../emulator/src';
import { captureLogs } from '../../../support/logs';
import { deleteKeys, REDIS_URL } from '../../../support/redis';

export { eventually } from '../../../support/eventually';
export { parisTime, weekdayAhead } from '../../../support/time';

/**
 * The API on the real booking engine: the ERP emulator with the add-on installed by the real installer and the
 * demo tiers-lieu seeded through the ERP client (members are Customers with a portal User), real Redis, BullMQ
 * workers writing bookings to the ERP, and the ERP's Webhooks delivered to this server.
 */

export interface Account {
  user: string;
  password: string;
  customer: string | null;
}

export interface RealPlace {
  url: string;
  placeId: string;
  emulator: EmulatorHandle;
  erp: ErpPort;
  engine: BookingEngine;
  redis: Redis;
  members: { camille: Account; leo: Account; atelier: Account; manager: Account };
  logs: Record<string, unknown>[];
  close(): Promise<void>;
}

function member(index: number): Account {
  const m = DEMO_MEMBERS[index];
  if (!m) throw new Error(`no demo member ${String(index)}`);
  return { user: m.email, password: DEMO_PASSWORD, customer: m.customer_name };
}

export async function startRealPlace(
  options: { engine?: BookingEngineOptions; api?: Partial<Omit<BookingApiOptions, 'places' | 'redis' | 'logger'>> } = {},
): Promise<RealPlace> {
  const placeId = `t-api-${randomBytes(4).toString('hex')}`;
  const emulator = await startEmulator({ randomSeed: 23 });
  const erp = createFrappeAdapter({ url: emulator.url, apiKey: emulator.admin.apiKey, apiSecret: emulator.admin.apiSecret });
  const port = await freePort();
  const url = `http://127.0.0.1:${String(port)}`;
  const stateDir = mkdtempSync(join(tmpdir(), 'creneau-api-'));
  const secretsFile = join(stateDir, 'secrets.json');
  await runInstall({ port: erp, erpUrl: emulator.url, place: placeId, sidecarUrl: url, secretsFile, dryRun: false, print: () => undefined });
  await seedDemo(erp, () => undefined);

  const { logger, lines: logs } = captureLogs('info');
  const redis = await connectRedis(REDIS_URL, { name: 'creneau-api-engine-tests' });
  const keys = placeKeyspace(placeId);
  const engine = createBookingEngine({
    place: { id: placeId, name: 'La Fabrique (test)', timeZone: 'Europe/Paris', erp, keys },
    redis,
    redisUrl: REDIS_URL,
    logger,
    options: { writeBackoffMs: 50, ...options.engine },
  });
  await engine.start();
  const api = createBookingApi({
    places: [
      {
        id: placeId,
        name: 'La Fabrique (test)',
        timeZone: 'Europe/Paris',
        currency: 'EUR',
        service: engine.service,
        directory: engine.directory,
        changes: engine.changes,
        erp,
        keys,
        webhookSecret: readSecrets(secretsFile)[placeId]?.webhookSecret,
      },
    ],
    redis,
    publicUrl: url,
    logger,
    version: 'test',
    ...options.api,
  });
  const server: Server = createHttpApp({ logger, routers: [api.router] }).listen(port, '127.0.0.1');
  await once(server, 'listening');

  return {
    url,
    placeId,
    emulator,
    erp,
    engine,
    redis,
    members: {
      camille: member(0),
      leo: member(1),
      atelier: member(2),
      manager: { user: DEMO_MANAGER.email, password: DEMO_PASSWORD, customer: null },
    },
    logs,
    async close() {
      await engine.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await emulator.close();
      await deleteKeys(redis, keys.prefix);
      await redis.quit();
      rmSync(stateDir, { recursive: true, force: true });
    },
  };
}
