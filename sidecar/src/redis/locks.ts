import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Redis } from 'ioredis';
import { LuaScript } from './lua';

/** Deletes the lock ARGV[1] only if it still holds the caller's token ARGV[2]. */
const RELEASE = new LuaScript(
  'release',
  `
if redis.call('GET', ARGV[1]) == ARGV[2] then return redis.call('DEL', ARGV[1]) end
return 0
`,
);

/** Extends a lock ARGV[1] held with token ARGV[2] to ARGV[3] ms. */
const EXTEND = new LuaScript(
  'extend',
  `
if redis.call('GET', ARGV[1]) == ARGV[2] then return redis.call('PEXPIRE', ARGV[1], ARGV[3]) end
return 0
`,
);

/**
 * A short Redis lock (SET NX PX with a random token; released only by its holder). Used where a
 * check and a write must not interleave across processes but one Lua script cannot hold both:
 * a member's quota (read their bookings, then reserve), one booking's ERP write, one rebuild.
 * The TTL frees the lock of a process that died holding it.
 */
export class RedisLock {
  private constructor(
    private readonly redis: Redis,
    readonly key: string,
    private readonly token: string,
    private readonly ttlMs: number,
  ) {}

  /** Takes the lock, waiting up to `waitMs` for it; undefined if someone else kept it that long. */
  static async acquire(redis: Redis, key: string, ttlMs: number, waitMs = 0, retryMs = 25): Promise<RedisLock | undefined> {
    const token = randomBytes(12).toString('hex');
    const deadline = Date.now() + waitMs;
    for (;;) {
      const taken = await redis.set(key, token, 'PX', ttlMs, 'NX');
      if (taken === 'OK') return new RedisLock(redis, key, token, ttlMs);
      if (Date.now() >= deadline) return undefined;
      // A little jitter so that waiters do not knock all at once.
      await sleep(retryMs + Math.floor(Math.random() * retryMs));
    }
  }

  /**
   * Sets `key` to `token` whoever holds it: a flag that the index's and the ledger's scripts read
   * ("a rebuild of this generation is running") rather than a lock to wait for. Kept alive and
   * released like a lock, by its token only, so a flag taken over by a newer build is left alone.
   */
  static async claim(redis: Redis, key: string, token: string, ttlMs: number): Promise<RedisLock> {
    await redis.set(key, token, 'PX', ttlMs);
    return new RedisLock(redis, key, token, ttlMs);
  }

  async release(): Promise<void> {
    await RELEASE.run(this.redis, [this.key, this.token]);
  }

  /** Keeps the lock for another TTL; false if it was lost (expired, or Redis was emptied). */
  async extend(): Promise<boolean> {
    return (await EXTEND.run(this.redis, [this.key, this.token, this.ttlMs])) === 1;
  }

  /**
   * Extends the lock every third of its TTL until stopped, so that the TTL can stay short (a
   * process killed while holding it blocks the others only that long) while the work takes longer.
   */
  keepAlive(): () => void {
    const timer = setInterval(() => void this.extend().catch(() => undefined), Math.max(100, Math.floor(this.ttlMs / 3)));
    timer.unref();
    return () => clearInterval(timer);
  }
}

/**
 * Runs `fn` under the lock, kept alive while it runs; `onBusy` decides what happens when the lock
 * cannot be had within `waitMs`. A release that fails (Redis gone) is left to the TTL: the work is done.
 */
export async function withLock<T>(redis: Redis, key: string, ttlMs: number, waitMs: number, fn: () => Promise<T>, onBusy: () => T | Promise<T>): Promise<T> {
  const lock = await RedisLock.acquire(redis, key, ttlMs, waitMs);
  if (!lock) return onBusy();
  const stop = lock.keepAlive();
  try {
    return await fn();
  } finally {
    stop();
    await lock.release().catch(() => undefined);
  }
}

/** Waits until nobody holds `key` (another process's long work, such as a rebuild); false if it is still held after `timeoutMs`. */
export async function waitForRelease(redis: Redis, key: string, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if ((await redis.exists(key)) === 0) return true;
    await sleep(100);
  }
  return false;
}
