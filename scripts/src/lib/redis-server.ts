import { spawn, type ChildProcess } from 'node:child_process';
import { accessSync, constants, mkdirSync } from 'node:fs';
import { createServer } from 'node:net';
import { delimiter, join } from 'node:path';
import { connectRedis, redactRedisUrl } from '../../../sidecar/src/redis/connection';

export interface RedisForDemo {
  url: string;
  /** Set when this process started its own redis-server. */
  child: ChildProcess | undefined;
  stop(): Promise<void>;
}

export class NoRedisError extends Error {
  override readonly name = 'NoRedisError';
}

/**
 * Uses the Redis at `url` when one answers; otherwise starts a private redis-server child on a free loopback port,
 * keeping its data in `dataDir` (append-only file) so that queued ERP writes survive a restart of the demo.
 */
export async function ensureRedis(url: string, dataDir: string): Promise<RedisForDemo> {
  try {
    const probe = await connectRedis(url, { connectTimeoutMs: 1_000 });
    probe.disconnect();
    return { url, child: undefined, stop: () => Promise.resolve() };
  } catch {
    // fall through: start our own
  }
  const binary = findOnPath('redis-server');
  if (!binary) {
    throw new NoRedisError(
      `No Redis answers at ${redactRedisUrl(url)} and redis-server is not installed: install it (Debian/Ubuntu: apt-get install redis-server) or set REDIS_URL to a running Redis.`,
    );
  }
  return startRedisServer({ binary, dataDir });
}

/**
 * A redis-server child on a free loopback port, answering PING before this resolves. With a `dataDir` it keeps an
 * append-only file there (queued work survives a restart); without, it keeps nothing (tests that empty it at will).
 */
export async function startRedisServer(options: { binary?: string; dataDir?: string } = {}): Promise<RedisForDemo> {
  const binary = options.binary ?? findOnPath('redis-server');
  if (!binary) throw new NoRedisError('redis-server is not installed (Debian/Ubuntu: apt-get install redis-server)');
  const persistence = options.dataDir === undefined ? ['--appendonly', 'no'] : ['--appendonly', 'yes', '--dir', options.dataDir];
  if (options.dataDir !== undefined) mkdirSync(options.dataDir, { recursive: true });
  const port = await freePort();
  const child = spawn(binary, ['--port', String(port), '--bind', '127.0.0.1', '--save', '', ...persistence, '--daemonize', 'no', '--loglevel', 'warning'], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  const privateUrl = `redis://127.0.0.1:${String(port)}`;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const deadline = Date.now() + 10_000;
  for (;;) {
    if (child.exitCode !== null) throw new NoRedisError(`redis-server exited at start (code ${String(child.exitCode)}); run it by hand to see why, or set REDIS_URL`);
    try {
      const probe = await connectRedis(privateUrl, { connectTimeoutMs: 500 });
      probe.disconnect();
      break;
    } catch {
      if (Date.now() > deadline) {
        child.kill('SIGKILL');
        throw new NoRedisError(`redis-server started on port ${String(port)} but does not answer after 10 s`);
      }
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  return {
    url: privateUrl,
    child,
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
}

export function findOnPath(command: string): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (!dir) continue;
    const candidate = join(dir, command);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not here
    }
  }
  return undefined;
}

/** `wanted` when nothing listens on it yet, else a free port (0, letting the caller's server pick, if even that fails). */
export function portOrFree(wanted: number): Promise<number> {
  return new Promise((resolvePort) => {
    const probe = createServer();
    probe.once('error', () => {
      freePort().then(resolvePort, () => resolvePort(0));
    });
    probe.listen(wanted, '127.0.0.1', () => probe.close(() => resolvePort(wanted)));
  });
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}
