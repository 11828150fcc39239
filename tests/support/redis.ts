import type { Redis } from 'ioredis';
import { DEFAULT_REDIS_URL } from '../../sidecar/src/config';
import { connectRedis } from '../../sidecar/src/redis/connection';
import { placeKeyspace, unlinkMatching } from '../../sidecar/src/redis/keys';

/** The shared Redis the tests use; each test keeps to a place id of its own under it. */
export const REDIS_URL = process.env.REDIS_URL ?? DEFAULT_REDIS_URL;

/** Deletes every key under `prefix` (a test place's `creneau:<place>:`), in batches, without blocking Redis as KEYS would. */
export async function deleteKeys(redis: Redis, prefix: string): Promise<void> {
  await unlinkMatching(redis, `${prefix}*`);
}

/** Deletes a place's keys (`creneau:<place>:`) on a connection of its own, for a test whose sidecar has closed its connections. */
export async function dropPlaceKeys(placeId: string, url = REDIS_URL): Promise<void> {
  const redis = await connectRedis(url, { name: `creneau-cleanup-${placeId}` });
  try {
    await deleteKeys(redis, placeKeyspace(placeId).prefix);
  } finally {
    await redis.quit();
  }
}
