import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { z } from 'zod';

/**
 * The add-on's footprint in the ERP, read from the Frappe app in `frappe-app/`: its DocType JSON
 * files, its Custom Field fixtures and the records it needs (role, UOMs). This module is the one
 * place that knows that folder's layout; the REST installer, the emulator and the demo seed all
 * read the definitions through it, so each DocType is defined once.
 */

/** `frappe-app/creneau`, the Python package of the Frappe app (from `src/addon` or `dist/addon`). */
export const ADDON_APP_DIR = resolve(__dirname, '..', '..', '..', 'frappe-app', 'creneau');

/** The app's module folder ("Creneau" scrubbed) and the DocType folders under it. */
export function addonDocTypeRoot(appDir: string = ADDON_APP_DIR): string {
  return join(appDir, 'creneau', 'doctype');
}

/** One folder per DocType, each holding `<snake_name>.json` in Frappe's export format. */
export function addonDocTypeDirs(appDir: string = ADDON_APP_DIR): string[] {
  const root = addonDocTypeRoot(appDir);
  return readdirSync(root, { withFileTypes: true })
    .filter((entry) => entry.isDirectory() && existsSync(join(root, entry.name, `${entry.name}.json`)))
    .map((entry) => join(root, entry.name))
    .sort();
}

export const CUSTOM_FIELD_FIXTURE = join('fixtures', 'custom_field.json');
export const SETUP_RECORDS_FILE = 'setup_records.json';

/** The module of the bench app, and the REST installer's unless `--module` names another (such as Custom). */
export const ADDON_MODULE = 'Creneau';
/** Every DocType of the add-on starts with this, so that none collides with Dokos's own booking DocTypes. */
export const ADDON_DOCTYPE_PREFIX = 'Creneau ';
/** Every Custom Field of the add-on starts with this. */
export const ADDON_FIELD_PREFIX = 'creneau_';

/**
 * Frappe v15's field types, as its DocField.fieldtype Select lists them. A test holds this list to
 * the recorded DocField meta, so that it cannot drift from Frappe's.
 */
export const FRAPPE_FIELDTYPES = [
  'Autocomplete', 'Attach', 'Attach Image', 'Barcode', 'Button', 'Check', 'Code', 'Color', 'Column Break',
  'Currency', 'Data', 'Date', 'Datetime', 'Duration', 'Dynamic Link', 'Float', 'Fold', 'Geolocation', 'Heading',
  'HTML', 'HTML Editor', 'Icon', 'Image', 'Int', 'JSON', 'Link', 'Long Text', 'Markdown Editor', 'Password',
  'Percent', 'Phone', 'Read Only', 'Rating', 'Section Break', 'Select', 'Signature', 'Small Text', 'Tab Break',
  'Table', 'Table MultiSelect', 'Text', 'Text Editor', 'Time',
] as const;
export type FrappeFieldtype = (typeof FRAPPE_FIELDTYPES)[number];

/** Types that only shape the form: no column, no value. */
export const LAYOUT_FIELDTYPES: ReadonlySet<string> = new Set([
  'Section Break', 'Column Break', 'Tab Break', 'Fold', 'Heading', 'HTML', 'Button', 'Image',
]);
export const TABLE_FIELDTYPES: ReadonlySet<string> = new Set(['Table', 'Table MultiSelect']);

/** Frappe stores its flags as 0/1 integers, in exports and over REST alike. */
const Flag = z.union([z.literal(0), z.literal(1)]);
export type Flag = z.infer<typeof Flag>;

