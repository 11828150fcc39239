import { hasPermission, requireDocPermission } from '../auth/permissions';
import { FrappeError, frappeThrow, notFound } from '../errors';
import {
  CHILD_TABLE_FIELDS,
  DEFAULT_FIELDS,
  FLOAT_FIELDTYPES,
  INT_FIELDTYPES,
  NO_VALUE_FIELDTYPES,
  TABLE_FIELDTYPES,
  VARCHAR_FIELDTYPES,
  type Doc,
  type DocField,
  type Meta,
} from '../meta/meta';
import type { MetaRegistry } from '../meta/registry';
import type { SiteClock } from '../util/clock';
import { cint, flt } from '../util/decimal';
import { frappeHashName, type Rng } from '../util/random';
import type { Ctx } from './ctx';
import { makeAutoname, nameFromAutoname, validateName, type NamingEnv } from './naming';
import type { Tables } from './store';
import { asDict, dbValue, isRecord, pyText, str, truthy } from './values';

/**
 * frappe/hooks.py `ignore_links_on_delete` (v15): logs and side records that never block deleting the document they
 * point at (a Webhook with delivery logs, a document with comments or versions can be deleted).
 */
const IGNORE_LINKS_ON_DELETE: readonly string[] = [
  'Communication',
  'ToDo',
  'DocShare',
  'Email Unsubscribe',
  'Activity Log',
  'File',
  'Version',
  'Document Follow',
  'Comment',
  'View Log',
  'Tag Link',
  'Notification Log',
  'Email Queue',
  'Document Share Key',
  'Integration Request',
  'Unhandled Email',
  'Webhook Request Log',
  'Workspace',
  'Route History',
  'Access Log',
  'Permission Log',
];

export type Action = 'save' | 'submit' | 'cancel' | 'update_after_submit';

/** One write of one document, as the controller hooks see it. */
export interface DocOp {
  readonly engine: Engine;
  readonly ctx: Ctx;
  readonly meta: Meta;
  readonly doc: Doc;
  action: Action;
  readonly isNew: boolean;
  inInsert: boolean;
  /** The stored document before this write (undefined on insert). */
  readonly previous: Doc | undefined;
}

type Hook = (op: DocOp) => void;

/** Doctype-specific behaviour (Frappe's controller classes, ERPNext's business logic). */
export interface Controller {
  /** Runs before the meta's autoname rule; sets doc.name to take over naming. */
  autoname?: Hook;
  beforeInsert?: Hook;
  beforeValidate?: Hook;
  validate?: Hook;
  beforeSave?: Hook;
  beforeSubmit?: Hook;
  beforeCancel?: Hook;
  beforeUpdateAfterSubmit?: Hook;
  afterInsert?: Hook;
  onUpdate?: Hook;
  onSubmit?: Hook;
  onCancel?: Hook;
  onUpdateAfterSubmit?: Hook;
  onChange?: Hook;
  onTrash?: Hook;
  afterDelete?: Hook;
  /** DocTypes whose links do not block a cancel (ERPNext's ignore_linked_doctypes). */
  ignoreLinkedDoctypesOnCancel?: readonly string[];
}

const HOOK_BY_METHOD: Record<string, keyof Controller> = {
  before_insert: 'beforeInsert',
  before_validate: 'beforeValidate',
  validate: 'validate',
  before_save: 'beforeSave',
  before_submit: 'beforeSubmit',
  before_cancel: 'beforeCancel',
  before_update_after_submit: 'beforeUpdateAfterSubmit',
  after_insert: 'afterInsert',
  on_update: 'onUpdate',
  on_submit: 'onSubmit',
  on_cancel: 'onCancel',
  on_update_after_submit: 'onUpdateAfterSubmit',
  on_change: 'onChange',
  on_trash: 'onTrash',
  after_delete: 'afterDelete',
};

export interface EngineDeps {
  registry: MetaRegistry;
  tables: Tables;
  clock: SiteClock;
  rng: Rng;
  controllers: ReadonlyMap<string, Controller>;
  /** Global defaults applied to Link fields of that name (company, currency, country, fiscal_year). */
  defaults: () => Record<string, string>;
  /** Naming series parts other than dates and fields. */
  seriesVariable?: (part: string, doc: Doc) => string | undefined;
  /** Called for every run_method; webhooks listen here. */
  onDocEvent?: (ctx: Ctx, meta: Meta, doc: Doc, method: string, inInsert: boolean) => void;
  /** Stores a Password field's value out of the document (Frappe's __Auth table). */
  savePassword?: (ctx: Ctx, doctype: string, name: string, fieldname: string, value: string) => void;
}

export interface WriteOptions {
  ignorePermissions?: boolean;
  ignoreLinks?: boolean;
  ignoreMandatory?: boolean;
  ignoreValidate?: boolean;
}

function bold(v: unknown): string {
  return `<strong>${pyText(v)}</strong>`;
}

function clone<T>(value: T): T {
  return structuredClone(value);
}

/** Frappe's document lifecycle (frappe.model.document.Document) over the in-memory tables. */
export class Engine {
  constructor(readonly deps: EngineDeps) {}

  get registry(): MetaRegistry {
    return this.deps.registry;
  }

  get tables(): Tables {
    return this.deps.tables;
  }

  meta(doctype: string): Meta | undefined {
    return this.deps.registry.get(doctype);
  }

  /** frappe.get_meta: "DocType X not found" (404) for an unknown DocType. */
  requireMeta(doctype: string): Meta {
    const meta = this.meta(doctype);
    if (!meta) throw notFound('DocType', doctype);
    return meta;
  }

  private metaOf = (doctype: string): Meta | undefined => this.meta(doctype);

  private childMeta(tf: DocField): Meta | undefined {
    return typeof tf.options === 'string' ? this.meta(tf.options) : undefined;
  }

  // ---------------------------------------------------------------- reading

