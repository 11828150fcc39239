import { flag as isChecked } from '../catalog/erp-values';
import {
  dependenciesOf,
  TABLE_FIELDTYPES,
  type AddonDefinitions,
  type CustomFieldDefinition,
  type DocFieldDefinition,
  type DocPermDefinition,
  type DocTypeDefinition,
} from './definitions';
import type { ErpCustomField, ErpDocPerm, ErpDocType, ErpUomConversionFactor, ErpWebhook } from './erp-records';
import {
  WEBHOOK_DATA,
  WEBHOOK_DOCTYPE_HEADER,
  WEBHOOK_EVENTS,
  WEBHOOK_EVENT_HEADER,
  WEBHOOK_PLACE_HEADER,
  webhookName,
  webhookUrl,
} from './webhooks';

/**
 * The installer's plan: what the add-on needs in the ERP, against what the ERP has, gives a list
 * of writes and a human-readable difference. Pure: the ERP's state comes in as a snapshot, so the
 * same function serves `--dry-run`, the real run and the tests.
 *
 * Frappe fills defaults into whatever a REST insert leaves out (DocPerm write/create/delete default
 * to 1), while a bench install leaves them 0; so every compared property is sent explicitly, and
 * a missing property in a definition means 0 or empty, as it does for bench.
 */

export type Right = 'read' | 'create' | 'write' | 'delete';

export interface Step {
  action: 'create' | 'update' | 'delete';
  /** The ERP DocType written to: "DocType", "Custom Field", "Webhook", "Role", "UOM"... */
  doctype: string;
  name: string;
  /** The document (create) or the changed fields (update); absent for delete. */
  body?: Record<string, unknown>;
  /** One line: "+ DocType Creneau Booking (24 fields)". */
  summary: string;
  /** The difference, one line each. */
  details: string[];
  /** Uninstall only: a refusal because other documents still use it keeps the record and goes on. */
  keepIfLinked?: boolean;
}

export interface Plan {
  steps: Step[];
  /** Each one blocks the whole run, and says in one line what to do. */
  conflicts: string[];
  /** Worth knowing, changes nothing. */
  notes: string[];
}

export interface PermissionRow {
  role: string;
  permlevel: number;
  read: boolean;
  create: boolean;
  write: boolean;
  delete: boolean;
}

export interface ErpSnapshot {
  /** The API user, as frappe.auth.get_logged_user names it. */
  user: string;
  /** Its roles; 'all' for Administrator, whom Frappe never refuses. */
  userRoles: ReadonlySet<string> | 'all';
  /** Who may write the ERP DocTypes the installer writes; a DocType missing here is not checked. */
  permissions: ReadonlyMap<string, readonly PermissionRow[]>;
  /**
   * DocTypes the ERP refused to let the API user read, with the rights the installer would then
   * need on them. With any, the snapshot is incomplete: the plan is only these refusals.
   */
  unreadable: ReadonlyMap<string, readonly Right[]>;
  /** Standard DocTypes the add-on links to, extends or watches, and whether the ERP has them. */
  standardDocTypes: ReadonlyMap<string, boolean>;
  /** Those of them that are child tables (Sales Invoice Item): Frappe lists them only through their parents. */
  childTables: ReadonlySet<string>;
  moduleDefs: ReadonlyMap<string, { custom: boolean }>;
  /** The Roles that exist on the ERP. */
  existingRoles: ReadonlySet<string>;
  doctypes: ReadonlyMap<string, ErpDocType>;
  customFields: ReadonlyMap<string, ErpCustomField>;
  /** null when the ERP has no such DocType (Frappe without ERPNext). */
  uoms: ReadonlySet<string> | null;
  uomCategories: ReadonlySet<string> | null;
  uomConversionFactors: readonly ErpUomConversionFactor[] | null;
  /** The Webhooks named for this place. */
  webhooks: ReadonlyMap<string, ErpWebhook>;
}

export interface InstallTarget {
  place: string;
  /** Where the ERP reaches the sidecar, e.g. https://creneau.example.org. */
  sidecarUrl: string;
  /** The Module Def the add-on's DocTypes and Custom Fields are filed under over REST. */
  module: string;
  /** Shared with the ERP's Webhooks; `isNew` when it is not yet in the sidecar's secrets file. */
  webhookSecret: { value: string; isNew: boolean };
}

// ---------------------------------------------------------------------------------------------
// Normalisation: the same value must compare equal whichever way Frappe spells it.

