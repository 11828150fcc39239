import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { Meta, type Doc, type DocField, type DocPerm } from './meta';
import { STUB_DOCTYPES, type StubDef } from './stubs';

/** Where the recorded DocType metadata of the reference site lives (inside the repository). */
export const RECORDED_META_DIR = path.resolve(__dirname, '../../../contract/recordings/meta');

let recordedCache: Doc[] | undefined;
let recordedCustomFields: Doc[] = [];

/**
 * Custom Fields that exist in the recorded metadata only because the recording session created
 * them (a fresh site does not have them: the contract suite creates them).
 */
const RECORDING_ARTEFACTS = new Set(['Sales Invoice-external_ref', 'Sales Invoice-custom_sync_state']);

/** Custom Fields ERPNext installs (Contact-is_billing_contact, Address-tax_category, ...), from the recorded metadata. */
export function recordedStandardCustomFields(): Doc[] {
  recordedDocTypes();
  return recordedCustomFields;
}

/**
 * The standard DocTypes as served by the reference site (GET /api/v2/doctype/<dt>/meta).
 * Parsed once per process: several emulators in one test worker share these immutable docs.
 */
export function recordedDocTypes(): Doc[] {
  if (!recordedCache) {
    const custom: Doc[] = [];
    recordedCache = readdirSync(RECORDED_META_DIR)
      .filter((f) => f.endsWith('.json'))
      .sort()
      .map((f) => {
        const parsed = JSON.parse(readFileSync(path.join(RECORDED_META_DIR, f), 'utf8')) as { data?: Doc };
        if (!parsed.data || typeof parsed.data.name !== 'string') {
          throw new Error(`Recorded meta ${f} has no "data.name": not a GET /api/v2/doctype/<dt>/meta answer`);
        }
        const { _table_fields: _ignoredTableFields, is_large_table: _ignoredLarge, ...doc } = parsed.data;
        const fields = Array.isArray(doc.fields) ? (doc.fields as Doc[]) : [];
        let previous: string | null = null;
        for (const field of fields) {
          if (Number(field.is_custom_field) === 1 && !RECORDING_ARTEFACTS.has(String(field.name))) {
            custom.push({ ...field, dt: doc.name, insert_after: previous });
          }
          previous = typeof field.fieldname === 'string' ? field.fieldname : previous;
        }
        doc.fields = fields.filter((field) => Number(field.is_custom_field) !== 1);
        if (doc.name === 'DocField' && !fields.some((f) => f.fieldname === 'show_preview_popup')) {
          // tabDocField has this column although the served meta omits it; GET DocType shows it.
          (doc.fields as Doc[]).push({ fieldname: 'show_preview_popup', fieldtype: 'Check', label: 'Show Preview Popup', default: '0' });
        }
        return Object.freeze(doc);
      });
    recordedCustomFields = custom;
  }
  return recordedCache;
}

const DOCFIELD_DEFAULTS: Record<string, unknown> = {
  search_index: 0, show_dashboard: 0, hidden: 0, set_only_once: 0, allow_in_quick_entry: 0, print_hide: 0,
  report_hide: 0, reqd: 0, bold: 0, in_global_search: 0, collapsible: 0, unique: 0, no_copy: 0,
  allow_on_submit: 0, show_preview_popup: 0, permlevel: 0, ignore_user_permissions: 0, columns: 0,
  in_list_view: 0, fetch_if_empty: 0, in_filter: 0, remember_last_selected_value: 0, ignore_xss_filter: 0,
  print_hide_if_no_value: 0, allow_bulk_edit: 0, in_standard_filter: 0, in_preview: 0, read_only: 0,
  precision: '', length: 0, translatable: 0, hide_border: 0, hide_days: 0, hide_seconds: 0, non_negative: 0,
  is_virtual: 0, sort_options: 0, show_on_timeline: 0, make_attachment_public: 0,
};

