import { createHash } from 'node:crypto';
import { ApiClient, errorOf, signedIn } from '../../support/api-client';
import { NOW, startHarness, type Harness } from './support/harness';

let h: Harness;

beforeAll(async () => {
  h = await startHarness({
    api: { limits: { signInPerUser: { limit: 3, windowSeconds: 600 }, signInPerIp: { limit: 1_000, windowSeconds: 600 } } },
  });
});

afterAll(async () => {
  await h.close();
});

const client = (): ApiClient => new ApiClient(h.url, h.placeId);

describe('sign-in with ERP portal credentials', () => {
  it('opens a session: an httpOnly, SameSite=Lax cookie on / and a CSRF token', async () => {
    const c = client();
    const response = await c.signIn(h.members.alice);
    expect(response.status).toBe(200);
    expect(response.body).toEqual({
      user: h.members.alice.user,
      fullName: 'Alice Test',
      customer: 'Alice SARL',
      isManager: false,
      roles: [],
      csrfToken: expect.stringMatching(/^[A-Za-z0-9_-]{43}$/) as unknown,
    });
    const cookie = response.setCookies.find((s) => s.startsWith(`creneau_${h.placeId}=`));
    expect(cookie).toBeDefined();
    expect(cookie).toMatch(/; HttpOnly/);
    expect(cookie).toMatch(/; SameSite=Lax/);
    expect(cookie).toMatch(/; Path=\//);
    expect(cookie).toMatch(/; Max-Age=604800/);
    // The public URL is http here: a Secure cookie would never come back.
    expect(cookie).not.toMatch(/Secure/);
  });

  it('recognises managers by their ERP role', async () => {
    const c = client();
    const response = await c.signIn(h.members.manager);
    expect(response.status).toBe(200);
    expect(response.body).toMatchObject({ isManager: true, customer: null, roles: ['Creneau Manager'] });
  });

  it('keeps only a hash of the token in Redis, never the token', async () => {
    const c = await signedIn(h.url, h.placeId, h.members.bob);
    const token = c.cookie?.split('=')[1] ?? '';
    const key = `creneau:${h.placeId}:session:${createHash('sha256').update(token).digest('hex')}`;
    const stored = await h.redis.get(key);
    expect(stored).not.toBeNull();
    expect(stored).not.toContain(token);
    expect(await h.redis.ttl(key)).toBeGreaterThan(6 * 24 * 3600);
  });

  it('refuses a wrong password with 401, in French by default and in English on request', async () => {
    const fr = await client().post('/session', { usr: h.members.bob.user, pwd: 'not-the-password' });
    expect(fr.status).toBe(401);
    expect(errorOf(fr)).toEqual({ code: 'INVALID_CREDENTIALS', message: 'Identifiant ou mot de passe incorrect' });
    expect(fr.setCookies).toEqual([]);
    const en = await client().post('/session', { usr: 'nobody@example.org', pwd: 'x' }, { headers: { 'accept-language': 'en-GB,en;q=0.9' } });
    expect(en.status).toBe(401);
    expect(errorOf(en).message).toBe('Wrong user id or password');
  });

  it('throttles attempts on one user id: 429 with Retry-After, even with the right password afterwards', async () => {
    const target = h.members.staff;
    const statuses: number[] = [];
    for (let i = 0; i < 3; i++) statuses.push((await client().post('/session', { usr: target.user, pwd: `guess-${i}` })).status);
    expect(statuses).toEqual([401, 401, 401]);
    const blocked = await client().signIn(target);
    expect(blocked.status).toBe(429);
    expect(errorOf(blocked).code).toBe('TOO_MANY_SIGN_IN_ATTEMPTS');
    expect(Number(blocked.headers.get('retry-after'))).toBeGreaterThan(0);
    // Another member is not affected.
    expect((await client().signIn(h.members.alice)).status).toBe(200);
  });

  it('answers who is signed in, and signs out (the cookie then no longer works)', async () => {
    const c = await signedIn(h.url, h.placeId, h.members.alice);
    const me = await c.get('/session');
    expect(me.status).toBe(200);
    expect(me.body).toMatchObject({ user: h.members.alice.user, csrfToken: c.csrf });
    const cookie = c.cookie;
    const out = await c.send('DELETE', '/session');
    expect(out.status).toBe(200);
    expect(out.body).toEqual({ signedOut: true });
    expect(out.setCookies.some((s) => /Expires=Thu, 01 Jan 1970/.test(s))).toBe(true);
    const again = await client().get('/session', { headers: { cookie: cookie ?? '' } });
    expect(again.status).toBe(401);
    expect(errorOf(again).code).toBe('SESSION_EXPIRED');
  });

  it('drops the previous session of the browser at a new sign-in (no session fixation)', async () => {
    const c = await signedIn(h.url, h.placeId, h.members.alice);
    const before = c.cookie ?? '';
    await c.signIn(h.members.alice);
    expect(c.cookie).not.toBe(before);
    expect((await client().get('/session', { headers: { cookie: before } })).status).toBe(401);
  });

  it('says "not signed in" without a cookie and "expired" for a session Redis no longer has', async () => {
    const anonymous = await client().get('/bookings');
    expect(anonymous.status).toBe(401);
    expect(errorOf(anonymous).code).toBe('NOT_SIGNED_IN');
    const c = await signedIn(h.url, h.placeId, h.members.bob);
    const token = c.cookie?.split('=')[1] ?? '';
    await h.redis.del(`creneau:${h.placeId}:session:${createHash('sha256').update(token).digest('hex')}`);
    const expired = await c.get('/bookings');
    expect(expired.status).toBe(401);
    expect(errorOf(expired)).toEqual({ code: 'SESSION_EXPIRED', message: 'Votre session a expiré : reconnectez-vous' });
  });

  it('renews the session with use (sliding expiry)', async () => {
    const c = await signedIn(h.url, h.placeId, h.members.bob);
    const token = c.cookie?.split('=')[1] ?? '';
    const key = `creneau:${h.placeId}:session:${createHash('sha256').update(token).digest('hex')}`;
    await h.redis.expire(key, 60);
    const response = await c.get('/session');
    expect(response.status).toBe(200);
    expect(await h.redis.ttl(key)).toBeGreaterThan(6 * 24 * 3600);
    expect(response.setCookies.some((s) => s.includes('Max-Age=604800'))).toBe(true);
  });
});

describe('CSRF and Origin on state-changing requests', () => {
  const booking = { resourceId: 'salle-a', start: '2026-12-01T10:00:00+01:00', end: '2026-12-01T11:00:00+01:00' };

  it('refuses a POST without X-CSRF-Token, and with another session’s token', async () => {
    const alice = await signedIn(h.url, h.placeId, h.members.alice);
    const bob = await signedIn(h.url, h.placeId, h.members.bob);
    const missing = await alice.post('/quotes', booking, { csrf: false });
    expect(missing.status).toBe(403);
    expect(errorOf(missing).code).toBe('CSRF_TOKEN_MISSING');
    const foreign = await alice.post('/quotes', booking, { headers: { 'x-csrf-token': bob.csrf ?? '' } });
    expect(foreign.status).toBe(403);
    expect(errorOf(foreign).code).toBe('CSRF_TOKEN_INVALID');
    const good = await alice.post('/quotes', booking);
    expect(good.status).toBe(200);
  });

  it('refuses a DELETE of the session without the token (a forged sign-out)', async () => {
    const c = await signedIn(h.url, h.placeId, h.members.alice);
    const forged = await c.send('DELETE', '/session', { csrf: false });
    expect(forged.status).toBe(403);
    expect((await c.get('/session')).status).toBe(200);
  });

  it('refuses a request from another site’s page, sign-in included, and accepts the portal’s own origin', async () => {
    const c = await signedIn(h.url, h.placeId, h.members.alice);
    const crossSite = await c.post('/quotes', booking, { headers: { origin: 'https://evil.example' } });
    expect(crossSite.status).toBe(403);
    expect(errorOf(crossSite).code).toBe('FOREIGN_ORIGIN');
    const signIn = await client().post('/session', { usr: h.members.bob.user, pwd: h.members.bob.password }, { headers: { origin: 'null' } });
    expect(signIn.status).toBe(403);
    const sameSite = await c.post('/quotes', booking, { headers: { origin: 'http://portal.test' } });
    expect(sameSite.status).toBe(200);
  });

  it('does not ask for a token on reads', async () => {
    const c = await signedIn(h.url, h.placeId, h.members.alice);
    expect((await c.get('/resources', { headers: { origin: 'https://evil.example' } })).status).toBe(200);
  });
});

describe('cookies over https', () => {
  it('are Secure and carry the __Host- prefix', async () => {
    const secure = await startHarness({ api: { publicUrl: 'https://booking.la-forge.example' } });
    try {
      const response = await new ApiClient(secure.url, secure.placeId).post(
        '/session',
        { usr: secure.members.alice.user, pwd: secure.members.alice.password },
        { headers: { origin: 'https://booking.la-forge.example' } },
      );
      expect(response.status).toBe(200);
      const cookie = response.setCookies.find((s) => s.startsWith(`__Host-creneau_${secure.placeId}=`));
      expect(cookie).toMatch(/; Secure/);
      expect(cookie).toMatch(/; HttpOnly/);
      expect(cookie).not.toMatch(/Domain=/i);
    } finally {
      await secure.close();
    }
  });
});

describe('a role taken away in the ERP', () => {
  it('is lost within minutes by a signed-in manager, without signing out', async () => {
    let clock = NOW;
    const place = await startHarness({ api: { now: () => clock } });
    try {
      const manager = await signedIn(place.url, place.placeId, place.members.manager);
      expect((await manager.get('/manager/conflicts')).status).toBe(200);
      place.members.manager.roles = [];
      clock += 5 * 60_000;
      expect((await manager.get('/manager/conflicts')).status).toBe(200);
      clock += 6 * 60_000;
      const refused = await manager.get('/manager/conflicts');
      expect(refused.status).toBe(403);
      expect(errorOf(refused).code).toBe('MANAGER_ONLY');
      expect((await manager.get('/session')).body).toMatchObject({ isManager: false, roles: [] });
    } finally {
      await place.close();
    }
  });
});
