import { z } from 'zod';
import { ErpAuthenticationError, ErpValidationError } from '../../../sidecar/src/erp/errors';
import { frappeDocSchema } from '../../../sidecar/src/erp/port';
import { createCustomer, createServiceItem, erpForThisFile, rejection, unique } from './support';

const erp = erpForThisFile();

const customerRowSchema = z.object({ name: z.string(), customer_name: z.string(), customer_type: z.string() });

describe('lists and paging', () => {
  const prefix = `Bulk ${unique()}`;
  const names = Array.from({ length: 45 }, (_, i) => `${prefix} ${String(i).padStart(2, '0')}`);

  beforeAll(async () => {
    // Inserted in reverse so that the order of the answers comes from the sort, not from insertion.
    const created = await erp
      .adapter()
      .insertMany('Customer', [...names].reverse().map((customer_name) => ({ customer_name, customer_type: 'Company' })));
    expect(created).toEqual([...names].reverse());
  });

  it('listAll returns all 45 customers through pages of 20', async () => {
    erp.emulator.counters.reset();
    const rows = await erp.adapter().listAll('Customer', {
      fields: ['name', 'customer_name', 'customer_type'],
      filters: [['customer_name', 'like', `${prefix}%`]],
      pageSize: 20,
      schema: customerRowSchema,
    });
    expect(rows.map((r) => r.name)).toEqual(names);
    expect(erp.emulator.counters.total()).toBe(3);
  });

  it('list returns the page it is asked for', async () => {
    const rows = await erp.adapter().list('Customer', {
      fields: ['name'],
      filters: [['customer_name', 'like', `${prefix}%`]],
      orderBy: { field: 'name', order: 'desc' },
      limitStart: 20,
      limitPageLength: 10,
    });
    expect(rows).toEqual([...names].reverse().slice(20, 30).map((name) => ({ name })));
  });

  it('or filters and the in operator', async () => {
    const rows = await erp.adapter().list('Customer', {
      fields: ['name'],
      filters: [['name', 'in', [names[0] ?? '', names[1] ?? '', names[2] ?? '']]],
      orFilters: [
        ['name', '=', names[0] ?? ''],
        ['name', '=', names[2] ?? ''],
      ],
      orderBy: { field: 'name', order: 'asc' },
      limitPageLength: 10,
    });
    expect(rows).toEqual([{ name: names[0] }, { name: names[2] }]);
  });

  it('count agrees with the list', async () => {
    await expect(erp.adapter().count('Customer', { filters: [['customer_name', 'like', `${prefix}%`]] })).resolves.toBe(45);
  });

  it('insertMany is all or nothing', async () => {
    const before = await erp.adapter().count('Customer');
    const error = await rejection(
      erp.adapter().insertMany('Customer', [{ customer_name: `Fine ${unique()}`, customer_type: 'Company' }, { customer_type: 'Company' }]),
    );
    expect(error).toBeInstanceOf(ErpValidationError);
    expect(error).toMatchObject({ kind: 'mandatory' });
    await expect(erp.adapter().count('Customer')).resolves.toBe(before);
  });
});

