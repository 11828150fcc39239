import { loadAddonDefinitions, type AddonDefinitions, type DocTypeDefinition } from '../../../sidecar/src/addon/definitions';
import type { ErpCustomField, ErpDocType, ErpWebhook } from '../../../sidecar/src/addon/erp-records';
import {
  describePlan,
  planInstall,
  planUninstall,
  standardDocTypesNeeded,
  type ErpSnapshot,
  type InstallTarget,
  type PermissionRow,
  type Plan,
  type Step,
  type UninstallSnapshot,
} from '../../../sidecar/src/addon/plan';

/**
 * The planner against ERP states written by hand. What Frappe stores after each create is
 * imitated here the way the recordings show it (row names, custom = 1, null fields left out,
 * amended_from added to submittable DocTypes), so that "a second run changes nothing" is checked
 * without an ERP; the integration tests check it again against the emulator and a real site.
 */

const definitions = loadAddonDefinitions();
const SECRET = 'whsec-0123456789abcdef0123456789abcdef';
const target: InstallTarget = { place: 'lab', sidecarUrl: 'https://creneau.example.org/', module: 'Creneau', webhookSecret: { value: SECRET, isNew: true } };

function emptyErp(overrides: Partial<ErpSnapshot> = {}): ErpSnapshot {
  return {
    user: 'Administrator',
    userRoles: 'all',
    permissions: new Map(),
    unreadable: new Map(),
    standardDocTypes: new Map(standardDocTypesNeeded(definitions).map((name) => [name, true])),
    childTables: new Set(['Sales Invoice Item']),
    moduleDefs: new Map(),
    existingRoles: new Set(['System Manager', 'Accounts Manager', 'Accounts User']),
    doctypes: new Map(),
    customFields: new Map(),
    uoms: new Set(['Hour', 'Day', 'Nos']),
    uomCategories: new Set(['Time']),
    uomConversionFactors: [],
    webhooks: new Map(),
    ...overrides,
  };
}

let rowCounter = 0;
/** What a GET returns for a document Frappe stored from `body`: empty values left out, rows named. */
function stored(body: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(body)) {
    if (value === '' || value === null || value === undefined) continue;
    out[key] = Array.isArray(value)
      ? value.map((row: Record<string, unknown>, index) => ({ name: `row${String((rowCounter += 1))}`, idx: index + 1, ...stored(row) }))
      : value;
  }
  return out;
}

/** The ERP after the plan's writes, as Frappe would hold it. */
function apply(snapshot: ErpSnapshot, plan: Plan): ErpSnapshot {
  const doctypes = new Map(snapshot.doctypes);
  const customFields = new Map(snapshot.customFields);
  const webhooks = new Map(snapshot.webhooks);
  const roles = new Set(snapshot.existingRoles);
  const uoms = new Set(snapshot.uoms);
  const categories = new Set(snapshot.uomCategories);
  const factors = [...(snapshot.uomConversionFactors ?? [])];
  const moduleDefs = new Map(snapshot.moduleDefs);
  for (const step of plan.steps) {
    const body = step.body ?? {};
    if (step.doctype === 'DocType') {
      if (step.action === 'create') {
        const doc = stored({ ...body, custom: 1 }) as ErpDocType;
        if (body.is_submittable === 1) {
          doc.fields.push({ name: 'amended', fieldname: 'amended_from', fieldtype: 'Link', options: step.name, read_only: 1, print_hide: 1, no_copy: 1 });
        }
        doctypes.set(step.name, doc);
      } else if (step.action === 'update') {
        const before = doctypes.get(step.name);
        const merged = { ...before, ...stored(body) } as ErpDocType;
        doctypes.set(step.name, merged);
      } else doctypes.delete(step.name);
    } else if (step.doctype === 'Custom Field') {
      if (step.action === 'delete') customFields.delete(step.name);
      else customFields.set(step.name, { ...customFields.get(step.name), ...stored({ ...body, name: step.name }) } as ErpCustomField);
    } else if (step.doctype === 'Webhook') {
      if (step.action === 'delete') webhooks.delete(step.name);
      else {
        const { webhook_secret: _secret, ...rest } = body;
        webhooks.set(step.name, { ...webhooks.get(step.name), ...stored({ ...rest, name: step.name }) } as ErpWebhook);
      }
    } else if (step.doctype === 'Role') roles.add(step.name);
    else if (step.doctype === 'UOM') uoms.add(step.name);
    else if (step.doctype === 'UOM Category') categories.add(step.name);
    else if (step.doctype === 'UOM Conversion Factor') factors.push({ name: `MAT-UOM-CNV-${String(factors.length)}`, from_uom: String(body.from_uom), to_uom: String(body.to_uom), value: Number(body.value) });
    else if (step.doctype === 'Module Def') moduleDefs.set(step.name, { custom: true });
  }
  return { ...snapshot, doctypes, customFields, webhooks, existingRoles: roles, uoms, uomCategories: categories, uomConversionFactors: factors, moduleDefs };
}

