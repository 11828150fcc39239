import { cpSync, existsSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { z } from 'zod';
import { freePort } from '../../scripts/src/lib/redis-server';
import { runInstallerCli } from '../../sidecar/src/addon/cli';
import { ADDON_APP_DIR, addonDocTypeRoot, loadAddonDefinitions } from '../../sidecar/src/addon/definitions';
import { runInstall } from '../../sidecar/src/addon/installer';
import { createFrappeAdapter, ErpNotFoundError, type ErpPort } from '../../sidecar/src/erp';
import { openTarget, type Target } from './site';
import { startEmulator } from '../emulator/src/index';

/**
 * `npm run erp:install` / `erp:uninstall` as a manager runs them, against the emulator (a fresh
 * site per test) or, when FRAPPE_URL, FRAPPE_API_KEY and FRAPPE_API_SECRET are set, against that
 * real site, which each test first clears with `erp:uninstall --force` and leaves cleared.
 */

const REMOTE = (process.env.FRAPPE_URL ?? '') !== '';
const SIDECAR_URL = 'http://127.0.0.1:9/creneau';
const ITEM = 'CRN-IT-ROOM';

let site: Target;
let port: ErpPort;
let workdir: string;
const place = REMOTE ? 'installer-test' : 'lab';

interface Run {
  code: number;
  out: string[];
  err: string[];
}

const silent = new Writable({ write: (_chunk, _encoding, done) => done() });

async function cli(command: 'install' | 'uninstall', extra: string[] = [], credentials = { apiKey: site.apiKey, apiSecret: site.apiSecret }, url = site.url): Promise<Run> {
  const out: string[] = [];
  const err: string[] = [];
  const args = ['--url', url, '--api-key', credentials.apiKey, '--api-secret', credentials.apiSecret, '--place', place, '--secrets-file', join(workdir, 'secrets.json'), ...extra];
  if (command === 'install') args.push('--sidecar-url', SIDECAR_URL);
  const code = await runInstallerCli(command, args, {}, { out: (line) => out.push(line), err: (line) => err.push(line), logDestination: silent }, workdir);
  return { code, out, err };
}

const secrets = (): Record<string, { webhookSecret?: string }> => JSON.parse(readFileSync(join(workdir, 'secrets.json'), 'utf8')) as Record<string, { webhookSecret?: string }>;

async function exists(doctype: string, name: string): Promise<boolean> {
  try {
    await port.getDoc(doctype, name);
    return true;
  } catch (error) {
    if (error instanceof ErpNotFoundError) return false;
    throw error;
  }
}

const DocTypeRecord = z.looseObject({
  name: z.string(),
  custom: z.number(),
  module: z.string(),
  modified: z.string(),
  fields: z.array(z.looseObject({ fieldname: z.string(), fieldtype: z.string(), unique: z.number().optional(), reqd: z.number().optional() })),
});
const WebhookRow = z.looseObject({ name: z.string(), webhook_doctype: z.string(), request_url: z.string() });

async function ourWebhooks(): Promise<z.infer<typeof WebhookRow>[]> {
  return port.listAll('Webhook', { filters: [['name', 'like', `Creneau ${place}: %`]], fields: ['name', 'webhook_doctype', 'request_url'], schema: WebhookRow });
}

/** A room to book, on an Item of its own: proves the DocType holds records. */
async function addResource(): Promise<void> {
  if (!(await exists('Item', ITEM))) {
    await port.insert('Item', { item_code: ITEM, item_name: 'Salle Jupiter (installer test)', item_group: 'Services', stock_uom: 'Hour', is_stock_item: 0 });
  }
  await port.insert('Creneau Resource', {
    resource_name: 'Salle Jupiter',
    item: ITEM,
    kind: 'Room',
    capacity: 1,
    opening_hours: [{ weekday: 'Monday', from_time: '09:00:00', to_time: '18:00:00' }],
  });
}

/**
 * The real site, or a fresh emulator that keeps Webhook deliveries for the test to send: the
 * sidecar URL the Webhooks point at is not served here, and a delivery that fails leaves a
 * Webhook Request Log which the emulator (unlike Frappe v15, whose ignore_links_on_delete lists
 * Webhook Request Log) counts as a link that forbids deleting the Webhook.
 */
async function openSite(): Promise<Target> {
  if (REMOTE) return openTarget();
  const handle = await startEmulator({ webhookDelivery: 'manual' });
  return { kind: 'emulator', url: handle.url, user: handle.admin.user, apiKey: handle.admin.apiKey, apiSecret: handle.admin.apiSecret, password: handle.admin.password, close: () => handle.close() };
}

beforeEach(async () => {
  site = await openSite();
  port = createFrappeAdapter({ url: site.url, apiKey: site.apiKey, apiSecret: site.apiSecret, timeoutMs: 30_000 });
  workdir = mkdtempSync(join(tmpdir(), 'creneau-installer-'));
  if (REMOTE) {
    const reset = await cli('uninstall', ['--force']);
    if (reset.code !== 0) throw new Error(`cannot clear ${site.url} of the add-on before the test:\n${reset.err.join('\n')}`);
  }
});

afterEach(async () => {
  if (REMOTE) {
    await cli('uninstall', ['--force']);
    if (await exists('Item', ITEM)) await port.delete('Item', ITEM);
  }
  await site.close();
});

describe(`erp:install against ${REMOTE ? process.env.FRAPPE_URL ?? '' : 'the emulator'}`, () => {
  it('installs on a site without the add-on, then a second run changes nothing', async () => {
    const first = await cli('install');
    expect(first.err).toEqual([]);
    expect(first.code).toBe(0);
    expect(first.out).toEqual(
      expect.arrayContaining([expect.stringMatching(/^\[\d+\/\d+\] \+ DocType Creneau Booking \(\d+ fields\)$/), expect.stringMatching(/^\[\d+\/\d+\] \+ Custom Field Customer-creneau_badge_id \(Data\)$/)]),
    );
    const progress = first.out.filter((line) => /^\[\d+\/\d+\] /.test(line));
    expect(progress.length).toBeGreaterThan(20);
    expect(progress.at(-1)).toMatch(new RegExp(`^\\[${String(progress.length)}/${String(progress.length)}\\] `));
    expect(first.out.at(-1)).toBe(`Done: ${String(progress.length)} changes written.`);

    const booking = await port.getDoc('DocType', 'Creneau Booking', { schema: DocTypeRecord });
    expect(booking).toMatchObject({ custom: 1, module: 'Creneau' });
    expect(booking.fields.find((field) => field.fieldname === 'external_id')).toMatchObject({ fieldtype: 'Data', unique: 1, reqd: 0, read_only: 1 });
    expect(await exists('Custom Field', 'Customer-creneau_badge_id')).toBe(true);
    expect(await exists('Custom Field', 'Sales Invoice Item-creneau_booking')).toBe(true);
    expect(await exists('Role', 'Creneau Manager')).toBe(true);
    expect(await exists('UOM', 'Half Day')).toBe(true);
    const webhooks = await ourWebhooks();
    expect(webhooks).toHaveLength(16);
    for (const webhook of webhooks) expect(webhook.request_url).toBe(`${SIDECAR_URL}/erp/webhooks/${place}`);

    // The secret is the sidecar's: in its secrets file, readable by its owner only, never printed.
    const secret = secrets()[place]?.webhookSecret ?? '';
    expect(secret.length).toBeGreaterThanOrEqual(32);
    expect(statSync(join(workdir, 'secrets.json')).mode & 0o777).toBe(0o600);
    expect([...first.out, ...first.err].join('\n')).not.toContain(secret);

    await addResource();

    const second = await cli('install');
    expect(second).toEqual({ code: 0, err: [], out: [expect.stringMatching(/^Reading /), 'Nothing to change: the ERP already has everything the add-on needs.'] });
    expect((await port.getDoc('DocType', 'Creneau Booking', { schema: DocTypeRecord })).modified).toBe(booking.modified);
    expect(secrets()[place]?.webhookSecret).toBe(secret);
  });

  it('prints the difference with --dry-run and writes nothing', async () => {
    const dry = await cli('install', ['--dry-run']);
    expect(dry.code).toBe(0);
    expect(dry.out).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^\+ DocType Creneau Resource \(\d+ fields\)$/),
        '+ UOM Half Day',
        `+ Webhook "Creneau ${place}: Sales Invoice on_submit" → ${SIDECAR_URL}/erp/webhooks/${place}`,
        expect.stringMatching(/^Dry run: \d+ changes not written\.$/),
        `A new webhook secret would be written to ${join(workdir, 'secrets.json')}.`,
      ]),
    );
    expect(dry.out.some((line) => /^\[\d+\//.test(line))).toBe(false);
    expect(await exists('DocType', 'Creneau Resource')).toBe(false);
    expect(await exists('Custom Field', 'Customer-creneau_badge_id')).toBe(false);
    expect(await ourWebhooks()).toEqual([]);
    expect(existsSync(join(workdir, 'secrets.json'))).toBe(false);
  });

  it('upgrades a site after a field is added to a DocType file, keeping its records', async () => {
    expect((await cli('install')).code).toBe(0);
    await addResource();

    const appDir = join(mkdtempSync(join(tmpdir(), 'creneau-app-')), 'creneau');
    cpSync(ADDON_APP_DIR, appDir, { recursive: true });
    const file = join(appDir, 'creneau', 'doctype', 'creneau_resource', 'creneau_resource.json');
    const json = JSON.parse(readFileSync(file, 'utf8')) as { fields: Record<string, unknown>[]; field_order: string[] };
    const at = json.fields.findIndex((field) => field.fieldname === 'description');
    json.fields.splice(at + 1, 0, { fieldname: 'floor', fieldtype: 'Data', label: 'Floor' });
    json.field_order = json.fields.map((field) => String(field.fieldname));
    writeFileSync(file, JSON.stringify(json, null, 1));

    const out: string[] = [];
    const upgrade = { port, erpUrl: site.url, place, sidecarUrl: SIDECAR_URL, secretsFile: join(workdir, 'secrets.json'), definitions: loadAddonDefinitions(appDir), print: (line: string) => out.push(line) };
    const result = await runInstall({ ...upgrade, dryRun: false });
    expect(result.written).toBe(1);
    expect(out.slice(-4)).toEqual(['Writing 1 change to ' + site.url + ':', '[1/1] ~ DocType Creneau Resource', '    + field floor (Data)', 'Done: 1 change written.']);

    const resource = await port.getDoc('DocType', 'Creneau Resource', { schema: DocTypeRecord });
    const names = resource.fields.map((field) => field.fieldname);
    expect(names).toContain('floor');
    expect(names.indexOf('floor')).toBe(names.indexOf('description') + 1);
    const updated = await port.update('Creneau Resource', 'Salle Jupiter', { floor: '2e étage' });
    expect(updated).toMatchObject({ name: 'Salle Jupiter', floor: '2e étage', item: ITEM, capacity: 1 });

    out.length = 0;
    expect((await runInstall({ ...upgrade, dryRun: false })).written).toBe(0);
    expect(out.at(-1)).toBe('Nothing to change: the ERP already has everything the add-on needs.');
  });

  it('explains in one line that the ERP is unreachable', async () => {
    const closed = await freePort();
    const run = await cli('install', [], undefined, `http://127.0.0.1:${String(closed)}`);
    expect(run.code).toBe(1);
    expect(run.err).toHaveLength(1);
    expect(run.err[0]).toMatch(new RegExp(`^ERP unreachable at http://127\\.0\\.0\\.1:${String(closed)} while trying to read what the ERP has: `));
  });

  it('explains in one line that the ERP refused the credentials', async () => {
    const run = await cli('install', [], { apiKey: site.apiKey, apiSecret: 'not-the-secret' });
    expect(run.code).toBe(1);
    expect(run.err).toEqual([`The ERP at ${site.url} refused the API key and secret while trying to read what the ERP has: check --api-key/--api-secret (or ERP_API_KEY/ERP_API_SECRET).`]);
  });

  it('names the permission the API user lacks, and writes nothing', async () => {
    const email = `creneau-installer-${String(process.pid)}@example.com`;
    const credentials = { apiKey: `crn${String(process.pid)}key`, apiSecret: `crn${String(process.pid)}secret0123456789` };
    if (await exists('User', email)) await port.delete('User', email);
    await port.insert('User', {
      email,
      first_name: 'Installer',
      send_welcome_email: 0,
      api_key: credentials.apiKey,
      api_secret: credentials.apiSecret,
      // Enough for DocTypes, Custom Fields and Webhooks, not for units (Item Manager).
      roles: [{ role: 'System Manager' }],
    });
    try {
      const run = await cli('install', [], credentials);
      expect(run.code).toBe(1);
      // Units are Item Manager's: System Manager may neither read nor create them on ERPNext.
      expect(run.err[0]).toBe(`Permission missing: the API user ${email} may not read UOM; give it one of these roles: Item Manager.`);
      for (const line of run.err) expect(line).toMatch(/^Permission missing: the API user \S+ may not read UOM( Category)?; give it one of these roles: Item Manager\.$/);
      expect(await exists('DocType', 'Creneau Resource')).toBe(false);
    } finally {
      await port.delete('User', email);
    }
  });

  it('refuses a DocType of the same name with an incompatible field, and writes nothing', async () => {
    await port.insert('DocType', {
      name: 'Creneau Closure',
      module: 'Custom',
      custom: 1,
      istable: 1,
      fields: [{ fieldname: 'starts_at', fieldtype: 'Data', label: 'Closed From' }],
    });
    const run = await cli('install');
    expect(run.code).toBe(1);
    expect(run.err).toEqual([
      'DocType Creneau Closure exists with an incompatible field: starts_at is Data in the ERP, Datetime in the add-on. Change or remove that field in the ERP (Customize Form), then run the installer again.',
    ]);
    expect(await exists('DocType', 'Creneau Resource')).toBe(false);
    expect(await ourWebhooks()).toEqual([]);
  });
});