const flag = (value: unknown): 0 | 1 => (isChecked(value) ? 1 : 0);
function text(value: unknown): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'string') return value;
  return typeof value === 'number' || typeof value === 'boolean' ? String(value) : JSON.stringify(value);
}

function wholeNumber(value: unknown): number {
  const number = typeof value === 'number' ? value : typeof value === 'string' && value.trim() !== '' ? Number(value) : 0;
  return Number.isInteger(number) ? number : 0;
}

/** Frappe strips each Select option and drops empty lines but the first (scrub_options_in_select). */
function selectOptionsText(options: string): string {
  return options
    .split('\n')
    .map((option) => option.trim())
    .filter((option, index) => index === 0 || option !== '')
    .join('\n');
}

const FIELD_FLAGS = [
  'reqd', 'unique', 'read_only', 'hidden', 'bold', 'no_copy', 'print_hide', 'non_negative', 'search_index',
  'in_list_view', 'in_standard_filter', 'allow_on_submit', 'collapsible',
] as const;
const FIELD_TEXTS = ['label', 'options', 'default', 'description', 'depends_on', 'mandatory_depends_on', 'fetch_from'] as const;
/** Whole numbers; 0 is Frappe's default (a Data field's `length` 0 means its 140 characters). */
const FIELD_NUMBERS = ['length'] as const;
type FieldProperty = (typeof FIELD_FLAGS)[number] | (typeof FIELD_TEXTS)[number] | (typeof FIELD_NUMBERS)[number];
type NormalField = { fieldname: string; fieldtype: string } & Record<FieldProperty, string | number>;

/** Fields Frappe adds and manages itself: a submittable DocType's amended_from. */
const FRAPPE_MANAGED_FIELDS = new Set(['amended_from']);

function normalField(field: Record<string, unknown> & { fieldname: string; fieldtype: string }, doctype: { autoname?: string | null; issingle?: unknown }): NormalField {
  const normal: Record<string, string | number> = { fieldname: field.fieldname, fieldtype: field.fieldtype };
  for (const key of FIELD_FLAGS) normal[key] = flag(field[key]);
  for (const key of FIELD_TEXTS) normal[key] = text(field[key]);
  for (const key of FIELD_NUMBERS) normal[key] = wholeNumber(field[key]);
  if (field.fieldtype === 'Select') normal.options = selectOptionsText(text(field.options));
  // Frappe's DocType.validate: an empty Check default becomes "0", a named-by field is unique,
  // unique implies an index of its own, a Single has neither unique nor index.
  if (field.fieldtype === 'Check' && normal.default === '') normal.default = '0';
  if (doctype.autoname === `field:${field.fieldname}`) normal.unique = 1;
  if (normal.unique === 1) normal.search_index = 0;
  if (flag(doctype.issingle) === 1) {
    normal.unique = 0;
    normal.search_index = 0;
  }
  return normal as NormalField;
}

const RIGHTS = ['read', 'write', 'create', 'delete', 'submit', 'cancel', 'amend', 'report', 'export', 'import', 'share', 'print', 'email', 'select'] as const;
type NormalPerm = { role: string; permlevel: number; if_owner: 0 | 1 } & Record<(typeof RIGHTS)[number], 0 | 1>;

function normalPerm(perm: DocPermDefinition | ErpDocPerm): NormalPerm {
  const normal: Record<string, string | number> = { role: perm.role, permlevel: perm.permlevel ?? 0, if_owner: flag(perm.if_owner) };
  for (const right of RIGHTS) normal[right] = flag((perm as Record<string, unknown>)[right]);
  return normal as NormalPerm;
}
const permKey = (perm: NormalPerm): string => `${perm.role}/${String(perm.permlevel)}/${String(perm.if_owner)}`;
const rightsOf = (perm: NormalPerm): string => RIGHTS.filter((right) => perm[right] === 1).join(', ') || 'none';

const DOCTYPE_FLAGS = ['track_changes', 'editable_grid', 'allow_rename', 'show_title_field_in_link'] as const;
const DOCTYPE_TEXTS = ['autoname', 'naming_rule', 'title_field', 'search_fields', 'sort_field', 'sort_order', 'description'] as const;
/** Changing these turns one kind of DocType into another: Frappe keeps the data of neither. */
const DOCTYPE_STRUCTURE = ['istable', 'issingle', 'is_submittable'] as const;

const show = (value: string | number): string => (value === '' ? '(empty)' : JSON.stringify(value));

