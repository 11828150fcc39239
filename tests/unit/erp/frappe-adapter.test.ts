import { z } from 'zod';
import {
  ErpAuthenticationError,
  ErpInvalidResponseError,
  ErpNotFoundError,
  ErpRateLimitedError,
  ErpTimestampMismatchError,
  ErpUnavailableError,
  ErpValidationError,
} from '../../../sidecar/src/erp/errors';
import { FrappeAdapter, type FrappeAdapterConfig } from '../../../sidecar/src/erp/frappe-adapter';
import { frappeDocSchema, type Filter } from '../../../sidecar/src/erp/port';
import { loadRecording } from './support/recordings';
import { replyFrom, sequence, startStub, type StubHandler, type StubServer } from './support/stub-server';

const API_KEY = 'key-4d1f';
const API_SECRET = 'secret-9b77c1e2';

let stub: StubServer | undefined;

afterEach(async () => {
  await stub?.close();
  stub = undefined;
});

interface Harness {
  adapter: FrappeAdapter;
  server: StubServer;
  sleeps: number[];
}

async function harness(handler: StubHandler, config: Partial<FrappeAdapterConfig> = {}, draws: number[] = [0.5]): Promise<Harness> {
  stub = await startStub(handler);
  const sleeps: number[] = [];
  let draw = 0;
  const adapter = new FrappeAdapter(
    { url: stub.url, apiKey: API_KEY, apiSecret: API_SECRET, ...config },
    {
      sleep: (ms) => {
        sleeps.push(ms);
        return Promise.resolve();
      },
      random: () => draws[draw++ % draws.length] ?? 0,
      now: () => Date.parse('2026-11-28T16:00:00Z'),
    },
  );
  return { adapter, server: stub, sleeps };
}

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected the call to fail');
}