const installed = (): ErpSnapshot => {
  const fresh = emptyErp();
  return apply(fresh, planInstall(definitions, target, fresh));
};
const sameSecret: InstallTarget = { ...target, webhookSecret: { value: SECRET, isNew: false } };

function withDocType(defs: AddonDefinitions, name: string, change: (doctype: DocTypeDefinition) => DocTypeDefinition): AddonDefinitions {
  return { ...defs, doctypes: defs.doctypes.map((doctype) => (doctype.name === name ? change(structuredClone(doctype)) : doctype)) };
}
const stepFor = (plan: Plan, doctype: string, name: string): Step | undefined => plan.steps.find((step) => step.doctype === doctype && step.name === name);

describe('install plan on an ERP without the add-on', () => {
  const plan = planInstall(definitions, target, emptyErp());

  it('creates everything, with no conflict', () => {
    expect(plan.conflicts).toEqual([]);
    const created = (doctype: string): string[] => plan.steps.filter((step) => step.doctype === doctype && step.action === 'create').map((step) => step.name);
    expect(created('DocType').sort()).toEqual(definitions.doctypes.map((doctype) => doctype.name).sort());
    expect(created('Custom Field').sort()).toEqual(definitions.customFields.map((field) => field.name).sort());
    expect(created('Role')).toEqual(['Creneau Manager']);
    expect(created('Module Def')).toEqual(['Creneau']);
    // Hour and Day ship with ERPNext; only Half Day is new.
    expect(created('UOM')).toEqual(['Half Day']);
    expect(created('UOM Conversion Factor')).toHaveLength(2);
    expect(created('Webhook')).toHaveLength(16);
  });

  it('creates a child table and a Link target before the DocTypes that use them, and the role before any DocType granting it', () => {
    const order = plan.steps.map((step) => `${step.doctype}:${step.name}`);
    const at = (key: string): number => order.indexOf(key);
    expect(at('DocType:Creneau Quote Line')).toBeLessThan(at('DocType:Creneau Booking'));
    expect(at('DocType:Creneau Resource')).toBeLessThan(at('DocType:Creneau Booking'));
    expect(at('DocType:Creneau Resource')).toBeLessThan(at('DocType:Creneau Pack Eligibility'));
    expect(at('DocType:Creneau Booking')).toBeLessThan(at('DocType:Creneau Ticket Ledger Entry'));
    expect(at('Role:Creneau Manager')).toBeLessThan(at('DocType:Creneau Resource'));
    expect(at('Module Def:Creneau')).toBeLessThan(at('DocType:Creneau Resource'));
    expect(at('DocType:Creneau Booking')).toBeLessThan(at('Custom Field:Sales Invoice Item-creneau_booking'));
    expect(at('DocType:Creneau Settings')).toBeLessThan(at('Webhook:Creneau lab: Creneau Settings on_update'));
    expect(at('UOM:Half Day')).toBeLessThan(at('UOM Conversion Factor:Half Day → Hour'));
  });

  it('sends custom DocTypes in the module chosen, with every permission right spelled out', () => {
    const booking = stepFor(plan, 'DocType', 'Creneau Booking')?.body;
    expect(booking).toMatchObject({ name: 'Creneau Booking', custom: 1, module: 'Creneau', autoname: 'format:CRN-BKG-{YYYY}-{#####}', naming_rule: 'Expression' });
    // Left out, Frappe would default write/create/delete to 1 and hand accountants edit rights.
    expect((booking?.permissions as Record<string, unknown>[]).find((perm) => perm.role === 'Accounts User')).toMatchObject({
      read: 1, report: 1, print: 1, write: 0, create: 0, delete: 0, submit: 0, cancel: 0,
    });
  });

  it('leaves out amended_from, which Frappe adds to a submittable DocType itself', () => {
    const ledger = stepFor(plan, 'DocType', 'Creneau Ticket Ledger Entry')?.body as { fields: { fieldname: string }[]; is_submittable: number };
    expect(ledger.is_submittable).toBe(1);
    expect(ledger.fields.map((field) => field.fieldname)).not.toContain('amended_from');
  });

  it('points every Webhook at the sidecar route of the place, signed with the secret', () => {
    const webhook = stepFor(plan, 'Webhook', 'Creneau lab: Sales Invoice on_submit')?.body;
    expect(webhook).toMatchObject({
      name: 'Creneau lab: Sales Invoice on_submit',
      webhook_doctype: 'Sales Invoice',
      webhook_docevent: 'on_submit',
      request_url: 'https://creneau.example.org/erp/webhooks/lab',
      enable_security: 1,
      webhook_secret: SECRET,
      request_structure: 'Form URL-Encoded',
    });
    expect(webhook?.webhook_headers).toEqual(expect.arrayContaining([{ key: 'X-Creneau-Event', value: 'on_submit' }]));
  });

  it('prints the difference without the webhook secret', () => {
    const text = describePlan(plan).join('\n');
    expect(text).toContain('+ DocType Creneau Booking');
    expect(text).toContain('+ Custom Field Customer-creneau_badge_id (Data)');
    expect(text).toContain('+ Webhook "Creneau lab: Customer on_update" → https://creneau.example.org/erp/webhooks/lab');
    expect(text).not.toContain(SECRET);
  });

  it('files everything under "Custom" when told to, without a Module Def', () => {
    const custom = planInstall(definitions, { ...target, module: 'Custom' }, emptyErp());
    expect(custom.steps.some((step) => step.doctype === 'Module Def')).toBe(false);
    expect(stepFor(custom, 'DocType', 'Creneau Resource')?.body?.module).toBe('Custom');
    expect(stepFor(custom, 'Custom Field', 'Customer-creneau_badge_id')?.body?.module).toBe('Custom');
  });
});

