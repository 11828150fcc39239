import { z } from 'zod';
import {
  ErpAuthenticationError,
  ErpDuplicateError,
  ErpNotFoundError,
  ErpPermissionError,
  ErpRateLimitedError,
  ErpServerError,
  ErpTimestampMismatchError,
  ErpUnavailableError,
  ErpValidationError,
} from '../../../sidecar/src/erp/errors';
import { createCustomer, createServiceItem, erpForThisFile, rejection, unique } from './support';

const erp = erpForThisFile();

describe('each error class from a real request', () => {
  it('not found: a document that does not exist', async () => {
    const error = await rejection(erp.adapter().getDoc('Item', 'NO-SUCH-ITEM'));
    expect(error).toBeInstanceOf(ErpNotFoundError);
    expect(error).toMatchObject({ status: 404, excType: 'DoesNotExistError', isRetryable: false });
    expect((error as Error).message).toBe('ERP refused Item NO-SUCH-ITEM: Item NO-SUCH-ITEM not found');
  });

  it('permission: a user without roles reading invoices', async () => {
    const admin = erp.adapter();
    const email = `member-${unique().toLowerCase()}@example.org`;
    await admin.insert('User', { email, first_name: 'Restricted', send_welcome_email: 0 });
    const { api_secret: apiSecret } = await admin.call(
      'frappe.core.doctype.user.user.generate_keys',
      { user: email },
      { http: 'POST', schema: z.object({ api_secret: z.string().min(1) }) },
    );
    const keys = await admin.getValue('User', email, ['api_key'], { schema: z.object({ api_key: z.string().min(1) }) });
    const restricted = erp.adapter({ apiKey: keys?.api_key ?? '', apiSecret });

    await expect(restricted.getLoggedUser()).resolves.toBe(email);
    const error = await rejection(restricted.list('Sales Invoice', { limitPageLength: 5 }));
    expect(error).toBeInstanceOf(ErpPermissionError);
    expect(error).toMatchObject({ status: 403, excType: 'PermissionError', sessionExpired: false });
  });

  it('authentication: a valid key with a wrong secret, not retried', async () => {
    const error = await rejection(erp.adapter({ apiSecret: 'not-the-secret' }).getLoggedUser());
    expect(error).toBeInstanceOf(ErpAuthenticationError);
    expect(error).toMatchObject({ status: 401, attempts: 1 });
    expect(erp.emulator.counters.total()).toBe(1);
  });

  it('validation: a missing mandatory field, named', async () => {
    const error = await rejection(
      erp.adapter().insert('Item', { item_code: `SRV-${unique()}`, item_name: 'No group', stock_uom: 'Hour', is_stock_item: 0 }),
    );
    expect(error).toBeInstanceOf(ErpValidationError);
    expect(error).toMatchObject({ status: 417, excType: 'MandatoryError', kind: 'mandatory', fields: ['item_group'] });
    expect((error as Error).message).toBe('ERP refused a new Item: Error: Value missing for Item: Item Group');
  });

  it('validation: a link to a record that does not exist', async () => {
    const error = await rejection(
      erp.adapter().insert('Item', {
        item_code: `SRV-${unique()}`,
        item_name: 'Bad link',
        item_group: 'No Such Group',
        stock_uom: 'Nos',
        is_stock_item: 0,
      }),
    );
    expect(error).toBeInstanceOf(ErpValidationError);
    expect(error).toMatchObject({ excType: 'LinkValidationError', kind: 'link' });
    expect((error as Error).message).toContain('Could not find Item Group: No Such Group');
  });

  it('duplicate: the same item code twice', async () => {
    const code = `SRV-${unique()}`;
    await createServiceItem(erp.adapter(), code);
    const error = await rejection(createServiceItem(erp.adapter(), code));
    expect(error).toBeInstanceOf(ErpDuplicateError);
    expect(error).toMatchObject({ status: 409, excType: 'DuplicateEntryError' });
    expect((error as Error).message).toBe(`ERP refused a new Item: Item ${code} already exists`);
  });

  it('timestamp mismatch: an update based on a stale read', async () => {
    const admin = erp.adapter();
    const name = await createCustomer(admin, `Stale ${unique()}`);
    const read = await admin.getDoc('Customer', name);
    await admin.update('Customer', name, { website: 'https://one.example' }, { modified: read.modified });
    const error = await rejection(admin.update('Customer', name, { website: 'https://two.example' }, { modified: read.modified }));
    expect(error).toBeInstanceOf(ErpTimestampMismatchError);
    expect(error).toMatchObject({ status: 417, excType: 'TimestampMismatchError' });
    const kept = await admin.getDoc('Customer', name, { schema: z.looseObject({ website: z.string() }) });
    expect(kept.website).toBe('https://one.example');
  });

  it('rate limited: Retry-After is waited and the call then succeeds', async () => {
    const code = `SRV-${unique()}`;
    await createServiceItem(erp.adapter(), code);
    erp.emulator.counters.reset();
    erp.emulator.faults.add({ match: { path: `/api/resource/Item/${code}` }, action: { kind: 'rateLimit', retryAfterSeconds: 3 }, times: 1 });
    const item = await erp.adapter().getDoc('Item', code);
    expect(item.name).toBe(code);
    expect(erp.sleeps).toEqual([3000]);
    expect(erp.emulator.counters.total()).toBe(2);
  });

  it('rate limited: a wait beyond the cap is handed back with retryAfterMs', async () => {
    erp.emulator.faults.add({ match: { path: '/api/resource/Item' }, action: { kind: 'rateLimit', retryAfterSeconds: 120 } });
    const error = await rejection(erp.adapter({ retry: { maxRetryAfterMs: 30_000 } }).getDoc('Item', 'ANY'));
    expect(error).toBeInstanceOf(ErpRateLimitedError);
    expect(error).toMatchObject({ status: 429, retryAfterMs: 120_000, attempts: 1 });
    expect(erp.sleeps).toEqual([]);
  });

  it.each([502, 503, 504] as const)('unavailable: HTTP %i from the gateway', async (status) => {
    erp.emulator.faults.add({ match: { path: '/api/resource/Item' }, action: { kind: 'status', status } });
    const error = await rejection(erp.adapter({ retry: { maxAttempts: 2 } }).getDoc('Item', 'ANY'));
    expect(error).toBeInstanceOf(ErpUnavailableError);
    expect(error).toMatchObject({ status, reason: 'status', isRetryable: true, attempts: 2 });
    expect(erp.emulator.counters.total()).toBe(2);
  });

  it('unavailable: the connection is reset', async () => {
    erp.emulator.faults.add({ match: { path: '/api/resource/Item' }, action: { kind: 'reset' } });
    const error = await rejection(erp.adapter({ retry: { maxAttempts: 1 } }).getDoc('Item', 'ANY'));
    expect(error).toBeInstanceOf(ErpUnavailableError);
    expect(error).toMatchObject({ status: null, reason: 'network' });
  });

  it('unavailable: no answer within the timeout', async () => {
    erp.emulator.faults.add({ match: { path: '/api/resource/Item' }, action: { kind: 'timeout' } });
    const error = await rejection(erp.adapter({ timeoutMs: 300, retry: { maxAttempts: 1 } }).getDoc('Item', 'ANY'));
    expect(error).toBeInstanceOf(ErpUnavailableError);
    expect(error).toMatchObject({ status: null, reason: 'timeout' });
    expect((error as Error).message).toBe('ERP did not answer Item ANY (GET /api/resource/Item/ANY) within 300 ms');
  });

  it('server error: a 500 that fails every time (unknown DocType: ImportError) is not retried', async () => {
    const error = await rejection(erp.adapter().getDoc('No Such Doctype', 'ANY'));
    expect(error).toBeInstanceOf(ErpServerError);
    expect(error).toMatchObject({ status: 500, excType: 'ImportError', attempts: 1 });
    expect(erp.emulator.counters.total()).toBe(1);
  });

  it('server error: a lost database connection (500 OperationalError 2013) is retried on a read, not on an insert', async () => {
    const item = await createServiceItem(erp.adapter(), `SRV-${unique()}`);
    erp.emulator.counters.reset();
    erp.emulator.faults.add({ match: { path: '/api/resource/Item' }, action: { kind: 'status', status: 500 }, times: 2 });
    const read = await erp.adapter().getDoc('Item', item);
    expect(read.name).toBe(item);
    expect(erp.emulator.counters.total()).toBe(3);

    erp.emulator.counters.reset();
    erp.emulator.faults.add({ match: { method: 'POST', path: '/api/resource/Customer' }, action: { kind: 'status', status: 500 } });
    const error = await rejection(erp.adapter().insert('Customer', { customer_name: `Lost ${unique()}`, customer_type: 'Company' }));
    expect(error).toMatchObject({ status: 500, excType: 'OperationalError', attempts: 1 });
    expect(erp.emulator.counters.total()).toBe(1);
  });
});
