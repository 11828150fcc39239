import { ERPNEXT_V15_PROFILE, startEmulator, type EmulatorHandle } from '../../emulator/src/index';
import { call } from './support';

let emu: EmulatorHandle;

beforeAll(async () => {
  emu = await startEmulator({ randomSeed: 11, latency: { medianMs: { default: 0, list: 350 }, sigma: 0 } });
});

afterAll(async () => {
  await emu.close();
});

/** Fires requests together and returns the order in which their answers came back. */
async function finishingOrder(requests: Record<string, () => Promise<unknown>>): Promise<string[]> {
  const order: string[] = [];
  await Promise.all(Object.entries(requests).map(([label, send]) => send().then(() => order.push(label))));
  return order;
}

describe('latency profile', () => {
  test('a slow operation is delayed without holding up the others (applied asynchronously)', async () => {
    const order = await finishingOrder({
      list: () => call(emu, 'GET', '/api/resource/Item'),
      get: () => call(emu, 'GET', '/api/method/frappe.auth.get_logged_user'),
    });
    expect(order).toEqual(['get', 'list']);
  });

  test('per-DocType entries win over the operation default', async () => {
    emu.latency.set({ medianMs: { default: 0, insert: 0, 'insert:Customer': 350 }, sigma: 0 });
    const order = await finishingOrder({
      customer: () => call(emu, 'POST', '/api/resource/Customer', { body: { customer_name: 'Slow Insert Co', customer_type: 'Company' } }),
      uom: () => call(emu, 'POST', '/api/resource/UOM', { body: { uom_name: 'Fast Unit' } }),
    });
    expect(order).toEqual(['uom', 'customer']);
  });

  test('`method` covers every method without a key of its own', async () => {
    emu.latency.set({ medianMs: { default: 0, method: 350, 'method:frappe.client.get_count': 0 }, sigma: 0 });
    const order = await finishingOrder({
      whoami: () => call(emu, 'GET', '/api/method/frappe.auth.get_logged_user'),
      count: () => call(emu, 'GET', '/api/method/frappe.client.get_count', { query: { doctype: 'Item' } }),
      list: () => call(emu, 'GET', '/api/resource/Item'),
    });
    expect(order.indexOf('whoami')).toBe(2);
  });

  test('setting null removes the delay', async () => {
    emu.latency.set({ medianMs: { default: 350 }, sigma: 0 });
    const slowFirst = await finishingOrder({
      first: () => call(emu, 'GET', '/api/resource/Item'),
      second: () => new Promise((resolve) => setTimeout(resolve, 100)),
    });
    expect(slowFirst).toEqual(['second', 'first']);
    emu.latency.set(null);
    const fastFirst = await finishingOrder({
      first: () => call(emu, 'GET', '/api/resource/Item'),
      second: () => new Promise((resolve) => setTimeout(resolve, 150)),
    });
    expect(fastFirst).toEqual(['first', 'second']);
  });

  test('the erpnext-v15 profile is selected by name: a password login is slower than reading the session user', async () => {
    expect(ERPNEXT_V15_PROFILE.medianMs.login).toBeGreaterThan(3 * (ERPNEXT_V15_PROFILE.medianMs.method ?? 0));
    emu.latency.set('erpnext-v15');
    const order = await finishingOrder({
      login: () => call(emu, 'POST', '/api/method/login', { auth: null, body: { usr: 'Administrator', pwd: emu.admin.password } }),
      whoami: () => call(emu, 'GET', '/api/method/frappe.auth.get_logged_user'),
    });
    expect(order).toEqual(['whoami', 'login']);
    emu.latency.set(null);
  });
});