describe('install plan on an ERP that has the add-on', () => {
  it('changes nothing the second time', () => {
    const plan = planInstall(definitions, sameSecret, installed());
    expect(plan.conflicts).toEqual([]);
    expect(plan.steps.map((step) => step.summary)).toEqual([]);
    expect(describePlan(plan)[0]).toMatch(/^Nothing to change/);
  });

  it('adds a field added to a DocType file, keeping the existing rows by name', () => {
    const upgraded = withDocType(definitions, 'Creneau Resource', (doctype) => ({
      ...doctype,
      fields: [...doctype.fields, { fieldname: 'floor', fieldtype: 'Data', label: 'Floor' }],
    }));
    const before = installed();
    const plan = planInstall(upgraded, sameSecret, before);
    expect(plan.conflicts).toEqual([]);
    expect(plan.steps).toHaveLength(1);
    const step = plan.steps[0];
    expect(step).toMatchObject({ action: 'update', doctype: 'DocType', name: 'Creneau Resource', details: ['+ field floor (Data)'] });
    const fields = step?.body?.fields as { fieldname: string; name?: string }[];
    const erpNames = new Map((before.doctypes.get('Creneau Resource')?.fields ?? []).map((field) => [field.fieldname, field.name]));
    expect(fields.find((field) => field.fieldname === 'capacity')?.name).toBe(erpNames.get('capacity'));
    expect(fields.find((field) => field.fieldname === 'floor')?.name).toBeUndefined();
    expect(fields).toHaveLength(erpNames.size + 1);
    // Once applied, the next run is quiet again.
    expect(planInstall(upgraded, sameSecret, apply(before, plan)).steps).toEqual([]);
  });

  it('changes a field property and says from what to what', () => {
    const upgraded = withDocType(definitions, 'Creneau Booking', (doctype) => ({
      ...doctype,
      fields: doctype.fields.map((field) => (field.fieldname === 'user' ? { ...field, reqd: 1 as const } : field)),
    }));
    const plan = planInstall(upgraded, sameSecret, installed());
    expect(plan.steps.map((step) => [step.summary, step.details])).toEqual([['~ DocType Creneau Booking', ['~ field user: reqd 0 → 1']]]);
  });

  it('refuses a DocType whose field has another type in the ERP, naming both types', () => {
    const erp = installed();
    const booking = structuredClone(erp.doctypes.get('Creneau Booking')) as ErpDocType;
    booking.fields = booking.fields.map((field) => (field.fieldname === 'starts_at' ? { ...field, fieldtype: 'Data' } : field));
    const plan = planInstall(definitions, sameSecret, { ...erp, doctypes: new Map(erp.doctypes).set('Creneau Booking', booking) });
    expect(plan.conflicts).toEqual([
      expect.stringMatching(/^DocType Creneau Booking exists with an incompatible field: starts_at is Data in the ERP, Datetime in the add-on\./),
    ]);
  });

  it('sends a field length and widens a field the ERP still holds at the default 140 characters', () => {
    const created = stepFor(planInstall(definitions, target, emptyErp()), 'DocType', 'Creneau Ticket Ledger Entry')?.body as { fields: { fieldname: string; length: number }[] };
    expect(created.fields.find((field) => field.fieldname === 'external_id')?.length).toBe(255);
    expect(created.fields.find((field) => field.fieldname === 'customer')?.length).toBe(0);

    const erp = installed();
    const ledger = structuredClone(erp.doctypes.get('Creneau Ticket Ledger Entry')) as ErpDocType;
    ledger.fields = ledger.fields.map((field) => (field.fieldname === 'external_id' ? { ...field, length: 0 } : field));
    const plan = planInstall(definitions, sameSecret, { ...erp, doctypes: new Map(erp.doctypes).set('Creneau Ticket Ledger Entry', ledger) });
    expect(plan.steps.map((step) => step.details)).toEqual([['~ field external_id: length 0 → 255']]);
  });

  it('refuses to turn an ordinary DocType into a child table', () => {
    const erp = installed();
    const closure = { ...(erp.doctypes.get('Creneau Closure') as ErpDocType), istable: 0 };
    const plan = planInstall(definitions, sameSecret, { ...erp, doctypes: new Map(erp.doctypes).set('Creneau Closure', closure) });
    expect(plan.conflicts).toEqual([expect.stringContaining('DocType Creneau Closure exists with istable = 0, the add-on needs 1')]);
  });

  it("keeps fields and permission rows the site added, and says so", () => {
    const erp = installed();
    const resource = structuredClone(erp.doctypes.get('Creneau Resource')) as ErpDocType;
    resource.fields.push({ name: 'site1', fieldname: 'colour', fieldtype: 'Data' });
    resource.permissions.push({ name: 'site2', role: 'Sales User', read: 1 });
    const plan = planInstall(definitions, sameSecret, { ...erp, doctypes: new Map(erp.doctypes).set('Creneau Resource', resource) });
    expect(plan.steps).toEqual([]);
    expect(plan.notes).toEqual([expect.stringContaining('field colour is in the ERP but not in the add-on')]);
  });

  it('puts back a permission the site widened on a role the add-on names, keeping the other rows', () => {
    const erp = installed();
    const booking = structuredClone(erp.doctypes.get('Creneau Booking')) as ErpDocType;
    booking.permissions = booking.permissions.map((perm) => (perm.role === 'Accounts User' ? { ...perm, write: 1 } : perm));
    booking.permissions.push({ name: 'site', role: 'Sales User', read: 1 });
    const plan = planInstall(definitions, sameSecret, { ...erp, doctypes: new Map(erp.doctypes).set('Creneau Booking', booking) });
    expect(plan.steps.map((step) => step.details)).toEqual([['~ permission Accounts User: write 1 → 0']]);
    const sent = plan.steps[0]?.body?.permissions as { role: string; name?: string }[];
    expect(sent.map((perm) => perm.role)).toContain('Sales User');
  });

  it('leaves a DocType installed by the bench app alone when it matches, and sends the manager to bench when it does not', () => {
    const erp = installed();
    const benchDocTypes = new Map([...erp.doctypes].map(([name, doctype]) => [name, { ...doctype, custom: 0 }]));
    expect(planInstall(definitions, sameSecret, { ...erp, doctypes: benchDocTypes }).steps).toEqual([]);

    const upgraded = withDocType(definitions, 'Creneau Settings', (doctype) => ({ ...doctype, fields: [...doctype.fields, { fieldname: 'portal_title', fieldtype: 'Data' }] }));
    const plan = planInstall(upgraded, sameSecret, { ...erp, doctypes: benchDocTypes });
    expect(plan.conflicts).toEqual([expect.stringMatching(/^DocType Creneau Settings comes from the bench app "creneau".*bench migrate/)]);
  });

  it('gives every Webhook the new secret when the secrets file has lost it, without printing it', () => {
    const plan = planInstall(definitions, target, installed());
    expect(plan.steps).toHaveLength(16);
    for (const step of plan.steps) {
      expect(step).toMatchObject({ action: 'update', doctype: 'Webhook', body: { webhook_secret: SECRET } });
    }
    expect(describePlan(plan).join('\n')).not.toContain(SECRET);
  });

  it('moves the Webhooks when the sidecar URL changes, and deletes one no longer needed', () => {
    const erp = installed();
    const stray = { name: 'Creneau lab: Item on_update', webhook_doctype: 'Item', webhook_data: [], webhook_headers: [] };
    const plan = planInstall(definitions, { ...sameSecret, sidecarUrl: 'https://new.example.org' }, { ...erp, webhooks: new Map(erp.webhooks).set(stray.name, stray) });
    const updates = plan.steps.filter((step) => step.action === 'update');
    expect(updates).toHaveLength(16);
    expect(updates[0]?.details).toEqual(['~ request_url: "https://creneau.example.org/erp/webhooks/lab" → "https://new.example.org/erp/webhooks/lab"']);
    expect(updates[0]?.body).not.toHaveProperty('webhook_secret');
    expect(plan.steps.filter((step) => step.action === 'delete').map((step) => step.name)).toEqual(['Creneau lab: Item on_update']);
  });

  it('leaves a conversion factor the site set differently, and says so', () => {
    const erp = emptyErp({ uoms: new Set(['Hour', 'Day', 'Half Day']), uomConversionFactors: [{ name: 'X', from_uom: 'Day', to_uom: 'Hour', value: 24 }] });
    const plan = planInstall(definitions, target, erp);
    expect(plan.steps.filter((step) => step.doctype === 'UOM Conversion Factor').map((step) => step.name)).toEqual(['Half Day → Hour']);
    expect(plan.notes).toContain('UOM Conversion Factor Day → Hour is 24 on this ERP (the add-on would set 8); it is left as it is.');
  });
});