/** Field properties the add-on uses; Frappe exports may carry more, which pass through untouched. */
export const DocFieldDefinition = z.looseObject({
  fieldname: z
    .string()
    .regex(/^[a-z][a-z0-9_]*$/, 'lowercase letters, digits and underscores, starting with a letter')
    .max(64),
  fieldtype: z.enum(FRAPPE_FIELDTYPES),
  label: z.string().min(1).optional(),
  options: z.string().optional(),
  default: z.string().optional(),
  description: z.string().optional(),
  reqd: Flag.optional(),
  unique: Flag.optional(),
  read_only: Flag.optional(),
  hidden: Flag.optional(),
  bold: Flag.optional(),
  no_copy: Flag.optional(),
  print_hide: Flag.optional(),
  non_negative: Flag.optional(),
  search_index: Flag.optional(),
  in_list_view: Flag.optional(),
  in_standard_filter: Flag.optional(),
  allow_on_submit: Flag.optional(),
  collapsible: Flag.optional(),
  depends_on: z.string().optional(),
  mandatory_depends_on: z.string().optional(),
  fetch_from: z.string().optional(),
  /** Characters a Data field holds (Frappe's default, 0, is 140). */
  length: z.number().int().min(0).max(1000).optional(),
});
export type DocFieldDefinition = z.infer<typeof DocFieldDefinition>;

export const DocPermDefinition = z.looseObject({
  role: z.string().min(1),
  permlevel: z.number().int().min(0).optional(),
  read: Flag.optional(),
  write: Flag.optional(),
  create: Flag.optional(),
  delete: Flag.optional(),
  submit: Flag.optional(),
  cancel: Flag.optional(),
  amend: Flag.optional(),
  report: Flag.optional(),
  export: Flag.optional(),
  import: Flag.optional(),
  share: Flag.optional(),
  print: Flag.optional(),
  email: Flag.optional(),
  select: Flag.optional(),
  if_owner: Flag.optional(),
});
export type DocPermDefinition = z.infer<typeof DocPermDefinition>;

export const DocTypeDefinition = z.looseObject({
  doctype: z.literal('DocType'),
  name: z.string().min(1),
  module: z.string().min(1),
  fields: z.array(DocFieldDefinition).min(1),
  field_order: z.array(z.string()).optional(),
  permissions: z.array(DocPermDefinition),
  autoname: z.string().optional(),
  naming_rule: z.string().optional(),
  istable: Flag.optional(),
  issingle: Flag.optional(),
  is_submittable: Flag.optional(),
  editable_grid: Flag.optional(),
  track_changes: Flag.optional(),
  allow_rename: Flag.optional(),
  title_field: z.string().optional(),
  show_title_field_in_link: Flag.optional(),
  search_fields: z.string().optional(),
  sort_field: z.string().optional(),
  sort_order: z.enum(['ASC', 'DESC']).optional(),
  description: z.string().optional(),
});
export type DocTypeDefinition = z.infer<typeof DocTypeDefinition>;

export const CustomFieldDefinition = z.looseObject({
  doctype: z.literal('Custom Field'),
  /** Frappe names a Custom Field "<dt>-<fieldname>". */
  name: z.string().min(1),
  dt: z.string().min(1),
  fieldname: DocFieldDefinition.shape.fieldname,
  fieldtype: z.enum(FRAPPE_FIELDTYPES),
  insert_after: z.string().min(1),
  label: z.string().min(1).optional(),
  options: z.string().optional(),
  default: z.string().optional(),
  description: z.string().optional(),
  module: z.string().optional(),
  reqd: Flag.optional(),
  unique: Flag.optional(),
  read_only: Flag.optional(),
  no_copy: Flag.optional(),
  collapsible: Flag.optional(),
});
export type CustomFieldDefinition = z.infer<typeof CustomFieldDefinition>;

export const SetupRecords = z.strictObject({
  roles: z.array(z.strictObject({ role_name: z.string().min(1), desk_access: Flag })),
  uoms: z.array(
    z.strictObject({
      uom_name: z.string().min(1),
      must_be_whole_number: Flag,
      /** A fresh ERPNext site has it: the uninstaller leaves it, since other documents use it. */
      ships_with_erpnext: z.boolean(),
    }),
  ),
  uom_conversion_factors: z.array(
    z.strictObject({
      category: z.string().min(1),
      from_uom: z.string().min(1),
      to_uom: z.string().min(1),
      value: z.number().positive(),
    }),
  ),
});
export type SetupRecords = z.infer<typeof SetupRecords>;