// ---------------------------------------------------------------------------------------------
// DocTypes

function docTypeBody(definition: DocTypeDefinition, module: string): Record<string, unknown> {
  const body: Record<string, unknown> = { name: definition.name, module, custom: 1 };
  for (const key of DOCTYPE_STRUCTURE) body[key] = flag(definition[key]);
  for (const key of DOCTYPE_FLAGS) body[key] = flag(definition[key]);
  for (const key of DOCTYPE_TEXTS) body[key] = text(definition[key]);
  return body;
}

function desiredFields(definition: DocTypeDefinition): NormalField[] {
  return definition.fields
    .filter((field) => !FRAPPE_MANAGED_FIELDS.has(field.fieldname))
    .map((field) => normalField(field as DocFieldDefinition & Record<string, unknown>, definition));
}

function countFields(definition: DocTypeDefinition): number {
  return definition.fields.filter((field) => !['Section Break', 'Column Break', 'Tab Break'].includes(field.fieldtype)).length;
}

function planDocType(definition: DocTypeDefinition, erp: ErpDocType | undefined, target: InstallTarget, plan: Plan): void {
  if (!erp) {
    const kind = definition.istable ? 'child table, ' : definition.issingle ? 'single, ' : definition.is_submittable ? 'submittable, ' : '';
    const fieldCount = countFields(definition);
    plan.steps.push({
      action: 'create',
      doctype: 'DocType',
      name: definition.name,
      body: {
        ...docTypeBody(definition, target.module),
        fields: desiredFields(definition),
        permissions: definition.istable ? [] : definition.permissions.map(normalPerm),
      },
      summary: `+ DocType ${definition.name} (${kind}${String(fieldCount)} field${fieldCount === 1 ? '' : 's'})`,
      details: [],
    });
    return;
  }

  const fromBench = flag(erp.custom) === 0;
  const module = fromBench ? definition.module : target.module;
  const erpRecord = erp as Record<string, unknown>;
  for (const key of DOCTYPE_STRUCTURE) {
    if (flag(erpRecord[key]) !== flag(definition[key])) {
      plan.conflicts.push(
        `DocType ${definition.name} exists with ${key} = ${String(flag(erpRecord[key]))}, the add-on needs ${String(flag(definition[key]))}: ` +
          `rename or delete the ERP's DocType first (its records cannot be converted).`,
      );
      return;
    }
  }

  const details: string[] = [];
  const body: Record<string, unknown> = {};
  if (text(erp.module) !== module) {
    details.push(`~ module: ${show(text(erp.module))} → ${show(module)}`);
    body.module = module;
  }
  const desiredDoc = docTypeBody(definition, module);
  // Only what the file states: an export leaves out zeros, and what a site then set (renaming
  // allowed, a description) is the site's business.
  for (const key of [...DOCTYPE_FLAGS, ...DOCTYPE_TEXTS].filter((property) => property in definition)) {
    const have = DOCTYPE_FLAGS.includes(key as (typeof DOCTYPE_FLAGS)[number]) ? flag(erpRecord[key]) : text(erpRecord[key]);
    const want = desiredDoc[key] as string | number;
    if (have !== want) {
      details.push(`~ ${key}: ${show(have)} → ${show(want)}`);
      body[key] = want;
    }
  }

  // Fields: the add-on's, in its order, each keeping the ERP row's name so that Frappe updates the
  // row instead of dropping and re-adding it; fields the site added are kept, never deleted.
  const erpFields = new Map(erp.fields.map((field) => [field.fieldname, field]));
  const mergedFields: Record<string, unknown>[] = [];
  let fieldsChanged = false;
  const incompatible: string[] = [];
  for (const want of desiredFields(definition)) {
    const have = erpFields.get(want.fieldname);
    if (!have) {
      details.push(`+ field ${want.fieldname} (${want.fieldtype})`);
      mergedFields.push(want);
      fieldsChanged = true;
      continue;
    }
    const haveNormal = normalField(have, { autoname: text(erpRecord.autoname), issingle: erp.issingle });
    if (haveNormal.fieldtype !== want.fieldtype) {
      incompatible.push(`${want.fieldname} is ${haveNormal.fieldtype} in the ERP, ${want.fieldtype} in the add-on`);
      continue;
    }
    if ((want.fieldtype === 'Link' || TABLE_FIELDTYPES.has(want.fieldtype)) && haveNormal.options !== want.options) {
      incompatible.push(`${want.fieldname} points to ${show(haveNormal.options)} in the ERP, to ${show(want.options)} in the add-on`);
      continue;
    }
    const changes = [...FIELD_FLAGS, ...FIELD_TEXTS, ...FIELD_NUMBERS]
      .filter((key) => haveNormal[key] !== want[key])
      .map((key) => `${key} ${show(haveNormal[key])} → ${show(want[key])}`);
    if (changes.length > 0) {
      details.push(`~ field ${want.fieldname}: ${changes.join(', ')}`);
      fieldsChanged = true;
    }
    mergedFields.push({ ...want, name: have.name });
  }
  if (incompatible.length > 0) {
    plan.conflicts.push(
      `DocType ${definition.name} exists with an incompatible field: ${incompatible.join('; ')}. ` +
        `Change or remove that field in the ERP (Customize Form), then run the installer again.`,
    );
    return;
  }
  const desiredNames = new Set(definition.fields.map((field) => field.fieldname));
  for (const field of erp.fields) {
    if (desiredNames.has(field.fieldname)) continue;
    // Kept, after the add-on's fields, under its own row name so that nothing about it changes;
    // without its old idx, so that Frappe numbers the rows in the order sent.
    const { idx: _idx, ...kept } = field;
    mergedFields.push(kept);
    if (!FRAPPE_MANAGED_FIELDS.has(field.fieldname)) {
      plan.notes.push(`DocType ${definition.name}: field ${field.fieldname} is in the ERP but not in the add-on's definitions; it is left in place.`);
    }
  }
  if (fieldsChanged) body.fields = mergedFields;

  // Permissions: rows for the roles the add-on names are set as defined; other roles' rows, added on
  // the site, are kept.
  if (!definition.istable) {
    const wanted = definition.permissions.map(normalPerm);
    const wantedRoles = new Set(wanted.map((perm) => perm.role));
    const erpPerms = new Map(erp.permissions.map((perm) => [permKey(normalPerm(perm)), perm]));
    let permsChanged = false;
    const mergedPerms: Record<string, unknown>[] = [];
    for (const want of wanted) {
      const have = erpPerms.get(permKey(want));
      if (!have) {
        details.push(`+ permission ${want.role}: ${rightsOf(want)}`);
        permsChanged = true;
        mergedPerms.push(want);
        continue;
      }
      const haveNormal = normalPerm(have);
      const changed = RIGHTS.filter((right) => haveNormal[right] !== want[right]);
      if (changed.length > 0) {
        details.push(`~ permission ${want.role}: ${changed.map((right) => `${right} ${String(haveNormal[right])} → ${String(want[right])}`).join(', ')}`);
        permsChanged = true;
      }
      mergedPerms.push({ ...want, name: have.name });
    }
    for (const perm of erp.permissions) {
      if (wantedRoles.has(perm.role)) {
        if (!wanted.some((want) => permKey(want) === permKey(normalPerm(perm)))) {
          details.push(`- permission ${perm.role} (level ${String(perm.permlevel ?? 0)})`);
          permsChanged = true;
        }
        continue;
      }
      const { idx: _idx, ...kept } = perm as ErpDocPerm & { idx?: unknown };
      mergedPerms.push(kept);
    }
    if (permsChanged) body.permissions = mergedPerms;
  }

  if (details.length === 0) return;
  if (fromBench) {
    plan.conflicts.push(
      `DocType ${definition.name} comes from the bench app "creneau" and differs from these definitions (${details.join('; ')}): ` +
        `update the app on the bench (bench update, bench migrate) instead.`,
    );
    return;
  }
  plan.steps.push({ action: 'update', doctype: 'DocType', name: definition.name, body, summary: `~ DocType ${definition.name}`, details });
}