describe(`erp:uninstall against ${REMOTE ? process.env.FRAPPE_URL ?? '' : 'the emulator'}`, () => {
  it('refuses while the add-on holds records, removes everything with --force, then has nothing left to do', async () => {
    expect((await cli('install')).code).toBe(0);
    await addResource();

    const refused = await cli('uninstall');
    expect(refused.code).toBe(1);
    expect(refused.err).toEqual([
      'Refusing to uninstall while records exist (Creneau Resource holds 1 record): export them first, or run again with --force to delete them.',
    ]);
    expect(await exists('DocType', 'Creneau Resource')).toBe(true);

    const forced = await cli('uninstall', ['--force']);
    expect(forced.err).toEqual([]);
    expect(forced.code).toBe(0);
    expect(forced.out).toEqual(expect.arrayContaining(['--force: deleting although Creneau Resource holds 1 record.'.replace(/^/, 'note: ')]));
    for (const doctype of loadAddonDefinitions().doctypes) expect([doctype.name, await exists('DocType', doctype.name)]).toEqual([doctype.name, false]);
    expect(await exists('Custom Field', 'Customer-creneau_badge_id')).toBe(false);
    expect(await ourWebhooks()).toEqual([]);
    expect(secrets()[place]).toBeUndefined();
    // What the place had before stays: its Item, and the units that ship with ERPNext.
    expect(await exists('Item', ITEM)).toBe(true);
    expect(await exists('UOM', 'Hour')).toBe(true);

    const again = await cli('uninstall');
    expect(again).toEqual({ code: 0, err: [], out: [expect.stringMatching(/^Reading /), 'Nothing to remove: the ERP holds nothing of the add-on.'] });
  });
});

