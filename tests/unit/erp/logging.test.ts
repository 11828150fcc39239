import { z } from 'zod';
import { FrappeAdapter } from '../../../sidecar/src/erp/frappe-adapter';
import { createLogger } from '../../../sidecar/src/log';
import { loadRecording } from './support/recordings';
import { replyFrom, startStub, type StubServer } from './support/stub-server';

const API_KEY = 'key-a1b2c3d4e5';
const API_SECRET = 'sekret-7f3e9d2c1b0a';
const MEMBER_PASSWORD = 'm3mber-Pa55word!';
const WRONG_PASSWORD = 'wr0ng-Pa55word?';

const logRecordSchema = z.looseObject({ level: z.number(), msg: z.string() });
const callRecordSchema = z.looseObject({
  msg: z.enum(['erp call', 'erp call failed']),
  method: z.string(),
  path: z.string(),
  status: z.number().nullable(),
  durationMs: z.number().int().nonnegative(),
  attempt: z.number().int().positive(),
});

let stub: StubServer | undefined;

afterEach(async () => {
  await stub?.close();
  stub = undefined;
});

describe('ERP call logs', () => {
  it('record every attempt and never the API secret or a password, failures included', async () => {
    let hits = 0;
    stub = await startStub((request) => {
      hits += 1;
      if (request.path === '/api/method/login') {
        const body = JSON.parse(request.body) as { pwd?: string };
        return body.pwd === MEMBER_PASSWORD
          ? { status: 200, headers: { 'set-cookie': ['sid=s1; Max-Age=600; Path=/'] }, body: { message: 'Logged In', full_name: 'Ada' } }
          : replyFrom(loadRecording('auth_login_wrong_password'));
      }
      if (request.path === '/api/method/frappe.auth.get_logged_user') {
        return request.headers.authorization === undefined
          ? { status: 200, body: { message: 'ada@example.org' } }
          : replyFrom(loadRecording('auth_wrong_secret_valid_key'));
      }
      if (request.path === '/api/method/logout') return replyFrom(loadRecording('auth_logout'));
      if (request.path.startsWith('/api/resource/Item/SLOW')) return 'hang';
      if (request.path.startsWith('/api/resource/Item/FLAKY')) return hits % 2 === 0 ? { status: 503, body: 'busy' } : replyFrom(loadRecording('get_item'));
      if (request.path === '/api/resource/Item') return replyFrom(loadRecording('create_item_missing_mandatory'));
      return replyFrom(loadRecording('get_item'));
    });

    const lines: string[] = [];
    const logger = createLogger({ level: 'debug', destination: { write: (line: string) => lines.push(line) } });
    const adapter = new FrappeAdapter(
      { url: stub.url, apiKey: API_KEY, apiSecret: API_SECRET, timeoutMs: 100, retry: { maxAttempts: 2 } },
      { logger, sleep: () => Promise.resolve() },
    );

    const failures: unknown[] = [];
    const collect = async (promise: Promise<unknown>): Promise<void> => {
      await promise.catch((error: unknown) => failures.push(error));
    };
    await adapter.getDoc('Item', 'SRV-CONSULT');
    await collect(adapter.getLoggedUser());
    await collect(adapter.getDoc('Item', 'SLOW'));
    await collect(adapter.getDoc('Item', 'FLAKY'));
    await collect(adapter.insert('Item', { item_code: 'SRV-X', password: MEMBER_PASSWORD }));
    await adapter.verifyUserCredentials('ada@example.org', MEMBER_PASSWORD);
    await adapter.verifyUserCredentials('ada@example.org', WRONG_PASSWORD);
    // Callers log the errors they get; those records must be clean too.
    for (const error of failures) logger.error({ err: error }, 'ERP call failed');

    expect(failures.length).toBeGreaterThanOrEqual(3);
    const text = lines.join('');
    for (const secret of [API_SECRET, `${API_KEY}:${API_SECRET}`, MEMBER_PASSWORD, WRONG_PASSWORD, 'sid=s1']) {
      expect(text).not.toContain(secret);
    }

    const records = lines.map((line) => logRecordSchema.parse(JSON.parse(line)));
    const calls = records.filter((r) => r.msg === 'erp call' || r.msg === 'erp call failed').map((r) => callRecordSchema.parse(r));
    expect(calls.length).toBeGreaterThanOrEqual(hits);
    expect(calls).toContainEqual(
      expect.objectContaining({ method: 'GET', path: '/api/resource/Item/SRV-CONSULT', status: 200, attempt: 1 }),
    );
    expect(calls).toContainEqual(expect.objectContaining({ path: '/api/resource/Item/SLOW', status: null, attempt: 2 }));
    expect(calls).toContainEqual(expect.objectContaining({ path: '/api/method/login', status: 401 }));
    expect(records.filter((r) => r.msg === 'ERP call failed')).toHaveLength(failures.length);
  });
});
