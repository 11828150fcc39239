import { FrappeError } from '../errors';
import { str } from '../model/values';
import type { Site } from '../site';
import { httpDate } from '../util/clock';
import { header, type FrappeRequest } from './request';

/** Cookie lifetime Frappe gives the sid cookie (7 days and 2 hours). */
const SID_MAX_AGE = 612_000;

export interface AuthState {
  user: string;
  /** The sid the response carries ("Guest" unless a session is active). */
  sid: string;
  /** A sid cookie named a session that no longer exists (Frappe answers with session_expired: 1). */
  sessionExpired: boolean;
  /** Keys Frappe put in the response before handling (login message, session_expired). */
  early: Record<string, unknown>;
  /** Set-Cookie values. */
  cookies: string[];
}

function cookie(name: string, value: string): string {
  return `${name}=${encodeURIComponent(value)}; Path=/; SameSite=Lax`;
}

function userInfo(site: Site, user: string): { fullName: string; image: string; systemUser: boolean } {
  const doc = site.tables.get('User', user);
  const fullName = [str(doc?.first_name), str(doc?.last_name)].filter(Boolean).join(' ');
  return { fullName, image: str(doc?.user_image), systemUser: str(doc?.user_type) === 'System User' };
}

/** CookieManager.init_cookies + LoginManager.set_user_info. */
export function sessionCookies(site: Site, user: string, sid: string): string[] {
  const expires = httpDate(site.clock.epochMs() + SID_MAX_AGE * 1000);
  const info = userInfo(site, user);
  return [
    `sid=${sid}; Expires=${expires}; Max-Age=${SID_MAX_AGE}; HttpOnly; Path=/; SameSite=Lax`,
    cookie('system_user', user !== 'Guest' && info.systemUser ? 'yes' : 'no'),
    cookie('full_name', user === 'Guest' ? 'Guest' : info.fullName),
    cookie('user_id', user),
    cookie('user_image', user === 'Guest' ? '' : info.image),
  ];
}

/** frappe.auth.clear_cookies: expire every session cookie. */
export function clearCookies(site: Site): string[] {
  const past = httpDate(site.clock.epochMs() - 86_400_000);
  return ['user_image', 'system_user', 'sid', 'full_name', 'user_id'].map((name) => `${name}=; Expires=${past}; Path=/`);
}

function authenticationError(extra: Record<string, unknown> = {}): FrappeError {
  return new FrappeError('AuthenticationError', { extra });
}

/** LoginManager.login for /api/method/login. */
function login(site: Site, req: FrappeRequest, state: AuthState): void {
  const usr = str(req.form.usr);
  const pwd = str(req.form.pwd);
  const fail = (message: string): never => {
    throw authenticationError({ message });
  };
  if (!usr || !pwd) fail('Incomplete login details');
  if (pwd.length > 512) fail('Password size exceeded the maximum allowed size');
  const userDoc = site.tables.get('User', usr);
  if (!userDoc) fail('Invalid login credentials');
  const user = str(userDoc?.name);
  if (!site.checkPassword(user, pwd)) fail('Invalid login credentials');
  if (user !== 'Administrator' && !userDoc?.enabled) fail('User disabled or missing');
  const session = site.createSession(user);
  const info = userInfo(site, user);
  state.user = user;
  state.sid = session.sid;
  state.early = info.systemUser
    ? { message: 'Logged In', home_page: '/app/home', full_name: info.fullName }
    : { message: 'No App', home_page: '/me', full_name: info.fullName };
}

/** validate_auth_via_api_keys */
function apiKeyUser(site: Site, scheme: string, credentials: string): string | undefined {
  let pair: string;
  if (scheme === 'basic') {
    const compact = credentials.replace(/[^A-Za-z0-9+/=]/g, '');
    if (compact.length % 4 !== 0) {
      throw new FrappeError('InvalidAuthorizationToken', {
        detail: 'Failed to decode token, please provide a valid base64-encoded token.',
        messages: [{ message: 'Failed to decode token, please provide a valid base64-encoded token.', title: 'Message', indicator: 'red', raise_exception: 1 }],
      });
    }
    pair = Buffer.from(compact, 'base64').toString('utf8');
  } else if (scheme === 'token') {
    pair = credentials;
  } else {
    return undefined;
  }
  const parts = pair.split(':');
  if (parts.length !== 2) return undefined;
  const [apiKey = '', apiSecret = ''] = parts;
  const user = site.userByApiKey(apiKey);
  if (!user) throw authenticationError();
  if (site.getSecret('User', user, 'api_secret') !== apiSecret) throw authenticationError();
  return user;
}

/**
 * Who is calling: Frappe resumes the sid session first, then lets an Authorization header
 * (token or Basic key:secret) set the user; an Authorization header that does not
 * authenticate is a 401 whatever the session.
 */
export function authenticate(site: Site, req: FrappeRequest): AuthState {
  const state: AuthState = { user: 'Guest', sid: 'Guest', sessionExpired: false, early: {}, cookies: [] };
  const isLogin = req.path === '/api/method/login' || req.form.cmd === 'login';
  if (isLogin) {
    login(site, req, state);
  } else {
    const sid = str(req.form.sid) || req.cookies.sid || 'Guest';
    if (sid !== 'Guest') {
      const session = site.sessions.get(sid);
      if (session && site.tables.has('User', session.user)) {
        state.user = session.user;
        state.sid = sid;
      } else {
        state.sessionExpired = true;
        state.early = { session_expired: 1 };
      }
    }
  }
  const authorization = header(req.headers, 'authorization') ?? '';
  const parts = authorization.split(' ');
  if (authorization && parts.length === 2) {
    const [schemeRaw = '', credentials = ''] = parts;
    const user = apiKeyUser(site, schemeRaw.toLowerCase(), credentials);
    if (user && state.user === 'Guest') state.user = user;
    if (state.user === 'Guest') throw authenticationError(state.early);
  }
  state.cookies = sessionCookies(site, state.sid === 'Guest' ? 'Guest' : state.user, state.sid);
  if (state.sessionExpired) state.cookies.push(...clearCookies(site));
  return state;
}