describe('documents', () => {
  it('reads, updates, sets values and reads single values', async () => {
    const admin = erp.adapter();
    const code = `SRV-${unique()}`;
    await createServiceItem(admin, code, 90);
    const schema = frappeDocSchema.extend({ item_code: z.string(), standard_rate: z.number(), description: z.string().optional() });

    const item = await admin.getDoc('Item', code, { schema });
    expect(item).toMatchObject({ name: code, doctype: 'Item', docstatus: 0, standard_rate: 90 });

    const updated = await admin.update('Item', code, { description: 'Two hours' }, { modified: item.modified, schema });
    expect(updated.description).toBe('Two hours');

    const set = await admin.setValue('Item', code, { item_name: 'Renamed' });
    expect(set.item_name).toBe('Renamed');

    await expect(admin.getValue('Item', code, ['item_name', 'description'])).resolves.toEqual({
      item_name: 'Renamed',
      description: 'Two hours',
    });
    await expect(admin.getValue('Item', [['item_code', '=', code]], ['name'])).resolves.toEqual({ name: code });
    await expect(admin.getValue('Item', 'NO-SUCH-ITEM', ['item_name'])).resolves.toBeNull();
  });

  it('submits and cancels a sales invoice', async () => {
    const admin = erp.adapter();
    const code = `SRV-${unique()}`;
    await createServiceItem(admin, code);
    const customer = await createCustomer(admin, `Invoiced ${unique()}`);
    const invoiceSchema = frappeDocSchema.extend({ status: z.string(), grand_total: z.number(), outstanding_amount: z.number() });
    const draft = await admin.insert('Sales Invoice', { customer, items: [{ item_code: code, qty: 2, rate: 120 }] }, { schema: invoiceSchema });
    expect(draft).toMatchObject({ docstatus: 0, status: 'Draft', grand_total: 240 });

    const submitted = await admin.submit('Sales Invoice', draft.name, { modified: draft.modified, schema: invoiceSchema });
    expect(submitted).toMatchObject({ docstatus: 1, status: 'Unpaid', outstanding_amount: 240 });

    const cancelled = await admin.cancel('Sales Invoice', draft.name, { schema: invoiceSchema });
    expect(cancelled).toMatchObject({ docstatus: 2, status: 'Cancelled' });
  });

  it('refuses to submit twice with a stale modified', async () => {
    const admin = erp.adapter();
    const code = `SRV-${unique()}`;
    await createServiceItem(admin, code);
    const customer = await createCustomer(admin, `Twice ${unique()}`);
    const draft = await admin.insert('Sales Invoice', { customer, items: [{ item_code: code, qty: 1, rate: 50 }] });
    await admin.submit('Sales Invoice', draft.name, { modified: draft.modified });
    const error = await rejection(admin.submit('Sales Invoice', draft.name, { modified: draft.modified }));
    expect(error).toMatchObject({ excType: 'TimestampMismatchError' });
  });

  it('deletes a draft', async () => {
    const admin = erp.adapter();
    const name = await createCustomer(admin, `Short Lived ${unique()}`);
    await admin.delete('Customer', name);
    await expect(admin.getValue('Customer', name, ['name'])).resolves.toBeNull();
  });

  it('calls whitelisted methods by GET and POST', async () => {
    const admin = erp.adapter();
    const count = await admin.call('frappe.client.get_count', { doctype: 'Item Group' }, { http: 'GET', schema: z.number() });
    expect(count).toBeGreaterThan(0);
    const doc = await admin.call(
      'frappe.client.get',
      { doctype: 'Company', name: 'Ref Company' },
      { http: 'POST', idempotent: true, schema: frappeDocSchema.extend({ default_currency: z.string() }) },
    );
    expect(doc).toMatchObject({ name: 'Ref Company', default_currency: 'EUR' });
  });

  it('knows who the API key belongs to', async () => {
    await expect(erp.adapter().getLoggedUser()).resolves.toBe('Administrator');
  });
});

describe('verifyUserCredentials', () => {
  const email = `ada-${unique().toLowerCase()}@example.org`;
  const password = `Pw-${unique()}-long-enough`;

  beforeAll(async () => {
    await erp.adapter().insert('User', { email, first_name: 'Ada', last_name: 'Lovelace', new_password: password, send_welcome_email: 0 });
  });

  it('accepts the right password and names the user', async () => {
    await expect(erp.adapter().verifyUserCredentials(email, password)).resolves.toEqual({
      ok: true,
      user: email,
      fullName: 'Ada Lovelace',
    });
  });

  it.each([
    ['a wrong password', () => email, 'wrong-password'],
    ['an unknown user', () => 'nobody@example.org', 'whatever'],
  ])('refuses %s with a typed failure', async (_label, user, pwd) => {
    const check = await erp.adapter().verifyUserCredentials(user(), pwd);
    expect(check.ok).toBe(false);
    if (!check.ok) {
      expect(check.error).toBeInstanceOf(ErpAuthenticationError);
      expect(check.error.status).toBe(401);
    }
  });

  it('logs its session out', async () => {
    erp.emulator.counters.reset();
    await erp.adapter().verifyUserCredentials(email, password);
    expect(Object.keys(erp.emulator.counters.snapshot()).sort()).toEqual(
      ['GET /api/method/frappe.auth.get_logged_user', 'GET /api/method/logout', 'POST /api/method/login'].sort(),
    );
  });
});
