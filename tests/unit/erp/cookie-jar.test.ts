import { CookieJar } from '../../../sidecar/src/erp/cookie-jar';
import { loadRecording } from './support/recordings';

describe('CookieJar', () => {
  // The recordings were made on 2026-11-28; their cookies expire a week later.
  const now = (): number => Date.parse('2026-11-28T16:08:34Z');

  it('keeps the session cookies Frappe sets on login and sends them back', () => {
    const jar = new CookieJar(now);
    jar.store(loadRecording('auth_login_usr_pwd').response.headers['set-cookie']);
    expect(jar.get('sid')).toBe('<sid>');
    expect(jar.header()).toBe('sid=<sid>; system_user=yes; full_name=Administrator; user_id=Administrator');
  });

  it('forgets them when the logout answer expires them', () => {
    const jar = new CookieJar(now);
    jar.store(loadRecording('auth_login_usr_pwd').response.headers['set-cookie']);
    jar.store(loadRecording('auth_logout').response.headers['set-cookie']);
    expect(jar.get('sid')).toBeUndefined();
    expect(jar.header()).toBeUndefined();
  });

  it('honours Max-Age=0 over a future Expires', () => {
    const jar = new CookieJar(now);
    jar.store('a=1; Path=/');
    jar.store('a=2; Max-Age=0; Expires=Sat, 05 Dec 2026 17:08:34 GMT');
    expect(jar.get('a')).toBeUndefined();
  });

  it('ignores lines without a name', () => {
    const jar = new CookieJar(now);
    jar.store(['=nameless', 'garbage']);
    expect(jar.header()).toBeUndefined();
  });
});