const DOCPERM_DEFAULTS: Record<string, unknown> = {
  permlevel: 0, read: 0, write: 0, create: 0, submit: 0, cancel: 0, delete: 0, amend: 0, report: 0,
  export: 0, import: 0, share: 0, print: 0, email: 0, if_owner: 0, select: 0,
};

export const DOCTYPE_DEFAULTS: Record<string, unknown> = {
  issingle: 0, is_virtual: 0, is_tree: 0, istable: 0, editable_grid: 1, track_changes: 0, module: null,
  autoname: null, naming_rule: '', sort_field: 'modified', sort_order: 'DESC', read_only: 0, in_create: 0,
  allow_copy: 0, allow_rename: 1, allow_import: 0, hide_toolbar: 0, track_seen: 0, max_attachments: 0,
  document_type: '', engine: 'InnoDB', is_submittable: 0, show_name_in_global_search: 0, custom: 0, beta: 0,
  has_web_view: 0, allow_guest_to_view: 0, email_append_to: 0, show_title_field_in_link: 0,
  translated_doctype: 0, is_calendar_and_gantt: 0, quick_entry: 0, grid_page_length: 50, track_views: 0,
  queue_in_background: 0, allow_events_in_timeline: 0, allow_auto_repeat: 0, make_attachments_public: 0,
  force_re_route_to_default_view: 0, show_preview_popup: 0, protect_attached_files: 0,
  index_web_pages_for_search: 1, row_format: 'Dynamic',
};

/**
 * Completes a DocType document written in the app JSON format (Frappe omits zero flags and child
 * bookkeeping in those files) so it reads like one loaded from the database.
 */
export function completeDocTypeDoc(raw: Doc, stamp: string, nameFor: (i: number) => string): Doc {
  const name = String(raw.name);
  const doc: Doc = { ...DOCTYPE_DEFAULTS, ...raw, doctype: 'DocType', docstatus: 0, idx: raw.idx ?? 0 };
  doc.creation = raw.creation ?? stamp;
  doc.modified = raw.modified ?? stamp;
  doc.owner = raw.owner ?? 'Administrator';
  doc.modified_by = raw.modified_by ?? 'Administrator';
  let counter = 0;
  const child = (row: Doc, parentfield: string, childDoctype: string, defaults: Record<string, unknown>, idx: number): Doc => ({
    ...defaults,
    ...row,
    doctype: childDoctype,
    name: row.name ?? nameFor(counter++),
    parent: name,
    parentfield,
    parenttype: 'DocType',
    idx,
    docstatus: 0,
    owner: row.owner ?? doc.owner,
    creation: row.creation ?? doc.creation,
    modified: row.modified ?? doc.modified,
    modified_by: row.modified_by ?? doc.modified_by,
  });
  doc.fields = (Array.isArray(raw.fields) ? (raw.fields as Doc[]) : []).map((f, i) => child(f, 'fields', 'DocField', DOCFIELD_DEFAULTS, i + 1));
  doc.permissions = (Array.isArray(raw.permissions) ? (raw.permissions as Doc[]) : []).map((p, i) =>
    child(p, 'permissions', 'DocPerm', DOCPERM_DEFAULTS, i + 1),
  );
  for (const key of ['actions', 'links', 'states'] as const) {
    doc[key] = Array.isArray(raw[key]) ? raw[key] : [];
  }
  delete doc.field_order;
  return doc;
}

