import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Redis } from 'ioredis';
import { z } from 'zod';
import type { Principal } from '../booking/contract';
import type { PlaceKeyspace } from '../redis/keys';

/**
 * Member sessions: a random token in an httpOnly cookie, and in Redis only its SHA-256, so that a copy of Redis
 * does not hand out usable cookies. The CSRF token lives in the session (not in a second cookie): a request must
 * show both the cookie and the token that only the page which signed in was told.
 */

export const SESSION_TTL_SECONDS = 7 * 24 * 60 * 60;

const TOKEN_BYTES = 32;
/** 32 bytes in base64url, no padding. */
const TOKEN_FORMAT = /^[A-Za-z0-9_-]{43}$/;

const storedSessionSchema = z.object({
  principal: z.object({
    user: z.string(),
    fullName: z.string(),
    customer: z.string().nullable(),
    roles: z.array(z.string()),
    isManager: z.boolean(),
  }),
  csrfToken: z.string().regex(TOKEN_FORMAT),
  createdAt: z.number(),
  checkedAt: z.number().optional(),
});

export interface Session {
  /** The cookie's value; never logged, never stored. */
  token: string;
  principal: Principal;
  csrfToken: string;
  createdAt: number;
  /** When the principal (customer, roles) was last read from the ERP. */
  checkedAt: number;
}

export function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

function newToken(): string {
  return randomBytes(TOKEN_BYTES).toString('base64url');
}

/** Compares secrets in a time that does not depend on where they differ. */
export function sameSecret(given: string, expected: string): boolean {
  const a = createHash('sha256').update(given).digest();
  const b = createHash('sha256').update(expected).digest();
  return timingSafeEqual(a, b);
}

export class SessionStore {
  constructor(
    private readonly redis: Redis,
    readonly ttlSeconds = SESSION_TTL_SECONDS,
  ) {}

  private key(keys: PlaceKeyspace, token: string): string {
    return keys.key('session', sha256(token));
  }

  async create(keys: PlaceKeyspace, principal: Principal, now: number): Promise<Session> {
    const session: Session = { token: newToken(), principal, csrfToken: newToken(), createdAt: now, checkedAt: now };
    await this.save(keys, session);
    return session;
  }

  /** Writes the session (a new one, or one whose principal was read again), its lifetime renewed. */
  async save(keys: PlaceKeyspace, session: Session): Promise<void> {
    const { principal } = session;
    const stored: z.input<typeof storedSessionSchema> = {
      principal: {
        user: principal.user,
        fullName: principal.fullName,
        customer: principal.customer,
        roles: [...principal.roles],
        isManager: principal.isManager,
      },
      csrfToken: session.csrfToken,
      createdAt: session.createdAt,
      checkedAt: session.checkedAt,
    };
    await this.redis.set(this.key(keys, session.token), JSON.stringify(stored), 'EX', this.ttlSeconds);
  }

  /** The session of a token, its lifetime renewed (sliding expiry); null when unknown or expired. */
  async read(keys: PlaceKeyspace, token: string): Promise<Session | null> {
    if (!TOKEN_FORMAT.test(token)) return null;
    const text = await this.redis.getex(this.key(keys, token), 'EX', this.ttlSeconds);
    if (text === null) return null;
    let parsed: z.infer<typeof storedSessionSchema>;
    try {
      parsed = storedSessionSchema.parse(JSON.parse(text));
    } catch {
      // Written by an older version or damaged: the member signs in again rather than acting on a guess.
      await this.redis.del(this.key(keys, token));
      return null;
    }
    return { token, principal: parsed.principal, csrfToken: parsed.csrfToken, createdAt: parsed.createdAt, checkedAt: parsed.checkedAt ?? parsed.createdAt };
  }

  async destroy(keys: PlaceKeyspace, token: string): Promise<void> {
    if (TOKEN_FORMAT.test(token)) await this.redis.del(this.key(keys, token));
  }
}

/**
 * One cookie per place, so that a sidecar serving several places keeps their sessions apart. Over https the name
 * takes the `__Host-` prefix, which browsers only accept with Secure, Path=/ and no Domain: no sibling sub-domain
 * can plant or overwrite it.
 */
export function sessionCookieName(placeId: string, secure: boolean): string {
  return `${secure ? '__Host-' : ''}creneau_${placeId}`;
}

/** The value of one cookie of a Cookie header, or undefined. */
export function readCookie(header: string | undefined, name: string): string | undefined {
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq < 0) continue;
    if (part.slice(0, eq).trim() !== name) continue;
    const value = part.slice(eq + 1).trim();
    return value.startsWith('"') && value.endsWith('"') ? value.slice(1, -1) : value;
  }
  return undefined;
}
