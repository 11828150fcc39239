import type { Redis } from 'ioredis';

/** At most `limit` hits per `windowSeconds`, counted from the first hit of the window. */
export interface RateWindow {
  limit: number;
  windowSeconds: number;
}

export interface RateCheck {
  allowed: boolean;
  /** Hits in the current window, this one included. */
  count: number;
  /** Seconds until the window ends: the Retry-After of a refusal. */
  retryAfterSeconds: number;
}

// One round trip and atomic across sidecar processes: the counter and its expiry are set together, so a crash
// between the two can never leave a counter that blocks forever.
const HIT_SCRIPT = `
local n = redis.call('INCR', KEYS[1])
local ttl = redis.call('TTL', KEYS[1])
if ttl < 0 then
  redis.call('EXPIRE', KEYS[1], ARGV[1])
  ttl = tonumber(ARGV[1])
end
return {n, ttl}
`;

/** Counts a hit on `key` (a fixed window kept in Redis) and says whether it stays within the window's limit. */
export async function hit(redis: Redis, key: string, window: RateWindow): Promise<RateCheck> {
  const reply = await redis.eval(HIT_SCRIPT, 1, key, window.windowSeconds);
  if (!Array.isArray(reply) || typeof reply[0] !== 'number' || typeof reply[1] !== 'number') {
    throw new TypeError(`rate counter ${key}: unexpected reply from Redis`);
  }
  const [count, ttl] = reply as [number, number];
  return { allowed: count <= window.limit, count, retryAfterSeconds: Math.max(1, ttl) };
}