/** DocType JSON files of an app (`<dir>/<doctype_snake>/<doctype_snake>.json`). */
export function readAppDocTypes(dir: string): Doc[] {
  const out: Doc[] = [];
  let entries: string[];
  try {
    entries = readdirSync(dir);
  } catch (err) {
    throw new Error(`Add-on DocType folder ${dir} cannot be read: ${(err as Error).message}`, { cause: err });
  }
  for (const entry of entries.sort()) {
    const folder = path.join(dir, entry);
    if (!statSync(folder).isDirectory()) continue;
    const file = path.join(folder, `${entry}.json`);
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch {
      continue;
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch (err) {
      throw new Error(`Add-on DocType file ${file} is not valid JSON: ${(err as Error).message}`, { cause: err });
    }
    if (typeof parsed !== 'object' || parsed === null || (parsed as Doc).doctype !== 'DocType' || typeof (parsed as Doc).name !== 'string') {
      continue;
    }
    out.push(parsed as Doc);
  }
  return out;
}

function stubDoc(def: StubDef): Doc {
  const perms: DocPerm[] = def.permissions ?? [
    { role: 'System Manager', read: 1, write: 1, create: 1, delete: 1, report: 1, export: 1, share: 1, print: 1, email: 1 },
  ];
  return {
    name: def.name,
    module: def.module ?? 'Setup',
    custom: 0,
    istable: def.istable ? 1 : 0,
    issingle: def.issingle ? 1 : 0,
    is_submittable: def.isSubmittable ? 1 : 0,
    autoname: def.autoname ?? (def.istable ? 'hash' : 'Prompt'),
    title_field: def.titleField ?? null,
    fields: def.fields ?? [],
    permissions: def.istable ? [] : perms,
  };
}

/**
 * All DocTypes of the site: the recorded standard ones, the add-on's, the ones created over REST,
 * and stand-ins for the standard DocTypes the recordings only reference (Territory, Account, ...).
 */
export class MetaRegistry {
  private readonly metas = new Map<string, Meta>();
  private readonly lowerIndex = new Map<string, string>();
  private readonly customFields = new Map<string, DocField[]>();

  get(name: string): Meta | undefined {
    const exact = this.metas.get(name);
    if (exact) return exact;
    const canonical = this.lowerIndex.get(name.toLowerCase());
    return canonical ? this.metas.get(canonical) : undefined;
  }

  has(name: string): boolean {
    return this.get(name) !== undefined;
  }

  names(): string[] {
    return [...this.metas.keys()];
  }

  /** (Re)builds the meta of a DocType from its document. */
  put(doc: Doc): Meta {
    const name = String(doc.name);
    const meta = new Meta(doc, this.customFields.get(name) ?? []);
    this.metas.set(name, meta);
    this.lowerIndex.set(name.toLowerCase(), name);
    return meta;
  }

  remove(name: string): void {
    this.metas.delete(name);
    this.lowerIndex.delete(name.toLowerCase());
    this.customFields.delete(name);
  }

  setCustomFields(doctype: string, fields: DocField[]): void {
    this.customFields.set(doctype, fields);
    const meta = this.get(doctype);
    if (meta) this.put(meta.doc);
  }

  /** Stub DocTypes: the explicit stand-ins, plus an empty one for every other referenced target. */
  stubDocs(): Doc[] {
    const out: Doc[] = [];
    const known = new Set(this.metas.keys());
    for (const def of STUB_DOCTYPES) {
      if (!known.has(def.name)) {
        out.push(stubDoc(def));
        known.add(def.name);
      }
    }
    // Child tables first: a missing Table target must be an istable stub, not a Prompt one.
    const pending = new Map<string, boolean>();
    const scan = (fields: DocField[]): void => {
      for (const f of fields) {
        const target = typeof f.options === 'string' ? f.options.trim() : '';
        if (!target) continue;
        if (f.fieldtype === 'Table' || f.fieldtype === 'Table MultiSelect') pending.set(target, true);
        else if (f.fieldtype === 'Link' && !pending.has(target)) pending.set(target, false);
      }
    };
    for (const meta of this.metas.values()) scan(meta.fields);
    for (const doc of out) scan((doc.fields as DocField[] | undefined) ?? []);
    for (const [name, istable] of pending) {
      if (known.has(name)) continue;
      out.push(stubDoc({ name, istable }));
      known.add(name);
    }
    return out;
  }
}
