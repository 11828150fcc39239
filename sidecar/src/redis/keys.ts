import type { Redis } from 'ioredis';

/**
 * Every Redis key and queue of a place lives under `creneau:<place>:`, so that several places share one Redis
 * without ever seeing each other's data, and a place's keys can be listed or dropped with one pattern.
 */
export interface PlaceKeyspace {
  readonly placeId: string;
  readonly prefix: string;
  key(...parts: (string | number)[]): string;
  /** BullMQ's `prefix` option for this place's queues. */
  readonly queuePrefix: string;
}

export function placeKeyspace(placeId: string, root = 'creneau'): PlaceKeyspace {
  const prefix = `${root}:${placeId}:`;
  return {
    placeId,
    prefix,
    key: (...parts) => prefix + parts.join(':'),
    queuePrefix: `${root}:${placeId}:q`,
  };
}

/** Deletes every key matching `pattern`: SCAN in pages, then UNLINK, which frees them off Redis's main thread. */
export async function unlinkMatching(redis: Redis, pattern: string): Promise<void> {
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', pattern, 'COUNT', 1000);
    cursor = next;
    if (keys.length > 0) await redis.unlink(...keys);
  } while (cursor !== '0');
}
