// Token, Basic and session authentication; login and logout.
import { parseSetCookie } from '../shape';
import { scenario, type Theme } from '../scenario';

const loggedIn = (ctx: { site: { user: string } }, message: unknown): void => {
  expect(message).toBe(ctx.site.user);
};

const cookieValue = (setCookies: readonly string[], name: string): string[] =>
  setCookies.map(parseSetCookie).filter((c) => c.name === name).map((c) => c.value);

export const auth: Theme = {
  name: 'auth',
  scenarios: [
    scenario('auth_correct_token', { check: (r, _s, ctx) => loggedIn(ctx, r.at('message')) }),
    scenario('auth_basic_key_secret', { check: (r, _s, ctx) => loggedIn(ctx, r.at('message')) }),
    scenario('auth_wrong_token', {}),
    scenario('auth_wrong_secret_valid_key', {}),
    scenario('auth_malformed_header', {}),
    scenario('auth_no_auth_get_logged_user', {}),
    scenario('auth_no_auth_protected_resource', {}),

    scenario('auth_login_usr_pwd', {
      check: (r, _s, ctx) => {
        expect(r.at('message')).toBe('Logged In');
        const [sid] = cookieValue(r.setCookies, 'sid');
        expect(sid).toMatch(/^[0-9a-f]{56}$/);
        if (sid !== undefined) ctx.fx.trackSession(sid);
        expect(cookieValue(r.setCookies, 'user_id')).toEqual([ctx.site.user]);
        expect(cookieValue(r.setCookies, 'system_user')).toEqual(['yes']);
      },
    }),
    scenario('auth_login_json_body', {
      check: (r, _s, ctx) => {
        expect(r.at('message')).toBe('Logged In');
        const [sid] = cookieValue(r.setCookies, 'sid');
        expect(sid).toMatch(/^[0-9a-f]{56}$/);
        if (sid !== undefined) ctx.fx.trackSession(sid);
      },
    }),
    // Administrator with a wrong password, as recorded: Frappe does not lock accounts by default.
    scenario('auth_login_wrong_password', { check: (r) => expect(r.at('message')).toBe('Invalid login credentials') }),
    scenario('auth_login_unknown_user', {
      setup: (ctx) => Promise.resolve(ctx.rename('nobody@example.com', `nobody-${ctx.fx.tag}@example.com`)),
      check: (r) => expect(r.at('message')).toBe('Invalid login credentials'),
    }),

    scenario('auth_cookie_session', {
      setup: (ctx) => ctx.fx.login(),
      cookie: (sid) => `sid=${sid}`,
      check: (r, _s, ctx) => loggedIn(ctx, r.at('message')),
    }),
    scenario('auth_logout', {
      setup: (ctx) => ctx.fx.login(),
      cookie: (sid) => `sid=${sid}`,
      check: (r) => {
        expect(r.at('full_name')).toBe('Guest');
        // The session cookie is replaced by the Guest one, then expired.
        expect(cookieValue(r.setCookies, 'sid')).toEqual(['Guest', '']);
      },
    }),
    scenario('auth_cookie_after_logout', {
      setup: async (ctx) => {
        const sid = await ctx.fx.login();
        await ctx.site.must('log out', 'GET', '/api/method/logout', { auth: 'none', cookie: `sid=${sid}` });
        return sid;
      },
      cookie: (sid) => `sid=${sid}`,
      check: (r) => expect(r.at('session_expired')).toBe(1),
    }),
  ],
};
