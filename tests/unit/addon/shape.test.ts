import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import {
  ADDON_APP_DIR,
  ADDON_DOCTYPE_PREFIX,
  ADDON_FIELD_PREFIX,
  FRAPPE_FIELDTYPES,
  LAYOUT_FIELDTYPES,
  TABLE_FIELDTYPES,
  loadAddonDefinitions,
  scrub,
  type DocTypeDefinition,
} from '../../../sidecar/src/addon/definitions';

/**
 * Every DocType JSON of the Frappe app is held to what Frappe v15 accepts when it saves a DocType
 * (frappe/core/doctype/doctype/doctype.py: validate_fields, validate_series, validate_permissions),
 * with Frappe's own lists taken from the metadata recorded on a real site.
 */

const META_DIR = join(__dirname, '..', '..', 'contract', 'recordings', 'meta');

interface RecordedMeta {
  name: string;
  istable?: number;
  fields: { fieldname: string; fieldtype: string; options?: string }[];
}

const metas: RecordedMeta[] = readdirSync(META_DIR)
  .filter((file) => file.endsWith('.json'))
  .map((file) => (JSON.parse(readFileSync(join(META_DIR, file), 'utf8')) as { data: RecordedMeta }).data);
const metaByName = new Map(metas.map((meta) => [meta.name, meta]));
const recordedMeta = (name: string): RecordedMeta => {
  const meta = metaByName.get(name);
  if (!meta) throw new Error(`no recorded meta for ${name}`);
  return meta;
};

const definitions = loadAddonDefinitions();
const own = new Map(definitions.doctypes.map((doctype) => [doctype.name, doctype]));
const existingDocTypes = new Set([...metaByName.keys(), ...own.keys()]);

const fieldnames = (doctype: DocTypeDefinition): string[] => doctype.fields.map((field) => field.fieldname);

/** Frappe's naming rules and the autoname each one writes (doctype.js set_naming_rule_description). */
function autonameMatchesRule(autoname: string, rule: string): boolean {
  switch (rule) {
    case 'Set by user':
      return autoname.toLowerCase() === 'prompt';
    case 'Autoincrement':
      return autoname === 'autoincrement';
    case 'By fieldname':
      return autoname.startsWith('field:');
    case 'By "Naming Series" field':
      return autoname.startsWith('naming_series:');
    case 'Expression':
      return autoname.startsWith('format:');
    case 'Expression (old style)':
      return /^[^:]+\.#+/.test(autoname);
    case 'Random':
      return autoname === 'hash';
    default:
      return false;
  }
}

describe('the Frappe field types', () => {
  it('are exactly the options of DocField.fieldtype on a real Frappe v15 site', () => {
    const fieldtype = recordedMeta('DocField').fields.find((field) => field.fieldname === 'fieldtype');
    expect(fieldtype?.options?.split('\n')).toEqual([...FRAPPE_FIELDTYPES]);
  });
});

