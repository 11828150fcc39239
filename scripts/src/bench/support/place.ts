import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Redis } from 'ioredis';
import { addonDocTypeRoot, loadAddonDefinitions } from '../../../../sidecar/src/addon/definitions';
import type { BookingEngineDeps } from '../../../../sidecar/src/booking';
import { createFrappeAdapter, type ErpPort } from '../../../../sidecar/src/erp';
import { silentLogger } from '../../../../sidecar/src/log';
import { connectRedis } from '../../../../sidecar/src/redis/connection';
import { placeKeyspace, unlinkMatching, type PlaceKeyspace } from '../../../../sidecar/src/redis/keys';
import { startEmulator, type EmulatorHandle } from '../../../../tests/emulator/src';
import { adminAccess } from '../../../../tests/support/erp';
import { REDIS_URL } from '../../../../tests/support/redis';
import { PARIS } from '../../../../tests/support/time';
import { ensureRedis, type RedisForDemo } from '../../lib/redis-server';

/**
 * What the in-process benchmarks of an engine stand on: Redis (REDIS_URL, or a private redis-server), a place of
 * its own in it, and the ERP emulator with the add-on's DocTypes and Custom Fields, ready for the benchmark's data.
 */
export interface BenchGround {
  placeId: string;
  keys: PlaceKeyspace;
  redis: Redis;
  redisServer: RedisForDemo;
  dataDir: string;
  emulator: EmulatorHandle;
  erp: ErpPort;
  /** What the booking and ticket engines are made with on this ground. */
  engineDeps(): BenchEngineDeps;
}

/**
 * Workers off: the ERP calls counted are then those of the synchronous path (the ERP writes happen later, in the
 * queue), and the emulator's memory stays out of the figures.
 */
export type BenchEngineDeps = Pick<BookingEngineDeps, 'place' | 'redis' | 'redisUrl' | 'logger'> & { options: { workers: false } };

/** `name` tells the benchmark's temporary folder and Redis connection apart; `seed` fixes the emulator's ids. */
export async function openGround(options: { name: string; placePrefix: string; seed: number }): Promise<BenchGround> {
  const dataDir = mkdtempSync(join(tmpdir(), `creneau-${options.name}-`));
  const redisServer = await ensureRedis(REDIS_URL, dataDir);
  const redis = await connectRedis(redisServer.url, { name: `creneau-${options.name}` });
  const placeId = `${options.placePrefix}-${randomBytes(3).toString('hex')}`;
  const emulator = await startEmulator({ addonDocTypeDirs: [addonDocTypeRoot()], randomSeed: options.seed });
  for (const field of loadAddonDefinitions().customFields) emulator.store.insert({ ...field, doctype: 'Custom Field' });
  const erp = createFrappeAdapter(adminAccess(emulator));
  const keys = placeKeyspace(placeId);
  return {
    placeId,
    keys,
    redis,
    redisServer,
    dataDir,
    emulator,
    erp,
    engineDeps: () => ({
      place: { id: placeId, name: 'Bench', timeZone: PARIS, erp, keys },
      redis,
      redisUrl: redisServer.url,
      logger: silentLogger,
      options: { workers: false },
    }),
  };
}

/** Stops the emulator and leaves Redis and the disk as they were (call after the engine is closed). */
export async function closeGround(ground: BenchGround): Promise<void> {
  await ground.emulator.close();
  await unlinkMatching(ground.redis, `${ground.keys.prefix}*`);
  await ground.redis.quit();
  await ground.redisServer.stop();
  rmSync(ground.dataDir, { recursive: true, force: true });
}