describe('requests as Frappe expects them (compared with the recordings)', () => {
  it('authenticates with "token key:secret" and encodes the path of a document', async () => {
    const recording = loadRecording('get_customer');
    const { adapter, server } = await harness(() => replyFrom(recording));
    const doc = await adapter.getDoc('Customer', 'Acme SARL');
    const [sent] = server.requests;
    expect(sent?.headers.authorization).toBe(`token ${API_KEY}:${API_SECRET}`);
    expect(sent?.rawPath).toBe('/api/resource/Customer/Acme%20SARL');
    expect(sent?.path).toBe(recording.request.path);
    expect(doc.name).toBe('Acme SARL');
    expect(doc.doctype).toBe('Customer');
  });

  it('keeps a name with a slash or a # in one path segment', async () => {
    const { adapter, server } = await harness(() => replyFrom(loadRecording('get_customer')));
    await adapter.getDoc('Sales Invoice', 'SINV/2026#1');
    expect(server.requests[0]?.rawPath).toBe('/api/resource/Sales%20Invoice/SINV%2F2026%231');
  });

  it('sends list paging, fields, filters and order as the recorded list did', async () => {
    const recording = loadRecording('list_item_paging');
    const { adapter, server } = await harness(() => replyFrom(recording));
    const rows = await adapter.list('Item', {
      fields: ['name'],
      orderBy: { field: 'name', order: 'asc' },
      limitStart: 1,
      limitPageLength: 2,
    });
    const query = server.requests[0]?.query;
    expect(Object.fromEntries(query ?? [])).toEqual(recording.request.query);
    expect(rows).toEqual([{ name: 'PRD-WIDGET' }, { name: 'SRV-CONSULT' }]);
  });

  it('sends filters and or_filters as JSON lists', async () => {
    const { adapter, server } = await harness(() => replyFrom(loadRecording('list_sales_invoice_date_filter')));
    await adapter.list('Sales Invoice', {
      fields: ['name', 'posting_date'],
      filters: [
        ['posting_date', 'between', ['2026-11-01', '2026-11-30']],
        ['docstatus', '=', 1],
      ],
      orFilters: [['Sales Invoice Item', 'item_code', 'in', ['SRV-TRAINING', 'SRV-CONSULT']]],
      limitPageLength: 50,
    });
    const query = server.requests[0]?.query;
    expect(JSON.parse(query?.get('filters') ?? '')).toEqual([
      ['posting_date', 'between', ['2026-11-01', '2026-11-30']],
      ['docstatus', '=', 1],
    ]);
    expect(JSON.parse(query?.get('or_filters') ?? '')).toEqual([['Sales Invoice Item', 'item_code', 'in', ['SRV-TRAINING', 'SRV-CONSULT']]]);
    expect(query?.get('limit_page_length')).toBe('50');
    expect(query?.get('limit_start')).toBe('0');
  });

  it('refuses a list without a real page length, bad filters and a bad order before sending anything', async () => {
    const { adapter, server } = await harness(() => replyFrom(loadRecording('list_item_paging')));
    await expect(adapter.list('Item', { limitPageLength: 0 })).rejects.toThrow('use listAll for every row');
    // Filters built from untyped input: `in` needs a list.
    const fromOutside: unknown = [['name', 'in', 'SRV-X']];
    await expect(adapter.list('Item', { limitPageLength: 5, filters: fromOutside as Filter[] })).rejects.toThrow(
      'Item: invalid filters',
    );
    await expect(
      adapter.list('Item', { limitPageLength: 5, orderBy: { field: 'name; drop table', order: 'asc' } }),
    ).rejects.toThrow('invalid orderBy');
    expect(server.requests).toHaveLength(0);
  });

  it('sends a stale modified with an update and maps the refusal', async () => {
    const recording = loadRecording('update_sales_invoice_stale_modified');
    const { adapter, server } = await harness(() => replyFrom(recording));
    const error = await rejection(
      adapter.update('Sales Invoice', 'ACC-SINV-2026-00001', { remarks: 'stale write' }, { modified: '2026-11-28 16:09:32.750615' }),
    );
    expect(error).toBeInstanceOf(ErpTimestampMismatchError);
    expect(JSON.parse(server.requests[0]?.body ?? '')).toEqual(recording.request.body);
    expect(server.requests[0]?.method).toBe('PUT');
  });

  it('submits and cancels with a PUT of docstatus', async () => {
    const submitted = loadRecording('submit_via_put_docstatus');
    const cancelled = loadRecording('cancel_via_put_docstatus_2');
    const { adapter, server } = await harness(sequence(replyFrom(submitted), replyFrom(cancelled)));
    const doc = await adapter.submit('Sales Invoice', 'ACC-SINV-2026-00001');
    const gone = await adapter.cancel('Sales Invoice', 'ACC-SINV-2026-00005');
    expect(doc.docstatus).toBe(1);
    expect(gone.docstatus).toBe(2);
    expect(server.requests.map((r) => [r.method, JSON.parse(r.body) as unknown])).toEqual([
      ['PUT', { docstatus: 1 }],
      ['PUT', { docstatus: 2 }],
    ]);
  });

  it('reads frappe.client.get_value, and null when nothing matches', async () => {
    const { adapter, server } = await harness(
      sequence(replyFrom(loadRecording('method_get_value')), replyFrom(loadRecording('method_get_value_missing'))),
    );
    const schema = z.object({ item_name: z.string() });
    await expect(adapter.getValue('Item', 'SRV-CONSULT', ['item_name'], { schema })).resolves.toEqual({
      item_name: 'Consulting hour',
    });
    await expect(adapter.getValue('Item', 'NO-SUCH', ['item_name'])).resolves.toBeNull();
    expect(Object.fromEntries(server.requests[0]?.query ?? [])).toEqual({
      doctype: 'Item',
      fieldname: '["item_name"]',
      filters: '{"name":"SRV-CONSULT"}',
    });
  });

  it('counts, sets values and inserts many through frappe.client', async () => {
    const { adapter, server } = await harness(
      sequence(
        replyFrom(loadRecording('method_get_count')),
        replyFrom(loadRecording('method_set_value')),
        replyFrom(loadRecording('method_insert_many')),
      ),
    );
    await expect(adapter.count('Customer', { filters: [['customer_type', '=', 'Individual']] })).resolves.toBe(26);
    const item = await adapter.setValue('Item', 'PRD-GADGET', { description: 'A gadget (set_value)' });
    expect(item.description).toBe('A gadget (set_value)');
    const names = await adapter.insertMany('Customer', [
      { customer_name: 'Many One', customer_type: 'Company' },
      { customer_name: 'Many Two', customer_type: 'Individual' },
    ]);
    expect(names).toEqual(['Many One', 'Many Two']);
    expect(server.requests.map((r) => `${r.method} ${r.path}`)).toEqual([
      'GET /api/method/frappe.client.get_count',
      'POST /api/method/frappe.client.set_value',
      'POST /api/method/frappe.client.insert_many',
    ]);
    expect(JSON.parse(server.requests[2]?.body ?? '')).toEqual(loadRecording('method_insert_many').request.body);
  });

  it('refuses more than 200 documents in one insertMany', async () => {
    const { adapter, server } = await harness(() => replyFrom(loadRecording('method_insert_many')));
    const docs = Array.from({ length: 201 }, (_, i) => ({ customer_name: `C${i}` }));
    await expect(adapter.insertMany('Customer', docs)).rejects.toThrow('at most 200 per request');
    expect(server.requests).toHaveLength(0);
  });

  it('calls a whitelisted method by POST with a JSON body and validates its message', async () => {
    const recording = loadRecording('method_make_payment_request');
    const { adapter, server } = await harness(() => replyFrom(recording));
    const schema = frappeDocSchema.extend({ status: z.literal('Draft'), grand_total: z.number() });
    const request = await adapter.call(
      'erpnext.accounts.doctype.payment_request.payment_request.make_payment_request',
      { dt: 'Sales Invoice', dn: 'ACC-SINV-2026-00006', submit_doc: 0, mute_email: 1, return_doc: 1 },
      { http: 'POST', schema },
    );
    expect(request.name).toBe('ACC-PRQ-2026-00001');
    expect(JSON.parse(server.requests[0]?.body ?? '')).toEqual(recording.request.body);
  });

  it('fails with the schema problems when the ERP answers another shape', async () => {
    const { adapter } = await harness(() => replyFrom(loadRecording('get_item')));
    const error = await rejection(adapter.getDoc('Item', 'SRV-CONSULT', { schema: frappeDocSchema.extend({ standard_rate: z.string() }) }));
    expect(error).toBeInstanceOf(ErpInvalidResponseError);
    expect((error as Error).message).toContain('data.standard_rate');
  });

  it('fails clearly on a 2xx that is not JSON', async () => {
    const { adapter } = await harness(() => ({ status: 200, headers: { 'content-type': 'text/html' }, body: '<html>login</html>' }));
    const error = await rejection(adapter.getLoggedUser());
    expect(error).toBeInstanceOf(ErpInvalidResponseError);
    expect((error as Error).message).toBe('ERP answered the API user with HTTP 200 but no JSON body');
  });

  it('does not follow a redirect', async () => {
    const { adapter, server } = await harness(() => ({ status: 301, headers: { location: 'https://elsewhere.example/' } }));
    const error = await rejection(adapter.insert('Customer', { customer_name: 'X' }));
    expect(error).toBeInstanceOf(ErpInvalidResponseError);
    expect(server.requests).toHaveLength(1);
  });
});