  stored(doctype: string, name: string): Doc | undefined {
    const meta = this.meta(doctype);
    if (!meta) return undefined;
    if (meta.issingle) return this.tables.get(meta.name, meta.name) ?? this.singleDefaults(meta);
    return this.tables.get(meta.name, name);
  }

  /** A Single never saved reads as its defaults (Document.load_from_db on an empty tabSingles). */
  private singleDefaults(meta: Meta): Doc {
    const ctxless = { user: 'Administrator' } as const;
    const doc: Doc = { name: meta.name, doctype: meta.name, docstatus: 0, idx: 0, owner: ctxless.user, modified_by: ctxless.user, creation: null, modified: null };
    for (const df of meta.valueFields) {
      const def = df.default;
      if (typeof def === 'string' && def !== '' && !def.startsWith(':')) {
        doc[df.fieldname] = def === 'Today' ? this.deps.clock.today() : def === '__user' ? ctxless.user : def;
      } else if (df.fieldtype === 'Select' && typeof df.options === 'string' && df.options) {
        doc[df.fieldname] = df.options.split('\n', 1)[0] ?? '';
      }
    }
    for (const tf of meta.tableFields) doc[tf.fieldname] = [];
    return this.storedForm(meta, doc);
  }

  exists(doctype: string, name: unknown): boolean {
    if (name === null || name === undefined || name === '') return false;
    return this.stored(doctype, str(name)) !== undefined;
  }

  /** frappe.get_doc(doctype, name): a working copy, 404 "<DocType> <name> not found" if missing. */
  getDoc(doctype: string, name: string): Doc {
    const meta = this.requireMeta(doctype);
    const doc = this.stored(meta.name, name);
    if (!doc) throw notFound(meta.name, name);
    return clone(doc);
  }

  getValue(doctype: string, name: string, fieldname: string): unknown {
    return this.stored(doctype, name)?.[fieldname];
  }

  // ---------------------------------------------------------------- new documents

  /** frappe.new_doc: a document with static, user and dynamic defaults. */
  newDoc(ctx: Ctx, doctype: string, parent?: { doc: Doc; parentfield: string }): Doc {
    const meta = this.requireMeta(doctype);
    const doc: Doc = { doctype: meta.name, __islocal: 1, owner: ctx.user, docstatus: 0 };
    const defaults = this.deps.defaults();
    for (const df of meta.valueFields) {
      if (df.fieldtype === 'Link' && df.options !== 'User') {
        const userDefault = defaults[df.fieldname];
        if (userDefault !== undefined && this.exists(String(df.options), userDefault)) {
          doc[df.fieldname] = userDefault;
          continue;
        }
      }
      if (df.fieldname === meta.titleField) continue;
      const def = df.default;
      if (typeof def === 'string' && def !== '') {
        if (def === '__user') doc[df.fieldname] = ctx.user;
        else if (def === 'Today') doc[df.fieldname] = this.deps.clock.today();
        else if (def.toLowerCase() === 'now' && df.fieldtype === 'Datetime') doc[df.fieldname] = this.deps.clock.now();
        else if (def.startsWith(':')) {
          // A default read from another document: ":Company" is the parent's company's field.
          const refDoctype = def.slice(1);
          const refField = refDoctype.toLowerCase().replace(/ /g, '_');
          const reference = parent ? parent.doc[refField] : defaults[refField];
          const value = typeof reference === 'string' && reference ? this.stored(refDoctype, reference)?.[df.fieldname] : undefined;
          if (value !== undefined && value !== null) doc[df.fieldname] = value;
        } else doc[df.fieldname] = def;
      } else if (df.fieldtype === 'Select' && typeof df.options === 'string' && df.options && !['[Select]', 'Loading...'].includes(df.options)) {
        doc[df.fieldname] = df.options.split('\n', 1)[0] ?? '';
      }
      if (df.fieldtype === 'Time' && doc[df.fieldname] === undefined) doc[df.fieldname] = this.deps.clock.now().slice(11);
    }
    for (const df of meta.valueFields) {
      const v = doc[df.fieldname];
      if (df.fieldtype === 'Check') doc[df.fieldname] = cint(v);
      else if (v !== undefined && v !== null) {
        if (df.fieldtype === 'Int') doc[df.fieldname] = cint(v);
        else if (FLOAT_FIELDTYPES.has(df.fieldtype)) doc[df.fieldname] = flt(v);
      }
    }
    if (!meta.issingle) doc.__unsaved = 1;
    for (const tf of meta.tableFields) doc[tf.fieldname] = [];
    if (parent) {
      doc.parent = parent.doc.name ?? null;
      doc.parenttype = parent.doc.doctype ?? null;
      doc.parentfield = parent.parentfield;
    }
    return doc;
  }

  /** BaseDocument._init_child: a child row bound to its parent. */
  initChild(parent: Doc, meta: Meta, tf: DocField, value: unknown, position: number): Doc | undefined {
    const childMeta = this.childMeta(tf);
    if (!childMeta || !isRecord(value)) return undefined;
    const row: Doc = { ...value, doctype: childMeta.name };
    row.parent = parent.name ?? null;
    row.parenttype = meta.name;
    row.parentfield = tf.fieldname;
    if (row.docstatus === undefined || row.docstatus === null) row.docstatus = 0;
    if (!cint(row.idx)) row.idx = position;
    if (!row.name) row.__islocal = 1;
    return row;
  }

  /** A working document from request data (frappe.get_doc(dict) / new_doc(**data)). */
  buildDoc(meta: Meta, data: Doc): Doc {
    const doc: Doc = { ...data, doctype: meta.name };
    for (const tf of meta.tableFields) {
      const rows = Array.isArray(data[tf.fieldname]) ? (data[tf.fieldname] as unknown[]) : [];
      const out: Doc[] = [];
      for (const row of rows) {
        const child = this.initChild(doc, meta, tf, row, out.length + 1);
        if (child) out.push(child);
      }
      doc[tf.fieldname] = out;
    }
    return doc;
  }

