import { once } from 'node:events';
import { randomBytes } from 'node:crypto';
import type { Server } from 'node:http';
import type { Redis } from 'ioredis';
import { freePort } from '../../../../scripts/src/lib/redis-server';
import { createBookingEngine, type BookingEngine, type BookingEngineOptions } from '../../../../sidecar/src/booking';
import type { ErpPort } from '../../../../sidecar/src/erp';
import { createBookingApi, type BookingApiOptions } from '../../../../sidecar/src/http/api';
import { createHttpApp } from '../../../../sidecar/src/http/app';
import { connectRedis } from '../../../../sidecar/src/redis/connection';
import { placeKeyspace } from '../../../../sidecar/src/redis/keys';
import type { EmulatorHandle } from '../../../emulator/src';
import { demoManager, demoMember, startDemoErp, type Account } from '../../../support/erp';
import { captureLogs } from '../../../support/logs';
import { deleteKeys, REDIS_URL } from '../../../support/redis';

export { eventually } from '../../../support/eventually';
export { parisTime, weekdayAhead } from '../../../support/time';

/**
 * The API on the real booking engine: the ERP emulator with the add-on installed by the real installer and the
 * demo tiers-lieu seeded through the ERP client (members are Customers with a portal User), real Redis, BullMQ
 * workers writing bookings to the ERP, and the ERP's Webhooks delivered to this server.
 */

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

export async function startRealPlace(
  options: { engine?: BookingEngineOptions; api?: Partial<Omit<BookingApiOptions, 'places' | 'redis' | 'logger'>> } = {},
): Promise<RealPlace> {
  const placeId = `t-api-${randomBytes(4).toString('hex')}`;
  const port = await freePort();
  const url = `http://127.0.0.1:${String(port)}`;
  const demo = await startDemoErp(placeId, url, { randomSeed: 23 });
  const { emulator, erp } = demo;

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
        webhookSecret: demo.addon.webhookSecret,
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
      camille: demoMember(0),
      leo: demoMember(1),
      atelier: demoMember(2),
      manager: demoManager,
    },
    logs,
    async close() {
      await engine.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await demo.close();
      await deleteKeys(redis, keys.prefix);
      await redis.quit();
    },
  };
}
