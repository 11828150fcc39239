import { startEmulator, type EmulatorHandle } from '../../emulator/src/index';
import { at, call } from './support';

let emu: EmulatorHandle;

beforeAll(async () => {
  emu = await startEmulator({ randomSeed: 7 });
});

afterAll(async () => {
  await emu.close();
});

beforeEach(() => {
  emu.faults.clear();
  emu.counters.reset();
});

const customer = (name: string): { customer_name: string; customer_type: string } => ({ customer_name: name, customer_type: 'Company' });

describe('fault injection', () => {
  test('a 500 looks like a Frappe server error and the write does not happen', async () => {
    emu.faults.add({ match: { method: 'POST', path: '/api/resource/Customer' }, action: { kind: 'status', status: 500 } });
    const answer = await call(emu, 'POST', '/api/resource/Customer', { body: customer('Fault 500 Co') });
    expect(answer.status).toBe(500);
    expect(answer.headers.get('content-type')).toBe('application/json');
    expect(at(answer.json, 'exc_type')).toBe('OperationalError');
    expect(typeof at(answer.json, 'exc')).toBe('string');
    expect(emu.store.get('Customer', 'Fault 500 Co')).toBeUndefined();
  });

  test.each([502, 503, 504] as const)('a %i comes from the nginx front as an HTML page', async (status) => {
    emu.faults.add({ match: { path: '/api/resource/Item' }, action: { kind: 'status', status } });
    const answer = await call(emu, 'GET', '/api/resource/Item');
    expect(answer.status).toBe(status);
    expect(answer.headers.get('content-type')).toBe('text/html');
    expect(answer.text).toContain(`<h1>${status} `);
    expect(answer.json).toBeUndefined();
  });

  test('when: "after" processes the write and still fails the answer: the customer exists', async () => {
    emu.faults.add({ match: { method: 'POST', path: '/api/resource/Customer' }, action: { kind: 'status', status: 504 }, when: 'after', times: 1 });
    const answer = await call(emu, 'POST', '/api/resource/Customer', { body: customer('Landed Anyway Co') });
    expect(answer.status).toBe(504);
    expect(emu.store.get('Customer', 'Landed Anyway Co')?.customer_name).toBe('Landed Anyway Co');
    // A client that retries now meets the duplicate rule of a real site.
    const retry = await call(emu, 'POST', '/api/resource/Customer', { body: customer('Landed Anyway Co') });
    expect(at(retry.json, 'data.name')).toBe('Landed Anyway Co - 1');
  });

  test('rateLimit answers 429 with Retry-After and leaves the data alone', async () => {
    emu.faults.add({ match: { path: '/api/resource/Customer' }, action: { kind: 'rateLimit', retryAfterSeconds: 17 } });
    const answer = await call(emu, 'POST', '/api/resource/Customer', { body: customer('Throttled Co') });
    expect(answer.status).toBe(429);
    expect(answer.headers.get('retry-after')).toBe('17');
    expect(emu.store.get('Customer', 'Throttled Co')).toBeUndefined();
  });

  test('reset destroys the connection without an answer', async () => {
    emu.faults.add({ match: { path: '/api/resource/Item' }, action: { kind: 'reset' } });
    await expect(call(emu, 'GET', '/api/resource/Item')).rejects.toThrow();
    expect(emu.counters.snapshot()).toEqual({ 'GET /api/resource/Item': 1 });
  });

  test('timeout never answers: the client gives up, the write did not happen', async () => {
    emu.faults.add({ match: { method: 'POST', path: '/api/resource/Customer' }, action: { kind: 'timeout' } });
    await expect(call(emu, 'POST', '/api/resource/Customer', { body: customer('Hanging Co'), signal: AbortSignal.timeout(200) })).rejects.toThrow();
    expect(emu.store.get('Customer', 'Hanging Co')).toBeUndefined();
  });

  test('timeout with when: "after" keeps the client waiting although the write landed', async () => {
    emu.faults.add({ match: { method: 'POST', path: '/api/resource/Customer' }, action: { kind: 'timeout' }, when: 'after' });
    await expect(call(emu, 'POST', '/api/resource/Customer', { body: customer('Silent Success Co'), signal: AbortSignal.timeout(200) })).rejects.toThrow();
    expect(emu.store.get('Customer', 'Silent Success Co')).toBeDefined();
  });

  test('delay holds a request while others are served', async () => {
    emu.faults.add({ match: { path: '/api/resource/Item' }, action: { kind: 'delay', ms: 400 } });
    const finished: string[] = [];
    const slow = call(emu, 'GET', '/api/resource/Item').then((a) => finished.push(`item ${a.status}`));
    const fast = call(emu, 'GET', '/api/resource/Customer').then((a) => finished.push(`customer ${a.status}`));
    await Promise.all([slow, fast]);
    expect(finished).toEqual(['customer 200', 'item 200']);
  });

  test('times: only the next N matching calls fail, then the rule is gone', async () => {
    emu.faults.add({ match: { method: 'GET', path: '/api/resource/Item' }, action: { kind: 'status', status: 503 }, times: 2 });
    const statuses: number[] = [];
    for (let i = 0; i < 4; i++) statuses.push((await call(emu, 'GET', '/api/resource/Item')).status);
    expect(statuses).toEqual([503, 503, 200, 200]);
    expect(emu.counters.snapshot()['GET /api/resource/Item']).toBe(4);
  });

  test('match.method and a glob path select which calls fail', async () => {
    emu.faults.add({ match: { method: 'GET', path: '/api/resource/*/Acme*' }, action: { kind: 'status', status: 502 } });
    expect((await call(emu, 'GET', '/api/resource/Customer/Acme SARL')).status).toBe(502);
    expect((await call(emu, 'GET', '/api/resource/Customer/Globex SA')).status).toBe(404);
    expect((await call(emu, 'GET', '/api/resource/Customer')).status).toBe(200);
  });

  test('removing a rule by id restores normal answers', async () => {
    const id = emu.faults.add({ match: { path: '/api/resource/Item' }, action: { kind: 'status', status: 500 } });
    expect((await call(emu, 'GET', '/api/resource/Item')).status).toBe(500);
    emu.faults.remove(id);
    expect((await call(emu, 'GET', '/api/resource/Item')).status).toBe(200);
  });
});