  /** BaseDocument.update(d) on a loaded document: child tables are replaced by the given rows. */
  applyUpdate(meta: Meta, doc: Doc, data: Doc): void {
    for (const [key, value] of Object.entries(data)) {
      if (key === 'doctype' || key === 'flags' || key === 'name') continue;
      const tf = meta.getField(key);
      if (tf && TABLE_FIELDTYPES.has(tf.fieldtype)) {
        const rows = Array.isArray(value) ? value : [];
        const out: Doc[] = [];
        for (const row of rows) {
          const child = this.initChild(doc, meta, tf, row, out.length + 1);
          if (child) out.push(child);
        }
        doc[key] = out;
      } else {
        doc[key] = value;
      }
    }
  }

  children(meta: Meta, doc: Doc): { row: Doc; meta: Meta; tf: DocField }[] {
    const out: { row: Doc; meta: Meta; tf: DocField }[] = [];
    for (const tf of meta.tableFields) {
      const childMeta = this.childMeta(tf);
      const rows = doc[tf.fieldname];
      if (!childMeta || !Array.isArray(rows)) continue;
      for (const row of rows) if (isRecord(row)) out.push({ row, meta: childMeta, tf });
    }
    return out;
  }

  /** Document._set_defaults: missing values from new_doc for new documents and new rows. */
  private setDefaults(ctx: Ctx, meta: Meta, doc: Doc): void {
    if (truthy(doc.__islocal)) updateIfMissing(doc, this.newDoc(ctx, meta.name));
    for (const tf of meta.tableFields) {
      const rows = doc[tf.fieldname];
      if (!Array.isArray(rows)) continue;
      let template: Doc | undefined;
      for (const row of rows) {
        if (!isRecord(row) || !truthy(row.__islocal)) continue;
        template ??= this.newDoc(ctx, String(tf.options), { doc, parentfield: tf.fieldname });
        updateIfMissing(row, template);
      }
    }
  }

  // ---------------------------------------------------------------- lifecycle

  private namingEnv(ctx: Ctx): NamingEnv {
    return {
      txn: ctx.txn,
      rng: this.deps.rng,
      now: this.deps.clock.now(),
      epochMs: this.deps.clock.epochMs(),
      seriesVariable: this.deps.seriesVariable,
    };
  }

  makeAutoname(ctx: Ctx, key: string, doc?: Doc): string {
    return makeAutoname(key, doc, this.namingEnv(ctx));
  }

  private runMethod(op: DocOp, method: string): void {
    const hookName = HOOK_BY_METHOD[method];
    const controller = this.deps.controllers.get(op.meta.name);
    const hook = hookName ? controller?.[hookName] : undefined;
    if (typeof hook === 'function') (hook)(op);
    this.deps.onDocEvent?.(op.ctx, op.meta, op.doc, method, op.inInsert);
  }

  private setUserAndTimestamp(ctx: Ctx, meta: Meta, doc: Doc, isNew: boolean): unknown {
    const original = doc.modified;
    doc.modified = this.deps.clock.now();
    doc.modified_by = ctx.user;
    if (isNew) {
      doc.creation = doc.modified;
      doc.owner = ctx.user;
    }
    for (const { row } of this.children(meta, doc)) {
      row.modified = doc.modified;
      row.modified_by = doc.modified_by;
      if (!row.owner) row.owner = doc.owner;
      if (!row.creation) row.creation = doc.creation;
    }
    return original;
  }

  private setDocstatus(meta: Meta, doc: Doc): void {
    doc.docstatus = cint(doc.docstatus);
    for (const { row } of this.children(meta, doc)) row.docstatus = doc.docstatus;
  }

  /** Document.check_docstatus_transition: decides the action of a save. */
  private docstatusTransition(ctx: Ctx, meta: Meta, doc: Doc, from: number): Action {
    const to = cint(doc.docstatus);
    if (from === 0) {
      if (to === 0) return 'save';
      if (to === 1) {
        requireDocPermission(ctx, meta, doc, 'submit');
        return 'submit';
      }
      throw new FrappeError('DocstatusTransitionError', { detail: 'Cannot change docstatus from 0 (Draft) to 2 (Cancelled)' });
    }
    if (from === 1) {
      if (to === 1) {
        requireDocPermission(ctx, meta, doc, 'submit');
        return 'update_after_submit';
      }
      if (to === 2) {
        requireDocPermission(ctx, meta, doc, 'cancel');
        return 'cancel';
      }
      throw new FrappeError('DocstatusTransitionError', { detail: 'Cannot change docstatus from 1 (Submitted) to 0 (Draft)' });
    }
    throw frappeThrow('Cannot edit cancelled document');
  }

