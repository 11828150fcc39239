import { Redis, type RedisOptions } from 'ioredis';

export class RedisUnavailableError extends Error {
  override readonly name = 'RedisUnavailableError';
}

/** The URL without its password, for log lines and error messages. */
export function redactRedisUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return 'an invalid Redis URL';
  }
}

export interface ConnectOptions {
  connectTimeoutMs?: number;
  name?: string;
}

/**
 * Connects and waits for a PING, so that a missing Redis is reported once, clearly, at start instead of as a stream
 * of reconnection errors later. Once connected, ioredis reconnects by itself.
 */
export async function connectRedis(url: string, options: ConnectOptions = {}): Promise<Redis> {
  const redisOptions: RedisOptions = {
    lazyConnect: true,
    connectTimeout: options.connectTimeoutMs ?? 3_000,
    // A command fails after a few reconnection attempts instead of waiting for ever (BullMQ makes its own connections).
    maxRetriesPerRequest: 3,
    enableOfflineQueue: true,
    ...(options.name ? { connectionName: options.name } : {}),
  };
  const redis = new Redis(url, redisOptions);
  // Without a listener ioredis prints unhandled 'error' events; failures are surfaced by connect() and by commands.
  // The socket's own error (ECONNREFUSED...) says more than the "Connection is closed" connect() rejects with.
  let socketError: Error | undefined;
  redis.on('error', (error: Error) => {
    socketError = error;
  });
  try {
    await redis.connect();
    await redis.ping();
    return redis;
  } catch (error) {
    redis.disconnect();
    const reason = socketError?.message ?? (error instanceof Error ? error.message : String(error));
    throw new RedisUnavailableError(`No Redis answers at ${redactRedisUrl(url)} (${reason})`);
  }
}