// ---------------------------------------------------------------------------------------------
// Custom Fields

const CUSTOM_FIELD_FLAGS = ['reqd', 'unique', 'read_only', 'no_copy', 'collapsible'] as const;
const CUSTOM_FIELD_TEXTS = ['label', 'options', 'default', 'description', 'insert_after', 'module'] as const;

function customFieldBody(field: CustomFieldDefinition, module: string): Record<string, string | number> {
  const body: Record<string, string | number> = { dt: field.dt, fieldname: field.fieldname, fieldtype: field.fieldtype };
  for (const key of CUSTOM_FIELD_FLAGS) body[key] = flag(field[key]);
  for (const key of CUSTOM_FIELD_TEXTS) body[key] = text(field[key]);
  body.module = module;
  if (field.fieldtype === 'Check' && body.default === '') body.default = '0';
  return body;
}

function planCustomField(field: CustomFieldDefinition, erp: ErpCustomField | undefined, module: string, plan: Plan): void {
  const want = customFieldBody(field, module);
  if (!erp) {
    plan.steps.push({ action: 'create', doctype: 'Custom Field', name: field.name, body: want, summary: `+ Custom Field ${field.name} (${field.fieldtype})`, details: [] });
    return;
  }
  const record = erp as Record<string, unknown>;
  if (erp.fieldtype !== field.fieldtype || (field.fieldtype === 'Link' && text(record.options) !== text(field.options))) {
    plan.conflicts.push(
      `Custom Field ${field.name} exists as ${erp.fieldtype}${erp.fieldtype === 'Link' ? ` to ${text(record.options)}` : ''}, ` +
        `the add-on needs ${field.fieldtype}${field.fieldtype === 'Link' ? ` to ${text(field.options)}` : ''}: delete or rename that field in the ERP first.`,
    );
    return;
  }
  const have: Record<string, string | number> = {};
  for (const key of CUSTOM_FIELD_FLAGS) have[key] = flag(record[key]);
  for (const key of CUSTOM_FIELD_TEXTS) have[key] = text(record[key]);
  if (field.fieldtype === 'Check' && have.default === '') have.default = '0';
  const body: Record<string, unknown> = {};
  const details: string[] = [];
  for (const key of [...CUSTOM_FIELD_FLAGS, ...CUSTOM_FIELD_TEXTS]) {
    const from = have[key] ?? '';
    const to = want[key] ?? '';
    if (from !== to) {
      details.push(`~ ${key}: ${show(from)} → ${show(to)}`);
      body[key] = to;
    }
  }
  if (details.length > 0) plan.steps.push({ action: 'update', doctype: 'Custom Field', name: field.name, body, summary: `~ Custom Field ${field.name}`, details });
}