describe('retries', () => {
  const ok = replyFrom(loadRecording('get_item'));
  const status = (code: number, headers: Record<string, string> = {}): { status: number; headers: Record<string, string>; body: string } => ({
    status: code,
    headers: { 'content-type': 'text/html', ...headers },
    body: `<html>${code}</html>`,
  });

  it('repeats a GET after two 503s, waiting a full-jitter backoff each time', async () => {
    const { adapter, server, sleeps } = await harness(sequence(status(503), status(503), ok), {
      retry: { baseDelayMs: 100, maxDelayMs: 1000 },
    });
    const doc = await adapter.getDoc('Item', 'SRV-CONSULT');
    expect(doc.name).toBe('SRV-CONSULT');
    expect(server.requests).toHaveLength(3);
    // random() is 0.5: half of 100, then half of 200.
    expect(sleeps).toEqual([50, 100]);
  });

  it.each([502, 504])('repeats a GET after %i, a network reset and a timeout', async (code) => {
    const { adapter, server } = await harness(sequence(status(code), 'reset', 'hang', ok), {
      timeoutMs: 200,
      retry: { maxAttempts: 4 },
    });
    await expect(adapter.getDoc('Item', 'SRV-CONSULT')).resolves.toMatchObject({ name: 'SRV-CONSULT' });
    expect(server.requests).toHaveLength(4);
  });

  it('gives up after maxAttempts and says how many were made', async () => {
    const { adapter, server } = await harness(() => status(503), { retry: { maxAttempts: 3 } });
    const error = await rejection(adapter.getDoc('Item', 'SRV-CONSULT'));
    expect(error).toBeInstanceOf(ErpUnavailableError);
    expect((error as ErpUnavailableError).attempts).toBe(3);
    expect(server.requests).toHaveLength(3);
  });

  it.each([
    ['a timeout', 'hang' as const, 'timeout'],
    ['a reset connection', 'reset' as const, 'network'],
  ])('does not repeat an insert after %s, and says its outcome is unknown', async (_label, action, reason) => {
    const { adapter, server } = await harness(sequence(action, ok), { timeoutMs: 200 });
    const error = await rejection(adapter.insert('Item', { item_code: 'SRV-NEW' }));
    expect(error).toBeInstanceOf(ErpUnavailableError);
    expect((error as ErpUnavailableError).reason).toBe(reason);
    expect((error as ErpUnavailableError).outcomeUnknown).toBe(true);
    expect(server.requests).toHaveLength(1);
  });

  it.each([502, 504])('does not repeat an insert after %i', async (code) => {
    const { adapter, server } = await harness(sequence(status(code), ok));
    const error = await rejection(adapter.insert('Item', { item_code: 'SRV-NEW' }));
    expect(error).toBeInstanceOf(ErpUnavailableError);
    expect(server.requests).toHaveLength(1);
  });

  it('repeats an insert after 503 and 429: the ERP refused before doing anything', async () => {
    const created = replyFrom(loadRecording('create_item_service'));
    const { adapter, server } = await harness(sequence(status(503), status(429), created));
    await expect(adapter.insert('Item', { item_code: 'SRV-CONSULT' })).resolves.toMatchObject({ name: 'SRV-CONSULT' });
    expect(server.requests).toHaveLength(3);
  });

  it('repeats a write the caller marked idempotent like a read', async () => {
    const updated = replyFrom(loadRecording('update_sales_invoice_field'));
    const { adapter, server } = await harness(sequence(status(504), updated));
    await adapter.update('Sales Invoice', 'ACC-SINV-2026-00001', { remarks: 'x' }, { idempotent: true });
    expect(server.requests).toHaveLength(2);
  });

  it('honours Retry-After in seconds and as an HTTP date', async () => {
    const { adapter, sleeps } = await harness(
      sequence(status(429, { 'retry-after': '2' }), status(503, { 'retry-after': 'Sat, 28 Nov 2026 16:00:07 GMT' }), ok),
    );
    await adapter.getDoc('Item', 'SRV-CONSULT');
    expect(sleeps).toEqual([2000, 7000]);
  });

  it('hands a Retry-After beyond the cap back to the caller instead of sleeping', async () => {
    const { adapter, server, sleeps } = await harness(sequence(status(429, { 'retry-after': '3600' }), ok), {
      retry: { maxRetryAfterMs: 30_000 },
    });
    const error = await rejection(adapter.getDoc('Item', 'SRV-CONSULT'));
    expect(error).toBeInstanceOf(ErpRateLimitedError);
    expect((error as ErpRateLimitedError).retryAfterMs).toBe(3_600_000);
    expect(sleeps).toEqual([]);
    expect(server.requests).toHaveLength(1);
  });

  it('never repeats a refusal', async () => {
    const { adapter, server } = await harness(() => replyFrom(loadRecording('create_item_missing_mandatory')));
    const error = await rejection(adapter.insert('Item', { item_code: 'SRV-X' }, { idempotent: true }));
    expect(error).toBeInstanceOf(ErpValidationError);
    expect(server.requests).toHaveLength(1);
  });

  it('applies a per-call timeout over the default', async () => {
    const { adapter } = await harness(() => 'hang', { timeoutMs: 60_000, retry: { maxAttempts: 1 } });
    const error = await rejection(adapter.getDoc('Item', 'SRV-CONSULT', { timeoutMs: 100 }));
    expect(error).toBeInstanceOf(ErpUnavailableError);
    expect((error as Error).message).toBe('ERP did not answer Item SRV-CONSULT (GET /api/resource/Item/SRV-CONSULT) within 100 ms');
  });
});