describe('probabilistic faults', () => {
  async function outcomes(seed: number): Promise<number[]> {
    const site = await startEmulator({ randomSeed: seed, seed: 'none' });
    try {
      site.faults.add({ match: { path: '/api/method/frappe.auth.get_logged_user' }, action: { kind: 'status', status: 503 }, probability: 0.5 });
      const statuses: number[] = [];
      for (let i = 0; i < 40; i++) statuses.push((await call(site, 'GET', '/api/method/frappe.auth.get_logged_user')).status);
      return statuses;
    } finally {
      await site.close();
    }
  }

  test('a probability fails some calls and lets others through, the same ones for the same seed', async () => {
    const first = await outcomes(42);
    const second = await outcomes(42);
    expect(second).toEqual(first);
    const failed = first.filter((s) => s === 503).length;
    expect(failed).toBeGreaterThan(5);
    expect(failed).toBeLessThan(35);
    expect(first.filter((s) => s === 200).length).toBe(40 - failed);
  });

  test('another seed draws another sequence', async () => {
    expect(await outcomes(1)).not.toEqual(await outcomes(2));
  });
});

describe('counters', () => {
  test('every call is counted by endpoint, faulted ones included', async () => {
    emu.faults.add({ match: { path: '/api/method/frappe.client.get_count' }, action: { kind: 'status', status: 500 }, times: 1 });
    await call(emu, 'GET', '/api/resource/Customer');
    await call(emu, 'GET', '/api/resource/Customer/Nobody Here');
    await call(emu, 'PUT', '/api/resource/Customer/Nobody Here', { body: { customer_type: 'Company' } });
    await call(emu, 'GET', '/api/method/frappe.client.get_count', { query: { doctype: 'Customer' } });
    await call(emu, 'GET', '/api/method/frappe.client.get_count', { query: { doctype: 'Customer' } });
    await call(emu, 'GET', '/api/v2/document/Sales Invoice');
    await call(emu, 'GET', '/api/v2/doctype/Item/count');
    expect(emu.counters.snapshot()).toEqual({
      'GET /api/resource/Customer': 1,
      'GET /api/resource/Customer/:name': 1,
      'PUT /api/resource/Customer/:name': 1,
      'GET /api/method/frappe.client.get_count': 2,
      'GET /api/v2/document/Sales Invoice': 1,
      'GET /api/v2/doctype/Item/count': 1,
    });
    expect(emu.counters.total()).toBe(7);
    emu.counters.reset();
    expect(emu.counters.total()).toBe(0);
  });
});