// ---------------------------------------------------------------------------------------------
// Webhooks

export interface DesiredWebhook {
  name: string;
  body: Record<string, unknown>;
}

export function desiredWebhooks(place: string, sidecarUrl: string): DesiredWebhook[] {
  const url = webhookUrl(sidecarUrl, place);
  return WEBHOOK_EVENTS.flatMap(({ doctype, events }) =>
    events.map((event) => ({
      name: webhookName(place, doctype, event),
      body: {
        webhook_doctype: doctype,
        webhook_docevent: event,
        request_url: url,
        request_method: 'POST',
        request_structure: 'Form URL-Encoded',
        enabled: 1,
        enable_security: 1,
        webhook_data: WEBHOOK_DATA.map((row) => ({ ...row })),
        webhook_headers: [
          { key: WEBHOOK_PLACE_HEADER, value: place },
          { key: WEBHOOK_DOCTYPE_HEADER, value: doctype },
          { key: WEBHOOK_EVENT_HEADER, value: event },
        ],
      },
    })),
  );
}

function webhookDifferences(want: Record<string, unknown>, have: ErpWebhook): string[] {
  const record = have as Record<string, unknown>;
  const details: string[] = [];
  for (const key of ['webhook_doctype', 'webhook_docevent', 'request_url', 'request_method', 'request_structure'] as const) {
    if (text(record[key]) !== text(want[key])) details.push(`~ ${key}: ${show(text(record[key]))} → ${show(text(want[key]))}`);
  }
  for (const key of ['enabled', 'enable_security'] as const) {
    if (flag(record[key]) !== flag(want[key])) details.push(`~ ${key}: ${String(flag(record[key]))} → ${String(flag(want[key]))}`);
  }
  const rows = (list: readonly { [key: string]: unknown }[], a: string, b: string): string =>
    list.map((row) => `${text(row[a])}=${text(row[b])}`).join(', ');
  const wantData = rows(want.webhook_data as { fieldname: string; key: string }[], 'fieldname', 'key');
  if (rows(have.webhook_data, 'fieldname', 'key') !== wantData) details.push(`~ data sent: ${wantData}`);
  const wantHeaders = rows(want.webhook_headers as { key: string; value: string }[], 'key', 'value');
  if (rows(have.webhook_headers, 'key', 'value') !== wantHeaders) details.push(`~ headers: ${wantHeaders}`);
  return details;
}

