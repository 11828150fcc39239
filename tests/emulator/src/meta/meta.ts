/** A document as Frappe serialises it: field → value, child tables as arrays of documents. */
export type Doc = Record<string, unknown>;

export interface DocField {
  fieldname: string;
  label?: string | null;
  fieldtype: string;
  options?: string | null;
  reqd?: number;
  unique?: number;
  default?: string | null;
  allow_on_submit?: number;
  read_only?: number;
  hidden?: number;
  non_negative?: number;
  set_only_once?: number;
  fetch_from?: string | null;
  fetch_if_empty?: number;
  length?: number;
  no_copy?: number;
  is_virtual?: number;
  permlevel?: number;
  precision?: string | null;
  insert_after?: string | null;
  [key: string]: unknown;
}

export interface DocPerm {
  role: string;
  permlevel?: number;
  if_owner?: number;
  [right: string]: unknown;
}

export const PERM_RIGHTS = [
  'select', 'read', 'write', 'create', 'delete', 'submit', 'cancel', 'amend',
  'print', 'email', 'report', 'import', 'export', 'share',
] as const;
export type PermRight = (typeof PERM_RIGHTS)[number];

/** Fieldtypes without a database column. */
export const NO_VALUE_FIELDTYPES = new Set([
  'Section Break', 'Column Break', 'Tab Break', 'HTML', 'Table', 'Table MultiSelect',
  'Button', 'Image', 'Fold', 'Heading',
]);
export const TABLE_FIELDTYPES = new Set(['Table', 'Table MultiSelect']);
export const FLOAT_FIELDTYPES = new Set(['Float', 'Currency', 'Percent', 'Duration']);
export const INT_FIELDTYPES = new Set(['Int', 'Long Int', 'Check']);

/** MariaDB varchar columns (length 140 unless the field says otherwise). */
export const VARCHAR_FIELDTYPES = new Set([
  'Data', 'Link', 'Dynamic Link', 'Select', 'Read Only', 'Color', 'Icon', 'Phone', 'Autocomplete',
]);

/** Columns every document has, in the order Frappe serialises them. */
export const DEFAULT_FIELDS = ['name', 'owner', 'creation', 'modified', 'modified_by', 'docstatus', 'idx'] as const;
export const CHILD_TABLE_FIELDS = ['parent', 'parentfield', 'parenttype'] as const;
export const OPTIONAL_FIELDS = ['_user_tags', '_comments', '_assign', '_liked_by', '_seen'] as const;

const STANDARD_FIELD_DEFS: Record<string, DocField> = {
  name: { fieldname: 'name', fieldtype: 'Link', label: 'ID' },
  owner: { fieldname: 'owner', fieldtype: 'Link', label: 'Created By', options: 'User' },
  idx: { fieldname: 'idx', fieldtype: 'Int', label: 'Index' },
  creation: { fieldname: 'creation', fieldtype: 'Datetime', label: 'Created On' },
  modified: { fieldname: 'modified', fieldtype: 'Datetime', label: 'Last Updated On' },
  modified_by: { fieldname: 'modified_by', fieldtype: 'Link', label: 'Last Updated By', options: 'User' },
  docstatus: { fieldname: 'docstatus', fieldtype: 'Int', label: 'Document Status' },
  parent: { fieldname: 'parent', fieldtype: 'Data', label: 'Parent' },
  parentfield: { fieldname: 'parentfield', fieldtype: 'Data', label: 'Parent Field' },
  parenttype: { fieldname: 'parenttype', fieldtype: 'Data', label: 'Parent Type' },
  _user_tags: { fieldname: '_user_tags', fieldtype: 'Data', label: 'Tags' },
  _liked_by: { fieldname: '_liked_by', fieldtype: 'Data', label: 'Liked By' },
  _comments: { fieldname: '_comments', fieldtype: 'Text', label: 'Comments' },
  _assign: { fieldname: '_assign', fieldtype: 'Text', label: 'Assigned To' },
  _seen: { fieldname: '_seen', fieldtype: 'Text', label: 'Seen' },
};

export function standardField(fieldname: string): DocField | undefined {
  return STANDARD_FIELD_DEFS[fieldname];
}

function num(v: unknown): number {
  return typeof v === 'number' ? v : typeof v === 'string' ? Number(v) || 0 : v === true ? 1 : 0;
}

