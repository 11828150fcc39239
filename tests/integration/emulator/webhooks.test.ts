import { createHmac } from 'node:crypto';
import { startEmulator, type EmulatorHandle } from '../../emulator/src/index';
import { at, call, Receiver } from './support';

let emu: EmulatorHandle;
let receiver: Receiver;

beforeEach(async () => {
  emu = await startEmulator({ randomSeed: 3, webhookRetryDelaysMs: [20, 20] });
  receiver = await Receiver.start();
});

afterEach(async () => {
  await emu.close();
  await receiver.close();
});

async function createWebhook(body: Record<string, unknown>): Promise<void> {
  const answer = await call(emu, 'POST', '/api/resource/Webhook', { body: { request_method: 'POST', enabled: 1, ...body } });
  expect(answer.status).toBe(200);
}

async function insertCustomer(name: string, type = 'Company'): Promise<string> {
  const answer = await call(emu, 'POST', '/api/resource/Customer', { body: { customer_name: name, customer_type: type } });
  expect(answer.status).toBe(200);
  return String(at(answer.json, 'data.name'));
}

function requestLogs(webhook: string): Record<string, unknown>[] {
  return emu.store.list('Webhook Request Log', (d) => d.webhook === webhook);
}

describe('webhook delivery', () => {
  test('JSON body rendered, signed over the exact bytes, custom headers, no Content-Type, in order, logged', async () => {
    const secret = 'whsec-emulator-1';
    await createWebhook({
      name: 'Customer Created',
      webhook_doctype: 'Customer',
      webhook_docevent: 'after_insert',
      request_url: `${receiver.url}/hooks/customer`,
      request_structure: 'JSON',
      enable_security: 1,
      webhook_secret: secret,
      webhook_headers: [{ key: 'X-Place', value: 'tiers-lieu' }],
      webhook_json: '{"event": "created", "name": "{{ doc.name }}", "type": "{{ doc.customer_type }}", "rate": {{ doc.default_commission_rate }}}',
    });
    const names = [await insertCustomer('Hook One'), await insertCustomer('Hook Two'), await insertCustomer('Hook Three')];
    await emu.webhooks.idle();

    expect(receiver.requests.map((r) => JSON.parse(r.raw.toString('utf8')) as { name: string }).map((b) => b.name)).toEqual(names);
    const first = receiver.requests[0];
    if (!first) throw new Error('no delivery');
    expect(first.raw.toString('utf8')).toBe('{"event": "created", "name": "Hook One", "type": "Company", "rate": 0.0}');
    expect(first.path).toBe('/hooks/customer');
    expect(first.headers['content-type']).toBeUndefined();
    expect(first.headers['user-agent']).toMatch(/^python-requests\//);
    expect(first.headers['x-place']).toBe('tiers-lieu');
    const expected = createHmac('sha256', secret).update(first.raw).digest('base64');
    expect(first.headers['x-frappe-webhook-signature']).toBe(expected);

    const logs = requestLogs('Customer Created');
    expect(logs.map((l) => l.reference_document)).toEqual(names);
    const log = logs[0] ?? {};
    expect(log.url).toBe(`${receiver.url}/hooks/customer`);
    expect(log.response).toBe('{"ok":true}');
    expect(log.error).toBe('');
    expect(JSON.parse(String(log.data))).toEqual({ event: 'created', name: 'Hook One', rate: 0, type: 'Company' });
    const loggedHeaders = JSON.parse(String(log.headers)) as Record<string, unknown>;
    expect(Buffer.from(loggedHeaders['X-Frappe-Webhook-Signature'] as number[]).toString('ascii')).toBe(expected);
    expect(emu.webhooks.deliveries().map((d) => [d.docname, d.outcome, d.status])).toEqual(names.map((n) => [n, 'delivered', 200]));
  });

  test('a webhook is delivered after the request that triggered it has been answered', async () => {
    await createWebhook({
      name: 'After Answer',
      webhook_doctype: 'Customer',
      webhook_docevent: 'after_insert',
      request_url: `${receiver.url}/late`,
      request_structure: 'JSON',
      webhook_json: '{"name": "{{ doc.name }}"}',
    });
    await insertCustomer('Answered First Co');
    expect(emu.store.list('Webhook Request Log')).toHaveLength(0);
    await emu.webhooks.idle();
    expect(receiver.requests).toHaveLength(1);
  });

  test('Form URL-Encoded sends json.dumps of the selected fields; the condition filters documents', async () => {
    await createWebhook({
      name: 'Individuals Updated',
      webhook_doctype: 'Customer',
      webhook_docevent: 'on_update',
      condition: 'doc.customer_type == "Individual" and not doc.disabled',
      request_url: `${receiver.url}/form`,
      request_structure: 'Form URL-Encoded',
      webhook_data: [
        { fieldname: 'name', key: 'id' },
        { fieldname: 'default_commission_rate', key: 'rate' },
      ],
    });
    await insertCustomer('Some Company', 'Company');
    const person = await insertCustomer('Some Person', 'Individual');
    await emu.webhooks.idle();
    expect(receiver.requests).toHaveLength(1);
    expect(receiver.requests[0]?.raw.toString('utf8')).toBe(`{"id": "${person}", "rate": 0.0}`);
    expect(receiver.requests[0]?.headers['content-type']).toBeUndefined();
  });

  test('a failing receiver gets three attempts, each with its own request log', async () => {
    receiver.status = 500;
    receiver.body = 'boom';
    await createWebhook({
      name: 'Always Failing',
      webhook_doctype: 'Customer',
      webhook_docevent: 'after_insert',
      request_url: `${receiver.url}/fail`,
      request_structure: 'JSON',
      webhook_json: '{"name": "{{ doc.name }}"}',
    });
    await insertCustomer('Unlucky Co');
    await emu.webhooks.idle();
    expect(receiver.requests).toHaveLength(3);
    const logs = requestLogs('Always Failing');
    expect(logs).toHaveLength(3);
    for (const log of logs) {
      expect(log.response).toBe('boom');
      expect(String(log.error)).toContain('requests.exceptions.HTTPError: 500 Server Error');
    }
    expect(emu.webhooks.deliveries().map((d) => [d.attempt, d.outcome])).toEqual([
      [1, 'http-error'],
      [2, 'http-error'],
      [3, 'http-error'],
    ]);
  });

  test('the webhook timeout is honoured: a slow first answer is a timeout, the retry goes through', async () => {
    receiver.delayFor = (index) => (index === 0 ? 3000 : 0);
    await createWebhook({
      name: 'Slow Receiver',
      webhook_doctype: 'Customer',
      webhook_docevent: 'after_insert',
      request_url: `${receiver.url}/slow`,
      request_structure: 'JSON',
      timeout: 1,
      webhook_json: '{"name": "{{ doc.name }}"}',
    });
    await insertCustomer('Patient Co');
    await emu.webhooks.idle();
    expect(emu.webhooks.deliveries().map((d) => d.outcome)).toEqual(['timeout', 'delivered']);
    const logs = requestLogs('Slow Receiver');
    expect(logs.map((l) => l.response)).toEqual([null, '{"ok":true}']);
    expect(String(logs[0]?.error)).toContain('Read timed out. (read timeout=1)');
  });

  test('a template that cannot render is logged and nothing is sent', async () => {
    await createWebhook({
      name: 'Customer Insert Full',
      webhook_doctype: 'Customer',
      webhook_docevent: 'after_insert',
      request_url: `${receiver.url}/full`,
      request_structure: 'JSON',
      webhook_json: '{{ doc.as_json() }}',
    });
    await insertCustomer('Full Doc Co');
    await emu.webhooks.idle();
    expect(receiver.requests).toHaveLength(0);
    const logs = requestLogs('Customer Insert Full');
    expect(logs).toHaveLength(1);
    expect(logs[0]?.data).toBeNull();
    expect(String(logs[0]?.error)).toContain("TypeError: 'NoneType' object is not callable");
  });

  test('events of one transaction are sent once per document, with its final state', async () => {
    await createWebhook({
      name: 'Any Update',
      webhook_doctype: 'Customer',
      webhook_docevent: 'on_update',
      request_url: `${receiver.url}/update`,
      request_structure: 'JSON',
      webhook_json: '{"name": "{{ doc.name }}", "modified": "{{ doc.modified }}"}',
    });
    const name = await insertCustomer('Once Co');
    await emu.webhooks.idle();
    expect(receiver.requests).toHaveLength(1);
    const stored = emu.store.get('Customer', name);
    expect(JSON.parse(receiver.requests[0]?.raw.toString('utf8') ?? '{}')).toEqual({ name, modified: stored?.modified });
  });

  test('a webhook on a non-submittable DocType cannot listen to on_submit', async () => {
    const answer = await call(emu, 'POST', '/api/resource/Webhook', {
      body: { name: 'Bad Event', webhook_doctype: 'Customer', webhook_docevent: 'on_submit', request_url: receiver.url, request_method: 'POST' },
    });
    expect(answer.status).toBe(417);
    expect(answer.text).toContain('DocType must be Submittable for the selected Doc Event');
  });
});

describe('manual delivery', () => {
  test('nothing is sent until flush()', async () => {
    const manual = await startEmulator({ webhookDelivery: 'manual' });
    try {
      const answer = await call(manual, 'POST', '/api/resource/Webhook', {
        body: {
          name: 'Held Back',
          webhook_doctype: 'Customer',
          webhook_docevent: 'after_insert',
          request_url: `${receiver.url}/held`,
          request_method: 'POST',
          request_structure: 'JSON',
          webhook_json: '{"name": "{{ doc.name }}"}',
        },
      });
      expect(answer.status).toBe(200);
      await call(manual, 'POST', '/api/resource/Customer', { body: { customer_name: 'Queued Co', customer_type: 'Company' } });
      await manual.webhooks.idle();
      expect(receiver.requests).toHaveLength(0);
      await manual.webhooks.flush();
      expect(receiver.requests.map((r) => r.raw.toString('utf8'))).toEqual(['{"name": "Queued Co"}']);
    } finally {
      await manual.close();
    }
  });
});