function planWebhooks(target: InstallTarget, snapshot: ErpSnapshot, plan: Plan): void {
  const wanted = desiredWebhooks(target.place, target.sidecarUrl);
  const secret = target.webhookSecret;
  for (const webhook of wanted) {
    const have = snapshot.webhooks.get(webhook.name);
    if (!have) {
      plan.steps.push({
        action: 'create',
        doctype: 'Webhook',
        name: webhook.name,
        body: { name: webhook.name, ...webhook.body, webhook_secret: secret.value },
        summary: `+ Webhook "${webhook.name}" → ${text(webhook.body.request_url)}`,
        details: [],
      });
      continue;
    }
    const details = webhookDifferences(webhook.body, have);
    const body: Record<string, unknown> = details.length > 0 ? { ...webhook.body } : {};
    if (secret.isNew) {
      // The ERP shows a Password as asterisks: a secret the sidecar no longer has must be replaced.
      details.push('~ webhook secret: a new one, kept in the sidecar\'s secrets file');
      body.webhook_secret = secret.value;
    }
    if (details.length > 0) plan.steps.push({ action: 'update', doctype: 'Webhook', name: webhook.name, body, summary: `~ Webhook "${webhook.name}"`, details });
  }
  const wantedNames = new Set(wanted.map((webhook) => webhook.name));
  for (const name of snapshot.webhooks.keys()) {
    if (!wantedNames.has(name)) plan.steps.push({ action: 'delete', doctype: 'Webhook', name, summary: `- Webhook "${name}" (no longer needed)`, details: [] });
  }
}

// ---------------------------------------------------------------------------------------------
// The install plan

/** Standard DocTypes the add-on needs: Link targets, extended DocTypes, watched DocTypes. */
export function standardDocTypesNeeded(definitions: AddonDefinitions): string[] {
  const own = new Set(definitions.doctypes.map((doctype) => doctype.name));
  const needed = new Set<string>();
  for (const doctype of definitions.doctypes) {
    for (const target of dependenciesOf(doctype)) if (!own.has(target)) needed.add(target);
  }
  for (const field of definitions.customFields) needed.add(field.dt);
  for (const { doctype } of WEBHOOK_EVENTS) if (!own.has(doctype)) needed.add(doctype);
  return [...needed].sort();
}

export function planInstall(definitions: AddonDefinitions, target: InstallTarget, snapshot: ErpSnapshot): Plan {
  const plan: Plan = { steps: [], conflicts: [], notes: [] };
  if (snapshot.unreadable.size > 0) return { ...plan, conflicts: unreadableLines(snapshot) };

  const missing = [...snapshot.standardDocTypes].filter(([, exists]) => !exists).map(([name]) => name);
  if (missing.length > 0) {
    plan.conflicts.push(`This ERP has no ${missing.join(', ')} DocType${missing.length > 1 ? 's' : ''}: the add-on needs ERPNext or Dokos installed on the site.`);
  }

  if (target.module !== 'Custom' && !snapshot.moduleDefs.has(target.module)) {
    plan.steps.push({
      action: 'create',
      doctype: 'Module Def',
      name: target.module,
      // A custom module lives only in the database: Frappe writes no folder for it (module_def.py on_update).
      body: { module_name: target.module, custom: 1, app_name: 'frappe' },
      summary: `+ Module Def ${target.module}`,
      details: [],
    });
  }
  for (const role of definitions.setup.roles) {
    if (!snapshot.existingRoles.has(role.role_name)) {
      plan.steps.push({ action: 'create', doctype: 'Role', name: role.role_name, body: { ...role }, summary: `+ Role ${role.role_name}`, details: [] });
    }
  }
  for (const doctype of definitions.doctypes) planDocType(doctype, snapshot.doctypes.get(doctype.name), target, plan);
  for (const field of definitions.customFields) {
    const erp = snapshot.customFields.get(field.name);
    // Custom Fields installed by the bench app come as fixtures with the app's module; they are the app's to update.
    planCustomField(field, erp, erp && text((erp as Record<string, unknown>).module) === field.module ? text(field.module) : target.module, plan);
  }

  if (snapshot.uoms === null) {
    plan.notes.push('This ERP has no UOM DocType: the units Hour, Half Day and Day were not checked.');
  } else {
    for (const uom of definitions.setup.uoms) {
      if (!snapshot.uoms.has(uom.uom_name)) {
        plan.steps.push({
          action: 'create',
          doctype: 'UOM',
          name: uom.uom_name,
          body: { uom_name: uom.uom_name, must_be_whole_number: uom.must_be_whole_number, enabled: 1 },
          summary: `+ UOM ${uom.uom_name}`,
          details: [],
        });
      }
    }
  }
  if (snapshot.uomConversionFactors === null || snapshot.uomCategories === null) {
    plan.notes.push('This ERP has no UOM Conversion Factor DocType: the Half Day and Day conversion factors were not set.');
  } else {
    const categories = new Set(snapshot.uomCategories);
    for (const factor of definitions.setup.uom_conversion_factors) {
      const existing = snapshot.uomConversionFactors.find((row) => row.from_uom === factor.from_uom && row.to_uom === factor.to_uom);
      if (existing) {
        if (Number(existing.value) !== factor.value) {
          plan.notes.push(
            `UOM Conversion Factor ${factor.from_uom} → ${factor.to_uom} is ${String(existing.value)} on this ERP (the add-on would set ${String(factor.value)}); it is left as it is.`,
          );
        }
        continue;
      }
      if (!categories.has(factor.category)) {
        categories.add(factor.category);
        plan.steps.push({ action: 'create', doctype: 'UOM Category', name: factor.category, body: { name: factor.category, category_name: factor.category }, summary: `+ UOM Category ${factor.category}`, details: [] });
      }
      plan.steps.push({
        action: 'create',
        doctype: 'UOM Conversion Factor',
        name: `${factor.from_uom} → ${factor.to_uom}`,
        body: { ...factor },
        summary: `+ UOM Conversion Factor 1 ${factor.from_uom} = ${String(factor.value)} ${factor.to_uom}`,
        details: [],
      });
    }
  }

  planWebhooks(target, snapshot, plan);
  plan.conflicts.push(...missingPermissions(plan.steps, snapshot));
  return plan;
}