describe('listAll', () => {
  it('pages with a total order until a short page', async () => {
    const names = Array.from({ length: 45 }, (_, i) => ({ name: `C${String(i).padStart(2, '0')}` }));
    const { adapter, server } = await harness((request) => {
      const start = Number(request.query.get('limit_start'));
      const length = Number(request.query.get('limit_page_length'));
      return { status: 200, body: { data: names.slice(start, start + length) } };
    });
    const rows = await adapter.listAll('Customer', { pageSize: 20, orderBy: { field: 'modified', order: 'desc' } });
    expect(rows).toEqual(names);
    expect(server.requests.map((r) => r.query.get('limit_start'))).toEqual(['0', '20', '40']);
    expect(server.requests.every((r) => r.query.get('order_by') === 'modified desc, name asc')).toBe(true);
  });

  it('stops with an error when the ERP ignores the page length', async () => {
    const names = Array.from({ length: 30 }, (_, i) => ({ name: `C${i}` }));
    const { adapter, server } = await harness(() => ({ status: 200, body: { data: names } }));
    await expect(adapter.listAll('Customer', { pageSize: 20 })).rejects.toThrow('it ignores limit_page_length');
    expect(server.requests).toHaveLength(1);
  });
});

describe('verifyUserCredentials', () => {
  const login = loadRecording('auth_login_json_body');
  const whoami = loadRecording('auth_cookie_session');
  const logout = loadRecording('auth_logout');

  function erpWithSessions(password: string): StubHandler {
    return (request) => {
      if (request.path === '/api/method/login') {
        const body = JSON.parse(request.body) as { usr?: string; pwd?: string };
        if (body.usr === 'Administrator' && body.pwd === password) {
          return { ...replyFrom(login), headers: { 'content-type': 'application/json', 'set-cookie': ['sid=abc123; Max-Age=612000; Path=/'] } };
        }
        return replyFrom(loadRecording('auth_login_wrong_password'));
      }
      if (request.headers.cookie?.includes('sid=abc123') !== true) return replyFrom(loadRecording('auth_cookie_after_logout'));
      if (request.path === '/api/method/frappe.auth.get_logged_user') return replyFrom(whoami);
      if (request.path === '/api/method/logout') return replyFrom(logout);
      return { status: 404, body: { exc_type: 'DoesNotExistError' } };
    };
  }

  it('logs in without the API token, asks who is logged in, then logs out', async () => {
    const { adapter, server } = await harness(erpWithSessions('right-password'));
    await expect(adapter.verifyUserCredentials('Administrator', 'right-password')).resolves.toEqual({
      ok: true,
      user: 'Administrator',
      fullName: 'Administrator',
    });
    expect(server.requests.map((r) => `${r.method} ${r.path}`)).toEqual([
      'POST /api/method/login',
      'GET /api/method/frappe.auth.get_logged_user',
      'GET /api/method/logout',
    ]);
    expect(server.requests.every((r) => r.headers.authorization === undefined)).toBe(true);
    expect(server.requests[2]?.headers.cookie).toBe('sid=abc123');
  });

  it('answers a wrong password with a typed failure, without retrying it', async () => {
    const { adapter, server } = await harness(erpWithSessions('right-password'));
    const check = await adapter.verifyUserCredentials('Administrator', 'wrong');
    expect(check.ok).toBe(false);
    if (!check.ok) {
      expect(check.error).toBeInstanceOf(ErpAuthenticationError);
      expect(check.error.message).toBe('ERP rejected the credentials for a member login: Invalid login credentials');
    }
    expect(server.requests).toHaveLength(1);
  });

  it('keeps no session between two checks', async () => {
    const { adapter, server } = await harness(erpWithSessions('pw'));
    await adapter.verifyUserCredentials('Administrator', 'pw');
    await adapter.verifyUserCredentials('Administrator', 'pw');
    expect(server.requests[3]?.headers.cookie).toBeUndefined();
  });

  it('rejects when the ERP cannot be reached rather than calling the password wrong', async () => {
    const { adapter } = await harness(() => ({ status: 502, body: '<html>bad gateway</html>' }));
    await expect(adapter.verifyUserCredentials('Administrator', 'pw')).rejects.toBeInstanceOf(ErpUnavailableError);
  });
});

describe('construction', () => {
  it('names the missing options without echoing any value', () => {
    expect(() => new FrappeAdapter({ url: 'ftp://erp', apiKey: '', apiSecret: '' })).toThrow(
      'Invalid ERP client options: url: url must be an http(s) URL such as https://erp.example.org; apiKey: apiKey is required; apiSecret: apiSecret is required',
    );
  });

  it('maps a 404 to not found with the ERP message', async () => {
    const { adapter } = await harness(() => replyFrom(loadRecording('get_item_missing_404')));
    const error = await rejection(adapter.getDoc('Item', 'NO-SUCH-ITEM'));
    expect(error).toBeInstanceOf(ErpNotFoundError);
    expect((error as Error).message).toBe('ERP refused Item NO-SUCH-ITEM: Item NO-SUCH-ITEM not found');
  });
});