export interface AddonDefinitions {
  /** Dependencies first: a child table before the DocTypes that hold it, a Link target before the DocTypes linking to it. */
  doctypes: DocTypeDefinition[];
  customFields: CustomFieldDefinition[];
  setup: SetupRecords;
  /** Where they were read from. */
  appDir: string;
}

export class AddonDefinitionError extends Error {
  override readonly name = 'AddonDefinitionError';
}

export function loadAddonDefinitions(appDir: string = ADDON_APP_DIR): AddonDefinitions {
  const doctypes = addonDocTypeDirs(appDir).map((dir) => {
    const base = dir.slice(dir.lastIndexOf('/') + 1);
    const file = join(dir, `${base}.json`);
    const doctype = parseFile(file, DocTypeDefinition);
    if (scrub(doctype.name) !== base) {
      throw new AddonDefinitionError(`${file}: DocType "${doctype.name}" belongs in a folder named ${scrub(doctype.name)}, not ${base}`);
    }
    return doctype;
  });
  if (doctypes.length === 0) throw new AddonDefinitionError(`${addonDocTypeRoot(appDir)}: no DocType definitions found`);
  return {
    doctypes: orderByDependencies(doctypes),
    customFields: parseFile(join(appDir, CUSTOM_FIELD_FIXTURE), z.array(CustomFieldDefinition)),
    setup: parseFile(join(appDir, SETUP_RECORDS_FILE), SetupRecords),
    appDir,
  };
}

/** Frappe's `scrub`: the folder and file name of a DocType. */
export function scrub(name: string): string {
  return name.replace(/[ -]/g, '_').toLowerCase();
}

/** DocTypes this one needs to exist first: the targets of its Link and Table fields. */
export function dependenciesOf(doctype: DocTypeDefinition): string[] {
  const targets = doctype.fields
    .filter((field) => (field.fieldtype === 'Link' || TABLE_FIELDTYPES.has(field.fieldtype)) && field.options)
    .map((field) => field.options ?? '')
    .filter((target) => target !== doctype.name);
  return [...new Set(targets)];
}

/**
 * Frappe checks, when a DocType is saved, that every Link and Table field names an existing
 * DocType; so the add-on's own DocTypes are created targets first. Depth-first, keeping the files'
 * order among independent DocTypes so that plans read the same from run to run.
 */
export function orderByDependencies(doctypes: readonly DocTypeDefinition[]): DocTypeDefinition[] {
  const byName = new Map(doctypes.map((doctype) => [doctype.name, doctype]));
  const ordered: DocTypeDefinition[] = [];
  const state = new Map<string, 'visiting' | 'done'>();
  const visit = (doctype: DocTypeDefinition, path: string[]): void => {
    const seen = state.get(doctype.name);
    if (seen === 'done') return;
    if (seen === 'visiting') {
      throw new AddonDefinitionError(`DocTypes link to each other in a cycle: ${[...path, doctype.name].join(' -> ')}`);
    }
    state.set(doctype.name, 'visiting');
    for (const target of dependenciesOf(doctype)) {
      const own = byName.get(target);
      if (own) visit(own, [...path, doctype.name]);
    }
    state.set(doctype.name, 'done');
    ordered.push(doctype);
  };
  for (const doctype of doctypes) visit(doctype, []);
  return ordered;
}

function parseFile<T>(file: string, schema: z.ZodType<T>): T {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    throw new AddonDefinitionError(`${file}: ${(error as Error).message}`);
  }
  const parsed = schema.safeParse(raw);
  if (!parsed.success) {
    const first = parsed.error.issues[0];
    const where = first ? first.path.map(String).join('.') : '';
    throw new AddonDefinitionError(`${file}: ${where ? `${where}: ` : ''}${first?.message ?? 'invalid'}`);
  }
  return parsed.data;
}
