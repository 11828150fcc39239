import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startEmulator, type EmulatorHandle } from '../../emulator/src/index';
import { at, call, ok } from './support';

let dir: string;

beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'emulator-data-'));
});

afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

const admin = { apiKey: 'persistkey00001', apiSecret: 'persistsecret01', password: 'persist-password' };

test('the whole site survives a restart from its data file', async () => {
  const dataFile = path.join(dir, 'site.json');
  const first = await startEmulator({ dataFile, admin, randomSeed: 9 });
  await call(first, 'POST', '/api/resource/Customer', { body: { customer_name: 'Durable SARL', customer_type: 'Company', customer_group: 'Commercial', territory: 'France' } });
  await call(first, 'POST', '/api/resource/Item', { body: { item_code: 'ROOM-HOUR', item_group: 'Services', stock_uom: 'Hour', is_stock_item: 0, standard_rate: 25 } });
  const invoice = await call(first, 'POST', '/api/resource/Sales Invoice', { body: { customer: 'Durable SARL', items: [{ item_code: 'ROOM-HOUR', qty: 2 }] } });
  const invoiceName = String(at(invoice.json, 'data.name'));
  expect((await call(first, 'PUT', `/api/resource/Sales Invoice/${invoiceName}`, { body: { docstatus: 1 } })).status).toBe(200);
  const doctype = await call(first, 'POST', '/api/resource/DocType', {
    body: {
      name: 'Door Log',
      module: 'Custom',
      custom: 1,
      autoname: 'format:DOOR-{#####}',
      fields: [{ fieldname: 'badge', label: 'Badge', fieldtype: 'Data', reqd: 1 }],
      permissions: [{ role: 'System Manager', read: 1, write: 1, create: 1, delete: 1 }],
    },
  });
  expect(doctype.status).toBe(200);
  await call(first, 'POST', '/api/resource/Door Log', { body: { badge: 'B-001' } });
  const field = await call(first, 'POST', '/api/resource/Custom Field', { body: { dt: 'Customer', label: 'Badge Number', fieldtype: 'Data' } });
  expect(field.status).toBe(200);
  const login = await call(first, 'POST', '/api/method/login', { auth: null, body: { usr: 'Administrator', pwd: admin.password } });
  const sid = /sid=([0-9a-f]{56})/.exec(login.headers.get('set-cookie') ?? '')?.[1] ?? '';
  expect(sid).not.toBe('');
  await first.close();

  expect(existsSync(dataFile)).toBe(true);
  expect(readdirSync(dir)).toEqual(['site.json']);
  expect(() => JSON.parse(readFileSync(dataFile, 'utf8')) as unknown).not.toThrow();

  const second = await startEmulator({ dataFile, admin });
  try {
    expect(at((await call(second, 'GET', '/api/resource/Customer/Durable SARL')).json, 'data.customer_group')).toBe('Commercial');
    const reread = await call(second, 'GET', `/api/resource/Sales Invoice/${invoiceName}`);
    expect(at(reread.json, 'data.status')).toBe('Unpaid');
    expect(at(reread.json, 'data.grand_total')).toBe(50);
    const next = await call(second, 'POST', '/api/resource/Sales Invoice', { body: { customer: 'Durable SARL', items: [{ item_code: 'ROOM-HOUR', qty: 1 }] } });
    expect(String(at(next.json, 'data.name'))).toBe(invoiceName.replace(/\d{5}$/, (n) => String(Number(n) + 1).padStart(5, '0')));
    const log = await call(second, 'POST', '/api/resource/Door Log', { body: { badge: 'B-002' } });
    expect(log.status).toBe(200);
    expect(at(log.json, 'data.name')).toBe('DOOR-00002');
    const withField = await call(second, 'PUT', '/api/resource/Customer/Durable SARL', { body: { custom_badge_number: 'B-42' } });
    expect(at(withField.json, 'data.custom_badge_number')).toBe('B-42');
    const session = await call(second, 'GET', '/api/method/frappe.auth.get_logged_user', { auth: null, cookie: `sid=${sid}` });
    expect(session.json).toEqual({ message: 'Administrator' });
  } finally {
    await second.close();
  }
});

test('a restored site serves the same meta for a Custom Field as the site that added it', async () => {
  const dataFile = path.join(dir, 'site.json');
  const fieldOf = async (emu: EmulatorHandle) => {
    const meta = ok(await call(emu, 'GET', '/api/v2/doctype/Customer/meta'));
    return (meta.fields as Record<string, unknown>[]).find((f) => f.fieldname === 'custom_badge_number');
  };
  const first = await startEmulator({ dataFile, admin });
  let fresh: Record<string, unknown> | undefined;
  try {
    expect((await call(first, 'POST', '/api/resource/Custom Field', { body: { dt: 'Customer', label: 'Badge Number', fieldtype: 'Data' } })).status).toBe(200);
    fresh = await fieldOf(first);
    expect(fresh).toMatchObject({ fieldtype: 'Data', is_custom_field: 1 });
  } finally {
    await first.close();
  }
  const second = await startEmulator({ dataFile, admin });
  try {
    expect(await fieldOf(second)).toEqual(fresh);
  } finally {
    await second.close();
  }
});

test('restarting with other admin credentials re-keys the Administrator', async () => {
  const dataFile = path.join(dir, 'site.json');
  const first = await startEmulator({ dataFile, admin });
  await first.close();
  const second = await startEmulator({ dataFile, admin: { apiKey: 'otherkey0000001', apiSecret: 'othersecret0001' } });
  try {
    expect((await call(second, 'GET', '/api/method/frappe.auth.get_logged_user')).json).toEqual({ message: 'Administrator' });
    const old = await call(second, 'GET', '/api/method/frappe.auth.get_logged_user', { auth: `token ${admin.apiKey}:${admin.apiSecret}` });
    expect(old.status).toBe(401);
  } finally {
    await second.close();
  }
});

test('a data file that is not a snapshot is refused with its name', async () => {
  const dataFile = path.join(dir, 'broken.json');
  writeFileSync(dataFile, '{"tables": 3}');
  await expect(startEmulator({ dataFile })).rejects.toThrow(`Emulator data file ${dataFile} is not a creneau-frappe-emulator/1 snapshot`);
});