  /** Document._validate_links, including fetch_from values. */
  validateLinks(meta: Meta, doc: Doc, isNew: boolean): void {
    const invalid: string[] = [];
    const cancelled: string[] = [];
    const check = (m: Meta, d: Doc, parentSubmittable: boolean): void => {
      const fields = [...m.linkFields, ...m.dynamicLinkFields];
      for (const df of fields) {
        const value = d[df.fieldname];
        if (value === null || value === undefined || value === '') continue;
        let target: string;
        if (df.fieldtype === 'Link') {
          target = str(df.options);
          if (!target) throw frappeThrow(`Options not set for link field ${df.fieldname}`);
        } else {
          target = str(d[str(df.options)]);
          if (!target) throw frappeThrow(`${m.label(str(df.options))} must be set first`);
        }
        const targetMeta = this.meta(target);
        if (!targetMeta) throw notFound('DocType', target);
        const fetchers = m.fields.filter(
          (f) => typeof f.fetch_from === 'string' && f.fetch_from.startsWith(`${df.fieldname}.`) && (!f.fetch_if_empty || !truthy(d[f.fieldname])),
        );
        const linked = targetMeta.issingle ? this.tables.get(targetMeta.name, targetMeta.name) ?? { name: targetMeta.name } : this.tables.get(targetMeta.name, str(value));
        const where = d.parentfield ? `Row #${cint(d.idx)}: ${m.label(df.fieldname)}: ${str(value)}` : `${m.label(df.fieldname)}: ${str(value)}`;
        if (!linked) {
          // With fields to fetch Frappe reads the row as a dict; a missing row yields None and the
          // check is skipped, leaving the controller to stumble on it (recorded 404 / 500 cases).
          if (fetchers.length === 0) invalid.push(where);
          continue;
        }
        d[df.fieldname] = targetMeta.issingle ? targetMeta.name : linked.name;
        const docstatus = cint(d.docstatus);
        for (const f of fetchers) {
          if (isNew || docstatus !== 1 || cint(f.allow_on_submit)) {
            const source = str(f.fetch_from).split('.').slice(1).join('.');
            d[f.fieldname] = linked[source] ?? null;
          }
        }
        if (df.fieldname !== 'amended_from' && (parentSubmittable || m.isSubmittable) && targetMeta.isSubmittable && cint(linked.docstatus) === 2) {
          cancelled.push(where);
        }
      }
    };
    check(meta, doc, meta.isSubmittable);
    for (const { row, meta: childMeta } of this.children(meta, doc)) check(childMeta, row, meta.isSubmittable);
    if (invalid.length > 0) throw frappeThrow(`Could not find ${invalid.join(', ')}`, 'LinkValidationError');
    if (cancelled.length > 0) throw frappeThrow(`Cannot link cancelled document: ${cancelled.join(', ')}`, 'CancelledLinkError');
  }

  private missingMandatory(ctx: Ctx, m: Meta, d: Doc): string[] {
    const missing: string[] = [];
    for (const df of m.fields) {
      if (!cint(df.reqd)) continue;
      const value = d[df.fieldname];
      const empty = TABLE_FIELDTYPES.has(df.fieldtype)
        ? !Array.isArray(value) || value.length === 0
        : value === null || value === undefined || (typeof value === 'string' ? value.replace(/<[^>]*>/g, '').trim() === '' && !value.includes('<img') : false);
      if (!empty) continue;
      missing.push(df.fieldname);
      const label = m.label(df.fieldname);
      if (TABLE_FIELDTYPES.has(df.fieldtype)) ctx.msgprint(`Error: Data missing in table: ${label}`);
      else if (d.parentfield) ctx.msgprint(`Error: <strong>${m.name}</strong> Row #${cint(d.idx)}: Value missing for: ${label}`);
      else ctx.msgprint(`Error: Value missing for ${m.name}: ${label}`);
    }
    return missing;
  }

  /** Document._validate_mandatory */
  private validateMandatory(ctx: Ctx, meta: Meta, doc: Doc): void {
    const missing = this.missingMandatory(ctx, meta, doc);
    for (const { row, meta: childMeta } of this.children(meta, doc)) missing.push(...this.missingMandatory(ctx, childMeta, row));
    if (missing.length > 0) {
      throw new FrappeError('MandatoryError', { detail: `[${meta.name}, ${pyText(doc.name)}]: ${missing.join(', ')}` });
    }
  }

  private validateFields(m: Meta, d: Doc): void {
    const prefixRow = d.parentfield ? `Row #${cint(d.idx)}:` : '';
    for (const df of m.selectFields) {
      if (df.fieldname === 'naming_series') continue;
      const value = d[df.fieldname];
      const options = str(df.options);
      if (!truthy(value) || !options) continue;
      const list = options.split('\n');
      if (!list.some((o) => o !== '')) continue;
      const text = str(value).trim();
      d[df.fieldname] = text;
      if (!list.includes(text)) {
        throw frappeThrow(`${prefixRow} ${m.label(df.fieldname)} cannot be "${text}". It should be one of "${list.join('", "')}"`);
      }
    }
    for (const df of m.fields) {
      const value = d[df.fieldname];
      if (df.fieldtype === 'Data' && df.options === 'Email' && truthy(value)) {
        for (const email of str(value).split(/[,\n;]/).map((s) => s.trim()).filter(Boolean)) {
          if (!/^[^@\s<>]+@[^@\s<>]+\.[^@\s<>]+$/.test(email) && !['Administrator', 'Guest'].includes(email)) {
            throw frappeThrow(`${email} is not a valid Email Address`, 'InvalidEmailAddressError', { title: 'Invalid Email Address' });
          }
        }
      }
      if (cint(df.non_negative) && ['Int', 'Float', 'Currency'].includes(df.fieldtype) && flt(value) < 0) {
        const msg = d.parentfield
          ? `<strong>${m.name}</strong> Row #${cint(d.idx)}: Value cannot be negative for <strong>${m.label(df.fieldname)}</strong>`
          : `Value cannot be negative for ${m.name}: <strong>${m.label(df.fieldname)}</strong>`;
        throw frappeThrow(msg, 'NonNegativeError', { title: 'Negative Value' });
      }
      if (VARCHAR_FIELDTYPES.has(df.fieldtype) && value !== null && value !== undefined) {
        const max = cint(df.length) || 140;
        const text = str(value);
        if (text.length > max) {
          const reference = d.parentfield ? `${m.name}, Row ${cint(d.idx)}` : `${m.name} ${pyText(d.name)}`;
          throw frappeThrow(
            `${reference}: '<strong>${m.label(df.fieldname)}</strong>' (${text}) will get truncated, as max characters allowed is ${max}`,
            'CharacterLengthExceededError',
            { title: 'Value too big' },
          );
        }
      }
      if (df.fieldtype === 'Rating' && value !== undefined) d[df.fieldname] = Math.max(0, Math.min(flt(value), 1));
    }
    const autoname = m.autoname;
    if (autoname.toLowerCase().startsWith('field:')) {
      const fieldname = autoname.slice(6);
      if (d.name && d.name !== d[fieldname]) d[fieldname] = d.name;
    }
  }