describe('install plan checks before it writes', () => {
  const rows = (doctype: string): PermissionRow[] =>
    ({
      DocType: [{ role: 'System Manager', permlevel: 0, read: true, create: true, write: true, delete: true }],
      UOM: [
        { role: 'Item Manager', permlevel: 0, read: true, create: true, write: true, delete: true },
        { role: 'Stock User', permlevel: 0, read: true, create: false, write: false, delete: false },
      ],
      Webhook: [{ role: 'System Manager', permlevel: 0, read: true, create: true, write: true, delete: true }],
    })[doctype] ?? [];

  it('names each right the API user lacks and the roles that would give it', () => {
    const erp = emptyErp({
      user: 'api@lab.example',
      userRoles: new Set(['System Manager']),
      permissions: new Map(['DocType', 'UOM', 'Webhook'].map((doctype) => [doctype, rows(doctype)])),
    });
    expect(planInstall(definitions, target, erp).conflicts).toEqual([
      'Permission missing: the API user api@lab.example may not create UOM; give it one of these roles: Item Manager.',
    ]);
  });

  it('asks for the roles that let it read what it must compare, and plans nothing without them', () => {
    const erp = emptyErp({
      user: 'api@lab.example',
      userRoles: new Set(['System Manager']),
      permissions: new Map(['DocType', 'UOM', 'Webhook'].map((doctype) => [doctype, rows(doctype)])),
      unreadable: new Map([['UOM', ['create']]]),
    });
    const plan = planInstall(definitions, target, erp);
    expect(plan.conflicts).toEqual(['Permission missing: the API user api@lab.example may not read UOM; give it one of these roles: Item Manager.']);
    expect(plan.steps).toEqual([]);
  });

  it('does not ask for rights that nothing to do needs', () => {
    const erp = { ...installed(), user: 'api@lab.example', userRoles: new Set<string>(), permissions: new Map(['DocType', 'UOM', 'Webhook'].map((doctype) => [doctype, rows(doctype)])) };
    expect(planInstall(definitions, sameSecret, erp).conflicts).toEqual([]);
  });

  it('says when the site lacks ERPNext', () => {
    const erp = emptyErp({ standardDocTypes: new Map(standardDocTypesNeeded(definitions).map((name) => [name, !['Item', 'Sales Invoice'].includes(name)])) });
    expect(planInstall(definitions, target, erp).conflicts).toContain('This ERP has no Item, Sales Invoice DocTypes: the add-on needs ERPNext or Dokos installed on the site.');
  });
});

