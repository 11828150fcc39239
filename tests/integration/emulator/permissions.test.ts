import { startEmulator, type EmulatorHandle } from '../../emulator/src/index';
import { at, call, messages } from './support';

let emu: EmulatorHandle;
let agentToken: string;
const AGENT = 'agent@example.com';
const PASSWORD = 'Tiers-lieu 2026!';

beforeAll(async () => {
  emu = await startEmulator({ randomSeed: 5 });
  const created = await call(emu, 'POST', '/api/resource/User', {
    body: { email: AGENT, first_name: 'Front', last_name: 'Desk', new_password: PASSWORD, send_welcome_email: 0, roles: [{ role: 'Sales User' }] },
  });
  expect(created.status).toBe(200);
  const keys = await call(emu, 'POST', '/api/method/frappe.core.doctype.user.user.generate_keys', { body: { user: AGENT } });
  const secret = String(at(keys.json, 'message.api_secret'));
  const user = await call(emu, 'GET', `/api/resource/User/${AGENT}`);
  agentToken = `token ${String(at(user.json, 'data.api_key'))}:${secret}`;
});

afterAll(async () => {
  await emu.close();
});

describe('a restricted API user', () => {
  test('the user was created as a System User, keeping no password in the document', () => {
    const doc = emu.store.get('User', AGENT);
    expect(doc?.user_type).toBe('System User');
    expect(doc?.full_name).toBe('Front Desk');
    expect(doc?.new_password).toBe('');
    expect(doc?.api_secret).toMatch(/^\*+$/);
  });

  test('reads and creates what the Sales User role allows', async () => {
    expect((await call(emu, 'GET', '/api/method/frappe.auth.get_logged_user', { auth: agentToken })).json).toEqual({ message: AGENT });
    const created = await call(emu, 'POST', '/api/resource/Customer', { auth: agentToken, body: { customer_name: 'Desk Walk-in', customer_type: 'Individual' } });
    expect(created.status).toBe(200);
    expect(at(created.json, 'data.owner')).toBe(AGENT);
    expect((await call(emu, 'GET', '/api/resource/Customer', { auth: agentToken })).status).toBe(200);
  });

  test('is refused a list of a DocType its roles do not reach, as a real site refuses it', async () => {
    const answer = await call(emu, 'GET', '/api/resource/Sales Invoice', { auth: agentToken });
    expect(answer.status).toBe(403);
    expect(at(answer.json, 'exc_type')).toBe('PermissionError');
    expect(at(answer.json, '_error_message')).toBe('No permission for Sales Invoice');
    expect(messages(answer.json)).toEqual([`User <strong>${AGENT}</strong> does not have doctype access via role permission for document <strong>Sales Invoice</strong>`]);
  });

  test('cannot create an Item (read only for Sales User)', async () => {
    const answer = await call(emu, 'POST', '/api/resource/Item', { auth: agentToken, body: { item_code: 'DESK-1', item_group: 'Services', stock_uom: 'Nos' } });
    expect(answer.status).toBe(403);
    expect(at(answer.json, '_error_message')).toBe('Insufficient Permission for Item (<strong>create</strong>)');
    expect(emu.store.get('Item', 'DESK-1')).toBeUndefined();
  });

  test('cannot delete a Customer', async () => {
    await call(emu, 'POST', '/api/resource/Customer', { body: { customer_name: 'Keep Me', customer_type: 'Company' } });
    const answer = await call(emu, 'DELETE', '/api/resource/Customer/Keep Me', { auth: agentToken });
    expect(answer.status).toBe(403);
    // Frappe prints the permission check's explanation before its own refusal.
    expect(messages(answer.json)).toEqual([
      `User <strong>${AGENT}</strong> does not have access to this document: Customer - Keep Me`,
      'User not allowed to delete Customer: Keep Me',
    ]);
    expect(emu.store.get('Customer', 'Keep Me')).toBeDefined();
  });

  test('cannot generate API keys (System Manager only)', async () => {
    const answer = await call(emu, 'POST', '/api/method/frappe.core.doctype.user.user.generate_keys', { auth: agentToken, body: { user: AGENT } });
    expect(answer.status).toBe(403);
  });

  test('a wrong secret is a 401, whatever the user', async () => {
    const wrong = agentToken.replace(/:.*/, ':not-the-secret');
    const answer = await call(emu, 'GET', '/api/method/frappe.auth.get_logged_user', { auth: wrong });
    expect(answer.status).toBe(401);
    expect(at(answer.json, 'exc_type')).toBe('AuthenticationError');
  });
});

describe('password sessions', () => {
  test('login sets a 56-hex sid, the session works, and is gone after logout', async () => {
    const login = await fetch(`${emu.url}/api/method/login`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded', Accept: 'application/json' },
      body: new URLSearchParams({ usr: AGENT, pwd: PASSWORD }),
    });
    expect(login.status).toBe(200);
    expect(await login.json()).toEqual({ message: 'Logged In', home_page: '/app/home', full_name: 'Front Desk' });
    const sidCookie = login.headers.getSetCookie().find((c) => c.startsWith('sid='));
    const sid = /^sid=([^;]+)/.exec(sidCookie ?? '')?.[1] ?? '';
    expect(sid).toMatch(/^[0-9a-f]{56}$/);
    expect(sidCookie).toContain('Max-Age=612000; HttpOnly; Path=/; SameSite=Lax');

    const whoami = await call(emu, 'GET', '/api/method/frappe.auth.get_logged_user', { auth: null, cookie: `sid=${sid}` });
    expect(whoami.json).toEqual({ message: AGENT });

    const logout = await call(emu, 'GET', '/api/method/logout', { auth: null, cookie: `sid=${sid}` });
    expect(logout.json).toEqual({ message: 'No App', home_page: '/login', full_name: 'Guest' });

    const expired = await call(emu, 'GET', '/api/method/frappe.auth.get_logged_user', { auth: null, cookie: `sid=${sid}` });
    expect(expired.status).toBe(403);
    expect(at(expired.json, 'session_expired')).toBe(1);
  });

  test('a wrong password and an unknown user are the same 401', async () => {
    for (const usr of [AGENT, 'nobody@example.com']) {
      const answer = await call(emu, 'POST', '/api/method/login', { auth: null, body: { usr, pwd: 'wrong' } });
      expect(answer.status).toBe(401);
      expect(at(answer.json, 'message')).toBe('Invalid login credentials');
    }
  });

  test('a disabled user cannot log in', async () => {
    await call(emu, 'POST', '/api/resource/User', { body: { email: 'gone@example.com', first_name: 'Gone', new_password: PASSWORD, enabled: 0 } });
    const answer = await call(emu, 'POST', '/api/method/login', { auth: null, body: { usr: 'gone@example.com', pwd: PASSWORD } });
    expect(answer.status).toBe(401);
    expect(at(answer.json, 'message')).toBe('User disabled or missing');
  });

  test('a user without desk roles is a Website User', async () => {
    const created = await call(emu, 'POST', '/api/resource/User', { body: { email: 'member@example.com', first_name: 'Member', roles: [{ role: 'Customer' }] } });
    expect(at(created.json, 'data.user_type')).toBe('Website User');
  });
});