function strOrNull(v: unknown): string | null {
  return typeof v === 'string' && v !== '' ? v : null;
}

/**
 * A DocType's metadata, derived from its DocType document plus its Custom Fields, with the
 * lookups the document engine and the query engine need precomputed.
 */
export class Meta {
  readonly name: string;
  readonly module: string;
  readonly istable: boolean;
  readonly issingle: boolean;
  readonly isSubmittable: boolean;
  readonly custom: boolean;
  readonly isVirtual: boolean;
  readonly autoname: string;
  readonly titleField: string | null;
  readonly sortField: string;
  readonly sortOrder: string;
  readonly fields: DocField[];
  readonly permissions: DocPerm[];
  /** Fieldnames with a column, in document order: the keys of a serialised document. */
  readonly valueFields: DocField[];
  readonly tableFields: DocField[];
  readonly linkFields: DocField[];
  readonly dynamicLinkFields: DocField[];
  readonly selectFields: DocField[];
  private readonly byName = new Map<string, DocField>();

  constructor(
    /** The DocType document this meta was built from (served by /api/resource/DocType). */
    readonly doc: Doc,
    customFields: DocField[] = [],
  ) {
    this.name = String(doc.name);
    this.module = typeof doc.module === 'string' ? doc.module : '';
    this.istable = num(doc.istable) === 1;
    this.issingle = num(doc.issingle) === 1;
    this.isSubmittable = num(doc.is_submittable) === 1;
    this.custom = num(doc.custom) === 1;
    this.isVirtual = num(doc.is_virtual) === 1;
    this.autoname = typeof doc.autoname === 'string' ? doc.autoname : '';
    this.titleField = strOrNull(doc.title_field);
    this.sortField = strOrNull(doc.sort_field) ?? 'modified';
    this.sortOrder = strOrNull(doc.sort_order) ?? 'DESC';

    const own = Array.isArray(doc.fields) ? (doc.fields as DocField[]).filter((f) => typeof f.fieldname === 'string' && f.fieldname) : [];
    const fields = [...own];
    for (const cf of customFields) {
      const after = cf.insert_after ? fields.findIndex((f) => f.fieldname === cf.insert_after) : -1;
      if (after >= 0) fields.splice(after + 1, 0, cf);
      else fields.push(cf);
    }
    this.fields = fields;
    this.permissions = Array.isArray(doc.permissions) ? (doc.permissions as DocPerm[]) : [];
    for (const f of fields) if (!this.byName.has(f.fieldname)) this.byName.set(f.fieldname, f);
    this.valueFields = fields.filter((f) => !NO_VALUE_FIELDTYPES.has(f.fieldtype));
    this.tableFields = fields.filter((f) => TABLE_FIELDTYPES.has(f.fieldtype));
    this.linkFields = fields.filter((f) => f.fieldtype === 'Link');
    this.dynamicLinkFields = fields.filter((f) => f.fieldtype === 'Dynamic Link');
    this.selectFields = fields.filter((f) => f.fieldtype === 'Select');
  }

  getField(fieldname: string): DocField | undefined {
    return this.byName.get(fieldname);
  }

  hasField(fieldname: string): boolean {
    return this.byName.has(fieldname);
  }

  /** A field of the document or a standard column (name, owner, creation, ...). */
  getFieldOrStandard(fieldname: string): DocField | undefined {
    return this.byName.get(fieldname) ?? standardField(fieldname);
  }

  /** Whether `fieldname` is a column of this DocType's table. */
  hasColumn(fieldname: string): boolean {
    const f = this.byName.get(fieldname);
    if (f) return !NO_VALUE_FIELDTYPES.has(f.fieldtype);
    if ((DEFAULT_FIELDS as readonly string[]).includes(fieldname)) return true;
    if (this.istable && (CHILD_TABLE_FIELDS as readonly string[]).includes(fieldname)) return true;
    return !this.istable && (OPTIONAL_FIELDS as readonly string[]).includes(fieldname);
  }

  label(fieldname: string): string {
    const f = this.getFieldOrStandard(fieldname);
    return (f?.label ?? '') || fieldname;
  }

  fieldtype(fieldname: string): string | undefined {
    return this.getFieldOrStandard(fieldname)?.fieldtype;
  }

  tableFieldFor(childDoctype: string): DocField | undefined {
    return this.tableFields.find((f) => f.options === childDoctype);
  }
}