describe('uninstall plan', () => {
  const counts = (bookings: number, badges = 0): Pick<UninstallSnapshot, 'recordCounts' | 'customFieldValueCounts'> => ({
    recordCounts: new Map([
      ['Creneau Booking', bookings],
      ['Creneau Resource', 0],
    ]),
    customFieldValueCounts: new Map([['Customer-creneau_badge_id', badges]]),
  });

  it('removes what the installer created, holders before what they hold', () => {
    const plan = planUninstall(definitions, { place: 'lab', module: 'Creneau', force: false }, { ...installed(), ...counts(0) });
    expect(plan.conflicts).toEqual([]);
    const order = plan.steps.map((step) => `${step.doctype}:${step.name}`);
    expect(order.filter((key) => key.startsWith('Webhook:'))).toHaveLength(16);
    expect(order.indexOf('Webhook:Creneau lab: Creneau Booking on_update')).toBeLessThan(order.indexOf('DocType:Creneau Booking'));
    expect(order.indexOf('Custom Field:Sales Invoice Item-creneau_booking')).toBeLessThan(order.indexOf('DocType:Creneau Booking'));
    expect(order.indexOf('DocType:Creneau Booking')).toBeLessThan(order.indexOf('DocType:Creneau Quote Line'));
    expect(order.indexOf('DocType:Creneau Ticket Ledger Entry')).toBeLessThan(order.indexOf('DocType:Creneau Booking'));
    expect(order).toEqual(expect.arrayContaining(['UOM:Half Day', 'Role:Creneau Manager', 'Module Def:Creneau']));
    // Units that ship with ERPNext stay.
    expect(order).not.toContain('UOM:Hour');
    expect(plan.steps.filter((step) => step.keepIfLinked).map((step) => step.doctype)).toEqual(
      expect.arrayContaining(['UOM', 'Role', 'Module Def', 'UOM Conversion Factor']),
    );
  });

  it('refuses while records exist, and says which', () => {
    const plan = planUninstall(definitions, { place: 'lab', module: 'Creneau', force: false }, { ...installed(), ...counts(12, 3) });
    expect(plan.conflicts).toEqual([
      'Refusing to uninstall while records exist (Creneau Booking holds 12 records; Custom Field Customer-creneau_badge_id has a value on 3 documents): export them first, or run again with --force to delete them.',
    ]);
  });

  it('deletes them with --force, saying so', () => {
    const plan = planUninstall(definitions, { place: 'lab', module: 'Creneau', force: true }, { ...installed(), ...counts(1) });
    expect(plan.conflicts).toEqual([]);
    expect(plan.notes).toEqual(['--force: deleting although Creneau Booking holds 1 record.']);
    expect(stepFor(plan, 'DocType', 'Creneau Booking')?.summary).toBe('- DocType Creneau Booking and its 1 record');
  });

  it('leaves DocTypes of the bench app to bench', () => {
    const erp = installed();
    const benchDocTypes = new Map([...erp.doctypes].map(([name, doctype]) => [name, { ...doctype, custom: 0 }]));
    const plan = planUninstall(definitions, { place: 'lab', module: 'Creneau', force: false }, { ...erp, doctypes: benchDocTypes, ...counts(0) });
    expect(plan.steps.some((step) => step.doctype === 'DocType')).toBe(false);
    expect(plan.notes).toContain('DocType Creneau Booking comes from the bench app "creneau": remove it with bench uninstall-app creneau.');
  });

  it('has nothing to do on an ERP without the add-on', () => {
    const plan = planUninstall(definitions, { place: 'lab', module: 'Creneau', force: false }, { ...emptyErp(), ...counts(0) });
    expect(plan.steps).toEqual([]);
  });
});
