import type { Redis } from 'ioredis';
import { connectRedis } from '../../sidecar/src/redis/connection';
import { placeKeyspace } from '../../sidecar/src/redis/keys';

/** The shared Redis the tests use; each test keeps to a place id of its own under it. */
export const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

/** Deletes every key under `prefix` (a test place's `creneau:<place>:`), in batches, without blocking Redis as KEYS would. */
export async function deleteKeys(redis: Redis, prefix: string): Promise<void> {
  let cursor = '0';
  do {
    const [next, found] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
    cursor = next;
    if (found.length > 0) await redis.unlink(...found);
  } while (cursor !== '0');
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