describe('erp:install on a site where the app is installed with bench', () => {
  // An emulator of its own, even in real-site mode: it loads the same DocType files as an installed
  // app, the way `bench install-app` does.
  it('leaves the DocTypes to bench and adds only what bench does not (Custom Fields, units, Webhooks)', async () => {
    const handle = await startEmulator({ webhookDelivery: 'manual', addonDocTypeDirs: [addonDocTypeRoot()] });
    const benchSite: Target = { ...site, url: handle.url, apiKey: handle.admin.apiKey, apiSecret: handle.admin.apiSecret };
    try {
      const credentials = { apiKey: benchSite.apiKey, apiSecret: benchSite.apiSecret };
      const dry = await cli('install', ['--dry-run'], credentials, benchSite.url);
      expect(dry.err).toEqual([]);
      expect(dry.out.filter((line) => line.startsWith('+ DocType') || line.startsWith('~ DocType'))).toEqual([]);
      expect(dry.out).toEqual(expect.arrayContaining(['+ Custom Field Customer-creneau_badge_id (Data)', expect.stringMatching(/^\+ Webhook /)]));

      expect((await cli('install', [], credentials, benchSite.url)).code).toBe(0);
      const again = await cli('install', [], credentials, benchSite.url);
      expect(again.out.at(-1)).toBe('Nothing to change: the ERP already has everything the add-on needs.');
    } finally {
      await handle.close();
    }
  });
});