  /** Document._save_passwords: the secret leaves the document, stars stay in its place. */
  private savePasswords(ctx: Ctx, meta: Meta, doc: Doc): void {
    for (const df of meta.fields) {
      if (df.fieldtype !== 'Password' || df.fieldname === 'new_password') continue;
      const value = doc[df.fieldname];
      if (typeof value !== 'string' || value === '' || /^\*+$/.test(value)) continue;
      this.deps.savePassword?.(ctx, meta.name, str(doc.name), df.fieldname, value);
      doc[df.fieldname] = '*'.repeat(value.length);
    }
  }

  /** Document._validate */
  private validate(ctx: Ctx, meta: Meta, doc: Doc, opts: WriteOptions): void {
    if (!opts.ignoreMandatory) this.validateMandatory(ctx, meta, doc);
    this.validateFields(meta, doc);
    this.savePasswords(ctx, meta, doc);
    for (const { row, meta: childMeta } of this.children(meta, doc)) this.validateFields(childMeta, row);
    fixNumericTypes(meta, doc);
    for (const { row, meta: childMeta } of this.children(meta, doc)) fixNumericTypes(childMeta, row);
  }

  /** Document._validate_update_after_submit */
  private validateUpdateAfterSubmit(meta: Meta, doc: Doc, previous: Doc): void {
    const compare = (m: Meta, d: Doc, before: Doc | undefined, isRow: boolean): void => {
      for (const df of m.fields) {
        if (NO_VALUE_FIELDTYPES.has(df.fieldtype) && !TABLE_FIELDTYPES.has(df.fieldtype)) continue;
        if (cint(df.allow_on_submit)) continue;
        let mine: unknown = d[df.fieldname];
        let theirs: unknown = before?.[df.fieldname];
        if (!truthy(mine) && !truthy(theirs)) continue;
        if (TABLE_FIELDTYPES.has(df.fieldtype)) {
          mine = Array.isArray(mine) ? mine.length : 0;
          theirs = Array.isArray(theirs) ? theirs.length : 0;
        } else {
          mine = dbComparable(df, mine, m.name);
          theirs = dbComparable(df, theirs, m.name);
        }
        if (mine !== theirs) {
          throw frappeThrow(
            `${isRow ? `Row #${cint(d.idx)}:` : ''} Not allowed to change ${bold(m.label(df.fieldname))} after submission from ${bold(theirs)} to ${bold(mine)}`,
            'UpdateAfterSubmitError',
            { title: 'Cannot Update After Submit' },
          );
        }
      }
    };
    compare(meta, doc, previous, false);
    for (const { row, meta: childMeta, tf } of this.children(meta, doc)) {
      if (truthy(row.__islocal) && cint(tf.allow_on_submit)) continue;
      const rows = previous[tf.fieldname];
      const before = Array.isArray(rows) ? (rows as Doc[]).find((r) => r.name === row.name) : undefined;
      compare(childMeta, row, before, true);
    }
  }

  /** The document as the database holds it: valid columns only, dates normalised. */
  storedForm(meta: Meta, doc: Doc): Doc {
    const out: Doc = {};
    for (const key of DEFAULT_FIELDS) {
      const v = doc[key];
      out[key] = key === 'docstatus' || key === 'idx' ? cint(v) : v ?? null;
    }
    for (const df of meta.valueFields) {
      if ((DEFAULT_FIELDS as readonly string[]).includes(df.fieldname)) continue;
      out[df.fieldname] = dbValue(df, doc[df.fieldname], meta.name);
    }
    if (meta.istable) for (const key of CHILD_TABLE_FIELDS) out[key] = doc[key] ?? null;
    out.doctype = meta.name;
    for (const tf of meta.tableFields) {
      const childMeta = this.childMeta(tf);
      const rows = Array.isArray(doc[tf.fieldname]) ? (doc[tf.fieldname] as unknown[]) : [];
      out[tf.fieldname] = childMeta ? rows.filter(isRecord).map((r) => this.storedForm(childMeta, r)) : [];
    }
    return out;
  }

  private checkUnique(meta: Meta, stored: Doc): void {
    const uniques = meta.valueFields.filter((f) => cint(f.unique));
    if (uniques.length === 0) return;
    const ownKey = str(stored.name).toLowerCase();
    for (const df of uniques) {
      const value = stored[df.fieldname];
      if (value === null || value === undefined || value === '') continue;
      const needle = typeof value === 'string' ? value.toLowerCase() : value;
      for (const row of this.tables.rows(meta.name)) {
        if (str(row.name).toLowerCase() === ownKey) continue;
        const other = row[df.fieldname];
        if ((typeof other === 'string' ? other.toLowerCase() : other) === needle) {
          throw new FrappeError('UniqueValidationError', {
            detail: `('${meta.name}', '${str(stored.name)}', IntegrityError(1062, "Duplicate entry '${str(value)}' for key '${df.fieldname}'"))`,
            messages: [{ message: `${meta.label(df.fieldname)} must be unique`, title: 'Message' }],
          });
        }
      }
    }
  }

  /**
   * BaseDocument.db_insert for rows a controller appended after naming: they get a name and
   * their own creation time when written.
   */
  private finalizeChildren(ctx: Ctx, meta: Meta, doc: Doc): void {
    const env = this.namingEnv(ctx);
    for (const { row, meta: childMeta, tf } of this.children(meta, doc)) {
      if (!row.name) row.name = childName(childMeta, row, env);
      if (!row.creation) {
        row.creation = this.deps.clock.now();
        row.modified = row.creation;
        row.owner = ctx.user;
        row.modified_by = ctx.user;
      }
      row.parent = doc.name;
      row.parenttype = meta.name;
      row.parentfield = tf.fieldname;
      row.docstatus = cint(doc.docstatus);
    }
  }