function permissionLine(snapshot: ErpSnapshot, doctype: string, lacking: readonly Right[], needed: readonly Right[]): string {
  const rows = (snapshot.permissions.get(doctype) ?? []).filter((row) => row.permlevel === 0);
  const granting = [...new Set(rows.filter((row) => needed.every((right) => row[right])).map((row) => row.role))];
  return (
    `Permission missing: the API user ${snapshot.user} may not ${lacking.join(' or ')} ${doctype}` +
    (granting.length > 0 ? `; give it one of these roles: ${granting.join(', ')}.` : rows.length > 0 ? '; no role on this ERP may do that.' : '; give it the System Manager role.')
  );
}

function unreadableLines(snapshot: ErpSnapshot): string[] {
  return [...snapshot.unreadable].map(([doctype, needed]) => permissionLine(snapshot, doctype, ['read'], ['read', ...needed]));
}

/** The rights the steps need that the API user's roles do not give, one line per DocType. */
export function missingPermissions(steps: readonly Step[], snapshot: ErpSnapshot): string[] {
  if (snapshot.userRoles === 'all') return [];
  const roles = snapshot.userRoles;
  const needed = new Map<string, Set<Right>>();
  for (const step of steps) {
    const right: Right = step.action === 'update' ? 'write' : step.action;
    const set = needed.get(step.doctype) ?? new Set<Right>();
    set.add(right);
    needed.set(step.doctype, set);
  }
  const lines: string[] = [];
  for (const [doctype, rights] of needed) {
    const rows = snapshot.permissions.get(doctype);
    if (!rows) continue;
    const levelZero = rows.filter((row) => row.permlevel === 0);
    const lacking = [...rights].filter((right) => !levelZero.some((row) => row[right] && roles.has(row.role)));
    if (lacking.length > 0) lines.push(permissionLine(snapshot, doctype, lacking, lacking));
  }
  return lines;
}

// ---------------------------------------------------------------------------------------------
// Uninstall

export interface UninstallSnapshot extends ErpSnapshot {
  /** Documents in each of the add-on's DocTypes that hold records (neither Single nor child table). */
  recordCounts: ReadonlyMap<string, number>;
  /** Documents of the extended DocType where the add-on's Custom Field holds a value. */
  customFieldValueCounts: ReadonlyMap<string, number>;
}

export interface UninstallOptions {
  place: string;
  module: string;
  /** Delete even though the add-on's DocTypes hold records. */
  force: boolean;
}