describe('control plane over HTTP', () => {
  async function control(method: string, path: string, body?: unknown): Promise<{ status: number; json: unknown }> {
    const response = await fetch(`${emu.url}${path}`, {
      method,
      headers: body === undefined ? {} : { 'Content-Type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: response.status, json: await response.json() };
  }

  test('faults are added, listed, removed and cleared, and never apply to the control plane', async () => {
    const added = await control('POST', '/__emulator/faults', { match: { path: '/' }, action: { kind: 'status', status: 503 } });
    expect(added.status).toBe(200);
    const id = at(added.json, 'id');
    expect(typeof id).toBe('string');
    expect((await call(emu, 'GET', '/api/resource/Item')).status).toBe(503);
    expect((await control('GET', '/__emulator/health')).json).toMatchObject({ status: 'ok' });
    expect((await control('DELETE', `/__emulator/faults/${String(id)}`)).status).toBe(200);
    expect((await call(emu, 'GET', '/api/resource/Item')).status).toBe(200);
    await control('POST', '/__emulator/faults', { action: { kind: 'rateLimit', retryAfterSeconds: 1 } });
    expect((await call(emu, 'GET', '/api/resource/Item')).status).toBe(429);
    expect((await control('DELETE', '/__emulator/faults')).status).toBe(200);
    expect((await call(emu, 'GET', '/api/resource/Item')).status).toBe(200);
  });

  test('a malformed rule is refused with the reason', async () => {
    const refused = await control('POST', '/__emulator/faults', { action: { kind: 'status', status: 418 } });
    expect(refused.status).toBe(400);
    expect(String(at(refused.json, 'error'))).toContain('Invalid fault rule');
    const unknownKey = await control('POST', '/__emulator/faults', { action: { kind: 'reset' }, when: 'later' });
    expect(unknownKey.status).toBe(400);
  });

  test('counters are read and reset, and control calls are not counted', async () => {
    await call(emu, 'GET', '/api/resource/Item');
    await control('GET', '/__emulator/health');
    const read = await control('GET', '/__emulator/counters');
    expect(read.json).toEqual({ counters: { 'GET /api/resource/Item': 1 }, total: 1 });
    expect((await control('POST', '/__emulator/counters/reset')).status).toBe(200);
    expect((await control('GET', '/__emulator/counters')).json).toEqual({ counters: {}, total: 0 });
  });

  test('the latency profile is set and validated over HTTP', async () => {
    expect((await control('POST', '/__emulator/latency', { medianMs: { default: 0 }, sigma: 0 })).status).toBe(200);
    expect((await control('POST', '/__emulator/latency', 'erpnext-v15')).status).toBe(200);
    expect((await control('POST', '/__emulator/latency', null)).status).toBe(200);
    expect((await control('POST', '/__emulator/latency', { medianMs: { default: -1 } })).status).toBe(400);
  });
});