  private dbInsert(ctx: Ctx, meta: Meta, doc: Doc): void {
    this.finalizeChildren(ctx, meta, doc);
    const stored = this.storedForm(meta, doc);
    const key = meta.issingle ? meta.name : str(stored.name);
    if (!meta.issingle && this.tables.has(meta.name, key)) {
      if (meta.autoname === 'hash') {
        doc.name = this.makeAutoname(ctx, 'hash');
        this.dbInsert(ctx, meta, doc);
        return;
      }
      ctx.msgprint(`${meta.name} <strong>${key}</strong> already exists`, { title: 'Duplicate Name', indicator: 'red' });
      throw new FrappeError('DuplicateEntryError', {
        detail: `('${meta.name}', '${key}', IntegrityError(1062, "Duplicate entry '${key}' for key 'PRIMARY'"))`,
      });
    }
    this.checkUnique(meta, stored);
    ctx.txn.put(meta.name, stored);
    doc.__islocal = 0;
    for (const { row } of this.children(meta, doc)) row.__islocal = 0;
  }

  private dbUpdate(ctx: Ctx, meta: Meta, doc: Doc, previous: Doc): void {
    this.finalizeChildren(ctx, meta, doc);
    const stored = this.storedForm(meta, doc);
    // update_child_table: rows named but absent from the database are UPDATEs of nothing.
    for (const tf of meta.tableFields) {
      const before = Array.isArray(previous[tf.fieldname]) ? (previous[tf.fieldname] as Doc[]) : [];
      const known = new Set(before.map((r) => str(r.name).toLowerCase()));
      const rows = stored[tf.fieldname] as Doc[];
      const inMemory = Array.isArray(doc[tf.fieldname]) ? (doc[tf.fieldname] as Doc[]) : [];
      stored[tf.fieldname] = rows.filter((r, i) => truthy(inMemory[i]?.__islocal) || known.has(str(r.name).toLowerCase()));
    }
    this.checkUnique(meta, stored);
    ctx.txn.put(meta.name, stored);
    for (const { row } of this.children(meta, doc)) row.__islocal = 0;
  }

  /** Document.insert */
  /** frappe.get_doc({doctype, ...data}).insert(): a new document, its defaults under `data`, inserted. */
  insertNew(ctx: Ctx, meta: Meta, data: Doc, opts: WriteOptions = {}): Doc {
    return this.insert(ctx, this.buildDoc(meta, { ...this.newDoc(ctx, meta.name), ...data }), opts);
  }

  insert(ctx: Ctx, input: Doc, opts: WriteOptions = {}): Doc {
    const meta = this.requireMeta(str(input.doctype));
    const doc = input;
    doc.doctype = meta.name;
    doc.__islocal = 1;
    const run = (): Doc => {
      this.setDefaults(ctx, meta, doc);
      this.setUserAndTimestamp(ctx, meta, doc, true);
      this.setDocstatus(meta, doc);
      const action = this.docstatusTransition(ctx, meta, doc, 0);
      const op: DocOp = { engine: this, ctx, meta, doc, action, isNew: true, inInsert: false, previous: undefined };
      if (!opts.ignoreLinks) this.validateLinks(meta, doc, true);
      requireDocPermission(ctx, meta, doc, 'create');
      this.runMethod(op, 'before_insert');
      this.setNewName(ctx, meta, doc, op);
      this.setParentInChildren(meta, doc);
      op.inInsert = true;
      this.runBeforeSave(op, opts);
      if (!opts.ignoreValidate) this.validate(ctx, meta, doc, opts);
      this.setDocstatus(meta, doc);
      op.inInsert = false;
      this.dbInsert(ctx, meta, doc);
      this.runMethod(op, 'after_insert');
      op.inInsert = true;
      this.runPostSave(op);
      op.inInsert = false;
      delete doc.__islocal;
      delete doc.__unsaved;
      return doc;
    };
    return opts.ignorePermissions ? ctx.asSystem(run) : run();
  }

  private setNewName(ctx: Ctx, meta: Meta, doc: Doc, op: DocOp): void {
    const env = this.namingEnv(ctx);
    if (doc.__newname && meta.autoname.toLowerCase() === 'prompt') {
      doc.name = validateName(meta, doc.__newname);
    } else {
      if (meta.autoname.toLowerCase() !== 'prompt') doc.name = null;
      if (meta.autoname === 'autoincrement' && !meta.issingle) {
        doc.name = ctx.txn.nextSeries(`__autoincrement__${meta.name}`);
      } else if (truthy(doc.amended_from)) {
        const from = str(doc.amended_from);
        const previousAmend = this.getValue(meta.name, from, 'amended_from');
        const parts = from.split('-');
        doc.name = truthy(previousAmend) ? `${parts.slice(0, -1).join('-')}-${cint(parts.at(-1)) + 1}` : `${from}-1`;
      } else if (meta.issingle) {
        doc.name = meta.name;
      }
      if (!doc.name) this.deps.controllers.get(meta.name)?.autoname?.(op);
      if (!doc.name && meta.autoname) nameFromAutoname(meta, doc, env);
      if (!doc.name) doc.name = frappeHashName(env.epochMs, env.rng);
      doc.name = validateName(meta, doc.name);
    }
    for (const { row, meta: childMeta } of this.children(meta, doc)) {
      if (!row.name || truthy(row.__islocal)) row.name = childName(childMeta, row, env);
    }
  }

  private setParentInChildren(meta: Meta, doc: Doc): void {
    for (const { row } of this.children(meta, doc)) {
      row.parent = doc.name;
      row.parenttype = meta.name;
    }
  }