export function planUninstall(definitions: AddonDefinitions, options: UninstallOptions, snapshot: UninstallSnapshot): Plan {
  const plan: Plan = { steps: [], conflicts: [], notes: [] };
  if (snapshot.unreadable.size > 0) return { ...plan, conflicts: unreadableLines(snapshot) };

  const held: string[] = [];
  for (const [doctype, count] of snapshot.recordCounts) if (count > 0) held.push(`${doctype} holds ${String(count)} record${count > 1 ? 's' : ''}`);
  for (const [field, count] of snapshot.customFieldValueCounts) {
    if (count > 0) held.push(`Custom Field ${field} has a value on ${String(count)} document${count > 1 ? 's' : ''}`);
  }
  if (held.length > 0) {
    if (options.force) plan.notes.push(`--force: deleting although ${held.join(', ')}.`);
    else plan.conflicts.push(`Refusing to uninstall while records exist (${held.join('; ')}): export them first, or run again with --force to delete them.`);
  }

  for (const name of snapshot.webhooks.keys()) plan.steps.push({ action: 'delete', doctype: 'Webhook', name, summary: `- Webhook "${name}"`, details: [] });

  for (const field of definitions.customFields) {
    const erp = snapshot.customFields.get(field.name);
    if (!erp) continue;
    plan.steps.push({ action: 'delete', doctype: 'Custom Field', name: field.name, summary: `- Custom Field ${field.name}`, details: [] });
  }

  // Holders before what they hold: the reverse of the creation order.
  for (const doctype of [...definitions.doctypes].reverse()) {
    const erp = snapshot.doctypes.get(doctype.name);
    if (!erp) continue;
    if (flag(erp.custom) === 0) {
      plan.notes.push(`DocType ${doctype.name} comes from the bench app "creneau": remove it with bench uninstall-app creneau.`);
      continue;
    }
    const count = snapshot.recordCounts.get(doctype.name) ?? 0;
    plan.steps.push({
      action: 'delete',
      doctype: 'DocType',
      name: doctype.name,
      summary: `- DocType ${doctype.name}${count > 0 ? ` and its ${String(count)} record${count > 1 ? 's' : ''}` : ''}`,
      details: [],
    });
  }

  if (snapshot.uomConversionFactors !== null) {
    for (const factor of definitions.setup.uom_conversion_factors) {
      const existing = snapshot.uomConversionFactors.find(
        (row) => row.from_uom === factor.from_uom && row.to_uom === factor.to_uom && Number(row.value) === factor.value,
      );
      if (existing) {
        plan.steps.push({
          action: 'delete',
          doctype: 'UOM Conversion Factor',
          name: existing.name,
          summary: `- UOM Conversion Factor 1 ${factor.from_uom} = ${String(factor.value)} ${factor.to_uom}`,
          details: [],
          keepIfLinked: true,
        });
      }
    }
  }
  if (snapshot.uoms !== null) {
    for (const uom of definitions.setup.uoms) {
      if (uom.ships_with_erpnext || !snapshot.uoms.has(uom.uom_name)) continue;
      // Kept when Item Prices or invoices sell in it: deleting it would break them.
      plan.steps.push({ action: 'delete', doctype: 'UOM', name: uom.uom_name, summary: `- UOM ${uom.uom_name} (kept if in use)`, details: [], keepIfLinked: true });
    }
  }
  for (const role of definitions.setup.roles) {
    if (!snapshot.existingRoles.has(role.role_name)) continue;
    plan.steps.push({ action: 'delete', doctype: 'Role', name: role.role_name, summary: `- Role ${role.role_name} (kept if given to users)`, details: [], keepIfLinked: true });
  }
  const moduleDef = snapshot.moduleDefs.get(options.module);
  if (options.module !== 'Custom' && moduleDef?.custom === true) {
    plan.steps.push({ action: 'delete', doctype: 'Module Def', name: options.module, summary: `- Module Def ${options.module}`, details: [], keepIfLinked: true });
  }

  plan.conflicts.push(...missingPermissions(plan.steps, snapshot));
  return plan;
}

/** The difference as `--dry-run` prints it: one line per write, its details indented under it. Conflicts are the caller's to print. */
export function describePlan(plan: Plan, nothingToDo = 'Nothing to change: the ERP already has everything the add-on needs.'): string[] {
  if (plan.steps.length === 0 && plan.conflicts.length === 0) return [nothingToDo, ...plan.notes.map((note) => `note: ${note}`)];
  const lines: string[] = [];
  for (const step of plan.steps) {
    lines.push(step.summary);
    for (const detail of step.details) lines.push(`    ${detail}`);
  }
  for (const note of plan.notes) lines.push(`note: ${note}`);
  return lines;
}
