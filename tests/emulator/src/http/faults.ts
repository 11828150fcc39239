import { z } from 'zod';
import type { Rng } from '../util/random';

export const faultRuleSchema = z
  .object({
    match: z
      .object({
        method: z.string().min(1).optional(),
        path: z.string().min(1).optional(),
      })
      .strict()
      .optional(),
    action: z.discriminatedUnion('kind', [
      z.object({ kind: z.literal('status'), status: z.union([z.literal(500), z.literal(502), z.literal(503), z.literal(504)]) }).strict(),
      z.object({ kind: z.literal('rateLimit'), retryAfterSeconds: z.number().int().nonnegative() }).strict(),
      z.object({ kind: z.literal('timeout') }).strict(),
      z.object({ kind: z.literal('reset') }).strict(),
      z
        .object({
          kind: z.literal('delay'),
          ms: z.union([
            z.number().nonnegative(),
            z
              .object({ min: z.number().nonnegative(), max: z.number().nonnegative() })
              .strict()
              .refine((r) => r.max >= r.min, { error: 'delay.ms.max must be >= delay.ms.min' }),
          ]),
        })
        .strict(),
    ]),
    when: z.enum(['before', 'after']).optional(),
    probability: z.number().min(0).max(1).optional(),
    times: z.number().int().positive().optional(),
  })
  .strict();

export type FaultRule = z.infer<typeof faultRuleSchema>;
export type FaultAction = FaultRule['action'];

export interface FaultController {
  add(rule: FaultRule): string;
  remove(id: string): void;
  clear(): void;
}

interface ActiveRule {
  id: string;
  rule: FaultRule;
  remaining: number | undefined;
  pathMatcher: ((path: string) => boolean) | undefined;
}

function globToRegExp(glob: string): RegExp {
  const escaped = glob.split('*').map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&'));
  return new RegExp(`^${escaped.join('[\\s\\S]*')}$`);
}

/** Matches a path either as a prefix or, when it contains '*', as a whole-path glob. */
export function pathMatcher(pattern: string): (path: string) => boolean {
  if (pattern.includes('*')) {
    const re = globToRegExp(pattern);
    return (path) => re.test(path);
  }
  return (path) => path.startsWith(pattern);
}

/** Injected failures; the first matching rule whose probability draw succeeds applies. */
export class Faults implements FaultController {
  private readonly rules: ActiveRule[] = [];
  private nextId = 1;

  constructor(private readonly rng: Rng) {}

  add(rule: FaultRule): string {
    const parsed = faultRuleSchema.parse(rule);
    const id = `fault-${this.nextId++}`;
    this.rules.push({
      id,
      rule: parsed,
      remaining: parsed.times,
      pathMatcher: parsed.match?.path ? pathMatcher(parsed.match.path) : undefined,
    });
    return id;
  }

  remove(id: string): void {
    const index = this.rules.findIndex((r) => r.id === id);
    if (index >= 0) this.rules.splice(index, 1);
  }

  clear(): void {
    this.rules.length = 0;
  }

  list(): { id: string; rule: FaultRule; remaining: number | undefined }[] {
    return this.rules.map(({ id, rule, remaining }) => ({ id, rule, remaining }));
  }

  /** The fault for this call, if any; consumes one of its `times`. */
  pick(method: string, path: string): FaultRule | undefined {
    for (const active of this.rules) {
      const { rule } = active;
      if (rule.match?.method && rule.match.method.toUpperCase() !== method.toUpperCase()) continue;
      if (active.pathMatcher && !active.pathMatcher(path)) continue;
      if (active.remaining !== undefined && active.remaining <= 0) continue;
      const probability = rule.probability ?? 1;
      if (probability < 1 && this.rng.next() >= probability) continue;
      if (active.remaining !== undefined) {
        active.remaining -= 1;
        if (active.remaining <= 0) this.remove(active.id);
      }
      return rule;
    }
    return undefined;
  }

  delayMs(action: Extract<FaultAction, { kind: 'delay' }>): number {
    const ms = action.ms;
    if (typeof ms === 'number') return ms;
    return ms.min + this.rng.next() * (ms.max - ms.min);
  }
}

const NGINX_PAGES: Record<number, string> = {
  502: '502 Bad Gateway',
  503: '503 Service Temporarily Unavailable',
  504: '504 Gateway Time-out',
};

/** The page an nginx front shows when gunicorn is down, overloaded or too slow. */
export function nginxErrorPage(status: number): string {
  const title = NGINX_PAGES[status] ?? `${status} Error`;
  return `<html>\r\n<head><title>${title}</title></head>\r\n<body>\r\n<center><h1>${title}</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n`;
}