  private runBeforeSave(op: DocOp, opts: WriteOptions): void {
    if (op.action === 'save' || op.action === 'submit') this.runMethod(op, 'before_validate');
    if (opts.ignoreValidate) return;
    if (op.action === 'save') {
      this.runMethod(op, 'validate');
      this.runMethod(op, 'before_save');
    } else if (op.action === 'submit') {
      this.runMethod(op, 'validate');
      this.runMethod(op, 'before_submit');
    } else if (op.action === 'cancel') {
      this.runMethod(op, 'before_cancel');
    } else {
      this.runMethod(op, 'before_update_after_submit');
    }
    this.setTitleField(op.meta, op.doc);
  }

  private setTitleField(meta: Meta, doc: Doc): void {
    if (meta.titleField !== 'title') return;
    const df = meta.getField('title');
    if (!df) return;
    const template = typeof df.options === 'string' && df.options ? df.options : truthy(doc.__islocal) && !truthy(doc.title) ? str(df.default) : '';
    if (!template) return;
    doc.title = template.replace(/\{(\w+)\}/g, (_m, key: string) => str(doc[key]));
  }

  private runPostSave(op: DocOp): void {
    if (op.action === 'save') this.runMethod(op, 'on_update');
    else if (op.action === 'submit') {
      this.runMethod(op, 'on_update');
      this.runMethod(op, 'on_submit');
    } else if (op.action === 'cancel') {
      this.runMethod(op, 'on_cancel');
      this.checkNoBackLinks(op.ctx, op.meta, op.doc, 'Cancel');
    } else {
      this.runMethod(op, 'on_update_after_submit');
    }
    this.runMethod(op, 'on_change');
  }

  /** Document.save (for a loaded document; a new one is inserted). */
  save(ctx: Ctx, doc: Doc, opts: WriteOptions = {}): Doc {
    const meta = this.requireMeta(str(doc.doctype));
    if (truthy(doc.__islocal) || !doc.name) return this.insert(ctx, doc, opts);
    const run = (): Doc => {
      this.setDefaults(ctx, meta, doc);
      requireDocPermission(ctx, meta, doc, 'write');
      const originalModified = this.setUserAndTimestamp(ctx, meta, doc, false);
      this.setDocstatus(meta, doc);
      const previous = this.stored(meta.name, str(doc.name));
      if (!previous) throw notFound(meta.name, str(doc.name));
      if (str(previous.modified) !== str(originalModified)) {
        throw frappeThrow(
          `Error: Document has been modified after you have opened it (${str(previous.modified)}, ${str(doc.modified)}). Please refresh to get the latest document.`,
          'TimestampMismatchError',
        );
      }
      const action = meta.issingle ? 'save' : this.docstatusTransition(ctx, meta, doc, cint(previous.docstatus));
      const op: DocOp = { engine: this, ctx, meta, doc, action, isNew: false, inInsert: false, previous };
      this.setParentInChildren(meta, doc);
      const env = this.namingEnv(ctx);
      for (const { row, meta: childMeta } of this.children(meta, doc)) {
        if (!row.name) row.name = childName(childMeta, row, env);
      }
      if (!opts.ignoreLinks && action !== 'cancel') this.validateLinks(meta, doc, false);
      this.runBeforeSave(op, opts);
      if (action !== 'cancel' && !opts.ignoreValidate) this.validate(ctx, meta, doc, opts);
      if (action === 'update_after_submit') this.validateUpdateAfterSubmit(meta, doc, previous);
      this.setDocstatus(meta, doc);
      this.dbUpdate(ctx, meta, doc, previous);
      this.runPostSave(op);
      delete doc.__unsaved;
      return doc;
    };
    return opts.ignorePermissions ? ctx.asSystem(run) : run();
  }

  submit(ctx: Ctx, doc: Doc, opts: WriteOptions = {}): Doc {
    doc.docstatus = 1;
    return this.save(ctx, doc, opts);
  }

  cancel(ctx: Ctx, doc: Doc, opts: WriteOptions = {}): Doc {
    doc.docstatus = 2;
    return this.save(ctx, doc, opts);
  }

  /**
   * frappe.db.set_value / doc.db_set: writes fields without validation or triggers (ERPNext
   * updates an invoice's outstanding amount this way when a payment is submitted).
   */
  dbSet(ctx: Ctx, doctype: string, name: string, values: Doc, updateModified = true): Doc {
    const meta = this.requireMeta(doctype);
    const current = this.stored(meta.name, name);
    if (!current) throw notFound(meta.name, name);
    const next: Doc = { ...current };
    for (const [key, value] of Object.entries(values)) {
      const df = meta.getFieldOrStandard(key);
      next[key] = df && !TABLE_FIELDTYPES.has(df.fieldtype) ? dbValue(df, value, meta.name) : value;
    }
    if (updateModified) {
      next.modified = this.deps.clock.now();
      next.modified_by = ctx.user;
    }
    ctx.txn.put(meta.name, next);
    return next;
  }

  /**
   * Document.db_set: like dbSet, then the document's on_change runs (frappe/model/document.py db_set), so that
   * webhooks on on_change fire; frappe.db.set_value and bulk_update (dbSet) run nothing.
   */
  dbSetDoc(ctx: Ctx, doctype: string, name: string, values: Doc, updateModified = true): Doc {
    const meta = this.requireMeta(doctype);
    const previous = this.stored(meta.name, name);
    const next = this.dbSet(ctx, meta.name, name, values, updateModified);
    const op: DocOp = { engine: this, ctx, meta, doc: clone(next), action: 'save', isNew: false, inInsert: false, previous };
    this.runMethod(op, 'on_change');
    return next;
  }

  /** Replaces a stored document wholesale (child rows edited by ERPNext via db_update). */
  dbPut(ctx: Ctx, meta: Meta, doc: Doc): void {
    ctx.txn.put(meta.name, this.storedForm(meta, doc));
  }

