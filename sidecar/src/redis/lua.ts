import { createHash } from 'node:crypto';
import type { Redis } from 'ioredis';

/**
 * A Lua script run by its SHA. Scripts are what make a check and a write one step across every
 * sidecar process: Redis runs a script whole, between any two commands of any other client.
 */
export class LuaScript {
  readonly sha: string;

  constructor(
    readonly name: string,
    readonly source: string,
  ) {
    this.sha = createHash('sha1').update(source).digest('hex');
  }

  /** EVALSHA, falling back to EVAL when Redis does not know the script yet (first use, SCRIPT FLUSH). */
  async run(redis: Redis, args: readonly (string | number)[]): Promise<unknown> {
    try {
      return await redis.evalsha(this.sha, 0, ...args);
    } catch (error) {
      if (error instanceof Error && error.message.startsWith('NOSCRIPT')) return redis.eval(this.source, 0, ...args);
      throw error;
    }
  }

  /** Runs a script that answers a list (a status word, then its figures), each item as a string. */
  async runForList(redis: Redis, args: readonly (string | number)[]): Promise<string[]> {
    const reply = await this.run(redis, args);
    if (!Array.isArray(reply)) throw new Error(`unexpected answer from the Lua script "${this.name}": ${JSON.stringify(reply)}`);
    return reply.map((item) => (typeof item === 'string' ? item : String(item)));
  }
}