describe('the add-on DocTypes', () => {
  it('are all there, under the common prefix, in ASCII', () => {
    expect([...own.keys()].sort()).toEqual(
      expect.arrayContaining([
        'Creneau Booking',
        'Creneau Resource',
        'Creneau Settings',
        'Creneau Ticket Ledger Entry',
        'Creneau Ticket Pack Type',
      ]),
    );
    for (const name of own.keys()) {
      expect(name.startsWith(ADDON_DOCTYPE_PREFIX)).toBe(true);
      expect(name).toMatch(/^[A-Za-z][A-Za-z0-9 ]*$/);
      // Frappe names the table `tab<DocType>`, within MariaDB's 64 characters.
      expect(name.length).toBeLessThanOrEqual(61);
      // None may shadow a standard DocType (Dokos's Item Booking included).
      expect(metaByName.has(name)).toBe(false);
    }
  });

  it.each([...own.values()].map((doctype) => [doctype.name, doctype] as const))('%s: every property is one Frappe knows', (_name, doctype) => {
    const docTypeProperties = new Set([
      ...recordedMeta('DocType').fields.map((field) => field.fieldname),
      'doctype', 'name', 'creation', 'modified', 'modified_by', 'owner', 'idx', 'docstatus', 'field_order',
    ]);
    const docFieldProperties = new Set(recordedMeta('DocField').fields.map((field) => field.fieldname));
    const docPermProperties = new Set(recordedMeta('DocPerm').fields.map((field) => field.fieldname));
    expect(Object.keys(doctype).filter((key) => !docTypeProperties.has(key))).toEqual([]);
    for (const field of doctype.fields) {
      expect({ field: field.fieldname, unknown: Object.keys(field).filter((key) => !docFieldProperties.has(key)) }).toEqual({
        field: field.fieldname,
        unknown: [],
      });
    }
    for (const permission of doctype.permissions) {
      expect(Object.keys(permission).filter((key) => !docPermProperties.has(key))).toEqual([]);
    }
  });

  it.each([...own.values()].map((doctype) => [doctype.name, doctype] as const))('%s: fields Frappe would accept', (_name, doctype) => {
    const names = fieldnames(doctype);
    expect(names.filter((name, index) => names.indexOf(name) !== index)).toEqual([]);
    if (doctype.field_order) expect(doctype.field_order).toEqual(names);

    for (const field of doctype.fields) {
      const where = `${doctype.name}.${field.fieldname}`;
      expect([where, FRAPPE_FIELDTYPES.includes(field.fieldtype)]).toEqual([where, true]);
      if (field.fieldtype === 'Link' || TABLE_FIELDTYPES.has(field.fieldtype)) {
        expect([where, field.options !== undefined && existingDocTypes.has(field.options)]).toEqual([where, true]);
      }
      if (TABLE_FIELDTYPES.has(field.fieldtype)) {
        const table = own.get(field.options ?? '');
        expect([where, table?.istable]).toEqual([where, 1]);
        if (field.fieldtype === 'Table MultiSelect') {
          expect([where, table?.fields.some((column) => column.fieldtype === 'Link')]).toEqual([where, true]);
        }
      }
      if (field.fieldtype === 'Select') {
        const options = (field.options ?? '').split('\n');
        expect([where, options.filter((option) => option.trim() !== '').length > 0]).toEqual([where, true]);
        if (field.default !== undefined) expect([where, options.includes(field.default)]).toEqual([where, true]);
      }
      if (field.fieldtype === 'Check') {
        // Frappe writes "0" into an empty Check default; saying it keeps the installer's comparison exact.
        expect([where, field.default]).toEqual([where, expect.stringMatching(/^[01]$/)]);
      }
      if (field.unique) expect([where, ['Data', 'Link', 'Read Only'].includes(field.fieldtype)]).toEqual([where, true]);
      if (LAYOUT_FIELDTYPES.has(field.fieldtype)) {
        expect([where, field.reqd ?? 0, field.in_list_view ?? 0]).toEqual([where, 0, 0]);
      }
      if (field.hidden && field.reqd) expect([where, field.default]).toEqual([where, expect.any(String)]);
      for (const condition of [field.depends_on, field.mandatory_depends_on]) {
        // An assignment in a condition is refused (DEPENDS_ON_PATTERN); comparisons use ==.
        if (condition) expect([where, /^[\w.:]+\s*=\s*[\w.@'"]+/.test(condition)]).toEqual([where, false]);
      }
      if (field.fetch_from) {
        const [link] = field.fetch_from.split('.');
        expect([where, doctype.fields.find((candidate) => candidate.fieldname === link)?.fieldtype]).toEqual([where, 'Link']);
      }
    }
  });

  it.each([...own.values()].map((doctype) => [doctype.name, doctype] as const))('%s: a naming rule, a title and sorting on real fields', (_name, doctype) => {
    const names = new Set(fieldnames(doctype));
    if (doctype.issingle) {
      // A Single has one record, named after its DocType: Frappe ignores any naming rule.
      expect(doctype.autoname).toBeUndefined();
    } else {
      expect(doctype.autoname).toEqual(expect.any(String));
      expect(doctype.naming_rule).toEqual(expect.any(String));
      expect(autonameMatchesRule(doctype.autoname ?? '', doctype.naming_rule ?? '')).toBe(true);
      if (doctype.autoname?.startsWith('field:')) expect(names.has(doctype.autoname.slice('field:'.length))).toBe(true);
      if (doctype.autoname?.startsWith('format:')) {
        for (const [, part] of doctype.autoname.matchAll(/\{([^}]+)\}/g)) {
          expect(/^(#+|YYYY|YY|MM|DD|MON|FY)$/.test(part ?? '') || names.has(part ?? '')).toBe(true);
        }
      }
    }
    if (doctype.title_field) expect(names.has(doctype.title_field)).toBe(true);
    if (doctype.sort_field) expect(names.has(doctype.sort_field) || ['modified', 'creation', 'name', 'idx'].includes(doctype.sort_field)).toBe(true);
    for (const field of (doctype.search_fields ?? '').split(',').map((part) => part.trim()).filter(Boolean)) {
      expect(names.has(field)).toBe(true);
    }
    if (!doctype.issingle && doctype.fields.some((field) => field.reqd)) {
      // Without any, Frappe ticks "in list view" on the first mandatory fields itself, and the
      // installer would find the ERP's DocType different from its file.
      expect(doctype.fields.some((field) => field.in_list_view)).toBe(true);
    }
  });

  it.each([...own.values()].map((doctype) => [doctype.name, doctype] as const))('%s: permissions Frappe would accept', (_name, doctype) => {
    if (doctype.istable) {
      expect(doctype.permissions).toEqual([]);
      return;
    }
    expect(doctype.permissions.length).toBeGreaterThan(0);
    expect(doctype.permissions.some((permission) => permission.role === 'System Manager')).toBe(true);
    const keys = doctype.permissions.map((permission) => `${permission.role}/${String(permission.permlevel ?? 0)}`);
    expect(keys.filter((key, index) => keys.indexOf(key) !== index)).toEqual([]);
    for (const permission of doctype.permissions) {
      const rule = `${doctype.name}/${permission.role}`;
      expect([rule, Boolean(permission.read || permission.write || permission.create || permission.select)]).toEqual([rule, true]);
      if (permission.cancel) expect([rule, permission.submit]).toEqual([rule, 1]);
      if (permission.submit || permission.cancel || permission.amend) expect([rule, permission.write]).toEqual([rule, 1]);
      if (!doctype.is_submittable) expect([rule, permission.submit ?? 0, permission.amend ?? 0]).toEqual([rule, 0, 0]);
      if (doctype.issingle) expect([rule, permission.report ?? 0, permission.import ?? 0, permission.export ?? 0]).toEqual([rule, 0, 0, 0]);
    }
  });

  it('gives accountants read access to bookings and the ticket ledger, and a way to find them in lists', () => {
    for (const name of ['Creneau Booking', 'Creneau Ticket Ledger Entry']) {
      const doctype = own.get(name);
      expect(doctype?.permissions.find((permission) => permission.role === 'Accounts Manager')?.read).toBe(1);
      expect(doctype?.permissions.find((permission) => permission.role === 'Accounts User')?.read).toBe(1);
      expect(doctype?.fields.filter((field) => field.in_standard_filter).length).toBeGreaterThanOrEqual(2);
    }
  });

  it('keep staff corrections of the ticket ledger traceable: entries are submitted and amendable', () => {
    const ledger = own.get('Creneau Ticket Ledger Entry');
    expect(ledger?.is_submittable).toBe(1);
    expect(ledger?.fields.find((field) => field.fieldname === 'amended_from')).toMatchObject({ fieldtype: 'Link', options: 'Creneau Ticket Ledger Entry' });
  });

  it('make a booking idempotent by a unique external id that staff never type (the sidecar gives desk bookings one)', () => {
    const externalId = own.get('Creneau Booking')?.fields.find((field) => field.fieldname === 'external_id');
    expect(externalId).toMatchObject({ fieldtype: 'Data', unique: 1, read_only: 1 });
    expect(externalId?.reqd ?? 0).toBe(0);
  });

  it('only use roles that a fresh ERPNext site has or that the add-on creates', () => {
    const created = new Set(definitions.setup.roles.map((role) => role.role_name));
    // Roles ERPNext's own DocTypes grant permissions to, as the recorded metas show.
    const standard = new Set(
      readdirSync(META_DIR).flatMap((file) =>
        ((JSON.parse(readFileSync(join(META_DIR, file), 'utf8')) as { data: { permissions?: { role: string }[] } }).data.permissions ?? []).map(
          (permission) => permission.role,
        ),
      ),
    );
    for (const doctype of own.values()) {
      for (const permission of doctype.permissions) {
        expect([permission.role, created.has(permission.role) || standard.has(permission.role)]).toEqual([permission.role, true]);
      }
    }
  });

  it('are ordered for creation: a DocType comes after every DocType it links to or holds', () => {
    const position = new Map(definitions.doctypes.map((doctype, index) => [doctype.name, index]));
    for (const doctype of definitions.doctypes) {
      for (const field of doctype.fields) {
        const target = own.get(field.options ?? '');
        if (target && target.name !== doctype.name && (field.fieldtype === 'Link' || TABLE_FIELDTYPES.has(field.fieldtype))) {
          expect(position.get(target.name)).toBeLessThan(position.get(doctype.name) ?? -1);
        }
      }
    }
  });
});

describe('the Custom Fields on standard DocTypes', () => {
  it('are the ones the add-on needs', () => {
    expect(definitions.customFields.map((field) => field.name)).toEqual(
      expect.arrayContaining(['Sales Invoice Item-creneau_booking', 'Customer-creneau_badge_id', 'Customer-creneau_post_paid', 'Customer-creneau_qualifications']),
    );
  });

  it.each(definitions.customFields.map((field) => [field.name, field] as const))('%s fits the DocType it extends', (_name, field) => {
    expect(field.name).toBe(`${field.dt}-${field.fieldname}`);
    expect(field.fieldname.startsWith(ADDON_FIELD_PREFIX)).toBe(true);
    const target = recordedMeta(field.dt);
    // The field lands after a field the DocType has, or after another of the add-on's fields.
    const siblings = definitions.customFields.filter((other) => other.dt === field.dt).map((other) => other.fieldname);
    expect([...target.fields.map((column) => column.fieldname), ...siblings]).toContain(field.insert_after);
    expect(target.fields.map((column) => column.fieldname)).not.toContain(field.fieldname);
    if (field.fieldtype === 'Link') expect(existingDocTypes.has(field.options ?? '')).toBe(true);
    if (field.fieldtype === 'Check') expect(field.default).toMatch(/^[01]$/);
    if (field.unique) expect(['Data', 'Link', 'Read Only']).toContain(field.fieldtype);
  });
});

describe('the Frappe app', () => {
  const appRoot = join(ADDON_APP_DIR, '..');
  const pythonFiles = (dir: string): string[] =>
    readdirSync(dir).flatMap((entry) => {
      const path = join(dir, entry);
      if (statSync(path).isDirectory()) return entry === '__pycache__' ? [] : pythonFiles(path);
      return entry.endsWith('.py') ? [path] : [];
    });
  // Byte code goes to a temporary folder, never into the app's tree.
  const python = (args: string[]): string =>
    execFileSync('python3', args, { encoding: 'utf8', env: { ...process.env, PYTHONPYCACHEPREFIX: mkdtempSync(join(tmpdir(), 'creneau-pyc-')) } });

  it('compiles: python3 -m py_compile passes on every .py', () => {
    const files = pythonFiles(appRoot);
    expect(files.length).toBeGreaterThan(10);
    expect(() => python(['-m', 'py_compile', ...files])).not.toThrow();
  });

  it('has the files bench needs, and one controller per DocType named as Frappe looks it up', () => {
    for (const file of ['pyproject.toml', 'README.md', 'creneau/__init__.py', 'creneau/hooks.py', 'creneau/modules.txt', 'creneau/patches.txt', 'creneau/creneau/__init__.py']) {
      expect([file, statSync(join(appRoot, file)).isFile()]).toEqual([file, true]);
    }
    expect(readFileSync(join(ADDON_APP_DIR, 'modules.txt'), 'utf8').trim().split('\n')).toEqual(['Creneau']);
    expect(readFileSync(join(ADDON_APP_DIR, '__init__.py'), 'utf8')).toMatch(/^__version__ = "\d+\.\d+\.\d+"$/m);
    for (const doctype of own.values()) {
      const folder = join(ADDON_APP_DIR, 'creneau', 'doctype', scrub(doctype.name));
      expect(doctype.module).toBe('Creneau');
      expect(statSync(join(folder, '__init__.py')).isFile()).toBe(true);
      const controller = readFileSync(join(folder, `${scrub(doctype.name)}.py`), 'utf8');
      expect([relative(appRoot, folder), controller]).toEqual([relative(appRoot, folder), expect.stringContaining(`class ${doctype.name.replace(/ /g, '')}(Document):`)]);
    }
  });

  it("hooks name install functions that exist, and a fixtures filter that selects the add-on's Custom Fields", () => {
    const report = python([
      '-c',
      [
        'import ast, json, runpy, sys',
        `hooks = runpy.run_path(${JSON.stringify(join(ADDON_APP_DIR, 'hooks.py'))})`,
        `tree = ast.parse(open(${JSON.stringify(join(ADDON_APP_DIR, 'install.py'))}).read())`,
        'defined = [node.name for node in tree.body if isinstance(node, ast.FunctionDef)]',
        'print(json.dumps({"app_name": hooks["app_name"], "required_apps": hooks.get("required_apps"), "fixtures": hooks["fixtures"],',
        '  "after_install": hooks["after_install"], "after_migrate": hooks["after_migrate"], "defined": defined}))',
      ].join('\n'),
    ]);
    const hooks = JSON.parse(report) as { app_name: string; required_apps: string[]; fixtures: { dt: string; filters: [string, string, string][] }[]; after_install: string; after_migrate: string; defined: string[] };
    expect(hooks.app_name).toBe('creneau');
    expect(hooks.required_apps).toEqual(['erpnext']);
    for (const hook of [hooks.after_install, hooks.after_migrate]) {
      const [module, fn] = [hook.slice(0, hook.lastIndexOf('.')), hook.slice(hook.lastIndexOf('.') + 1)];
      expect(module).toBe('creneau.install');
      expect(hooks.defined).toContain(fn);
    }
    const fixture = hooks.fixtures.find((entry) => entry.dt === 'Custom Field');
    expect(fixture?.filters).toEqual([['fieldname', 'like', `${ADDON_FIELD_PREFIX}%`]]);
    for (const field of definitions.customFields) expect(field.module).toBe('Creneau');
  });
});