  /** frappe.delete_doc */
  deleteDoc(ctx: Ctx, doctype: string, name: string, opts: { ignorePermissions?: boolean; ignoreMissing?: boolean } = {}): void {
    const meta = this.requireMeta(doctype);
    const stored = this.stored(meta.name, name);
    if (!stored) {
      if (opts.ignoreMissing) return;
      throw new FrappeError('DoesNotExistError');
    }
    const run = (): void => {
      const doc = clone(stored);
      if (!ctx.isAdministrator && (!hasPermission(ctx, meta, 'delete', { doc }) || (meta.name === 'DocType' && !cint(doc.custom)))) {
        throw frappeThrow(`User not allowed to delete ${meta.name}: ${str(doc.name)}`, 'PermissionError');
      }
      if (cint(doc.docstatus) === 1) {
        throw frappeThrow(
          `${meta.name} ${str(doc.name)}: Submitted Record cannot be deleted. You must <a href='https://docs.erpnext.com//docs/user/manual/en/setting-up/articles/delete-submitted-document' target='_blank'> Cancel </a> it first.`,
        );
      }
      const op: DocOp = { engine: this, ctx, meta, doc, action: 'save', isNew: false, inInsert: false, previous: stored };
      this.runMethod(op, 'on_trash');
      this.checkNoBackLinks(ctx, meta, doc, 'Delete');
      ctx.txn.remove(meta.name, str(doc.name));
      this.runMethod(op, 'after_delete');
    };
    if (opts.ignorePermissions) ctx.asSystem(run);
    else run();
  }

  private linkLabel(ctx: Ctx, doctype: string, name: string): string {
    const slug = doctype.toLowerCase().replace(/ /g, '-');
    return `${doctype} <a href="${ctx.baseUrl}/app/${slug}/${name}">${name}</a>`;
  }

  /** frappe.model.delete_doc.check_if_doc_is_linked / _dynamically_linked */
  checkNoBackLinks(ctx: Ctx, meta: Meta, doc: Doc, method: 'Delete' | 'Cancel'): void {
    const name = str(doc.name);
    const lowered = name.toLowerCase();
    const ignored = new Set(method === 'Cancel' ? this.deps.controllers.get(meta.name)?.ignoreLinkedDoctypesOnCancel ?? [] : IGNORE_LINKS_ON_DELETE);
    const raise = (linkedDoctype: string, linkedName: string): never => {
      throw frappeThrow(
        `Cannot delete or cancel because ${this.linkLabel(ctx, meta.name, name)} is linked with ${this.linkLabel(ctx, linkedDoctype, linkedName)} `,
        'LinkExistsError',
      );
    };
    for (const otherName of this.registry.names()) {
      const other = this.meta(otherName);
      if (!other || other.istable) continue;
      if (ignored.has(other.name)) continue;
      const scan = (m: Meta, row: Doc, parent: Doc): void => {
        for (const df of [...m.linkFields, ...m.dynamicLinkFields]) {
          const target = df.fieldtype === 'Link' ? str(df.options) : str(row[str(df.options)]);
          if (target !== meta.name) continue;
          const value = row[df.fieldname];
          if (typeof value !== 'string' || value.toLowerCase() !== lowered) continue;
          if (df.fieldname === 'amended_from' && method === 'Cancel') continue;
          if (other.name === meta.name && str(parent.name).toLowerCase() === lowered) continue;
          if (method === 'Cancel' && cint(parent.docstatus) !== 1) continue;
          // check_if_doc_is_dynamically_linked: a cancelled document behind a Dynamic Link (a cancelled
          // Payment Request's reference_name) does not block a delete; a plain Link does (check_if_doc_is_linked).
          if (method === 'Delete' && df.fieldtype === 'Dynamic Link' && cint(parent.docstatus) === 2) continue;
          raise(other.name, str(parent.name));
        }
      };
      for (const row of this.tables.rows(other.name)) {
        scan(other, row, row);
        for (const tf of other.tableFields) {
          const childMeta = this.childMeta(tf);
          const rows = row[tf.fieldname];
          if (!childMeta || !Array.isArray(rows)) continue;
          for (const child of rows) if (isRecord(child)) scan(childMeta, child, row);
        }
      }
    }
  }

  /** The in-memory document as a write answer shows it (nulls omitted, new-row flags kept). */
  responseForm(meta: Meta, doc: Doc): Doc {
    return asDict(this.metaOf, meta, doc, { noNulls: true, withFlags: true });
  }

  /** as_dict(convert_dates_to_str=True) of a stored or working doc, for webhooks and frappe.client. */
  fullForm(meta: Meta, doc: Doc): Doc {
    return asDict(this.metaOf, meta, doc, { withFlags: true });
  }
}

function childName(meta: Meta, row: Doc, env: NamingEnv): string | number {
  if (meta.autoname && meta.autoname !== 'hash' && !meta.autoname.toLowerCase().startsWith('prompt')) {
    nameFromAutoname(meta, row, env);
    if (row.name) return row.name as string;
  }
  return frappeHashName(env.epochMs, env.rng);
}

function updateIfMissing(doc: Doc, template: Doc): void {
  for (const [key, value] of Object.entries(template)) {
    if (value !== null && value !== undefined && (doc[key] === null || doc[key] === undefined)) doc[key] = value;
  }
}

/** BaseDocument._fix_numeric_types */
function fixNumericTypes(meta: Meta, doc: Doc): void {
  for (const df of meta.valueFields) {
    const v = doc[df.fieldname];
    if (df.fieldtype === 'Check') doc[df.fieldname] = cint(v);
    else if (v !== null && v !== undefined) {
      if (INT_FIELDTYPES.has(df.fieldtype)) doc[df.fieldname] = cint(v);
      else if (FLOAT_FIELDTYPES.has(df.fieldtype)) doc[df.fieldname] = flt(v);
    }
  }
  if (doc.docstatus !== undefined && doc.docstatus !== null) doc.docstatus = cint(doc.docstatus);
}

function dbComparable(df: DocField, value: unknown, doctype: string): unknown {
  try {
    const v = dbValue(df, value, doctype);
    return v === null || v === undefined ? null : v;
  } catch {
    return value;
  }
}
