import { hasPermission, requireDocPermission } from '../auth/permissions';
import { FrappeError, frappeThrow, pythonError } from '../errors';
import { CHILD_TABLE_FIELDS, DEFAULT_FIELDS, type Doc } from '../meta/meta';
import type { Ctx } from '../model/ctx';
import { isRecord, str, truthy } from '../model/values';
import { parseJsonArg, runList } from '../query/list';
import type { Site } from '../site';
import { loadsJs } from '../util/pyjson';
import { clearCookies, sessionCookies, type AuthState } from './auth';
import type { FrappeRequest } from './request';

export interface MethodCall {
  site: Site;
  ctx: Ctx;
  req: FrappeRequest;
  auth: AuthState;
  /** frappe.form_dict, restricted to the function's parameters. */
  args: Record<string, unknown>;
  /** Cookies and top-level keys a method adds to the response (logout). */
  reply: { cookies: string[]; extra: Record<string, unknown> };
}

export interface MethodDef {
  fn: (call: MethodCall) => unknown;
  allowGuest?: boolean;
  /** HTTP methods allowed (frappe.whitelist(methods=...)); default GET, POST, PUT, DELETE. */
  methods?: readonly string[];
  /** Parameter names of the Python function; other form keys are dropped by frappe.call. */
  params: readonly string[];
  required?: readonly string[];
  /** The function takes **kwargs. */
  kwargs?: boolean;
}

const DEFAULT_HTTP_METHODS = ['GET', 'POST', 'PUT', 'DELETE'];

/** Python modules that exist on the reference site, so unknown names fail the way Python does. */
const KNOWN_MODULES = new Set([
  'frappe', 'frappe.client', 'frappe.auth', 'frappe.handler', 'frappe.desk', 'frappe.desk.reportview',
  'frappe.desk.form', 'frappe.desk.form.load', 'frappe.desk.form.save', 'frappe.desk.search', 'frappe.model',
  'frappe.model.db_query', 'frappe.utils', 'frappe.sessions', 'frappe.core', 'frappe.core.doctype',
  'frappe.core.doctype.user', 'frappe.core.doctype.user.user', 'frappe.integrations', 'frappe.website',
  'erpnext', 'erpnext.accounts', 'erpnext.accounts.doctype', 'erpnext.accounts.doctype.payment_request',
  'erpnext.accounts.doctype.payment_request.payment_request', 'erpnext.accounts.doctype.payment_entry',
  'erpnext.accounts.doctype.payment_entry.payment_entry', 'erpnext.accounts.doctype.sales_invoice',
  'erpnext.accounts.doctype.sales_invoice.sales_invoice', 'erpnext.stock', 'erpnext.stock.get_item_details',
  'erpnext.selling', 'erpnext.setup', 'erpnext.controllers', 'erpnext.utilities',
]);

/** Callables that exist but are not whitelisted (calling them is a 403, not a 417). */
const NOT_WHITELISTED = new Set([
  'frappe.get_all', 'frappe.get_list', 'frappe.get_doc', 'frappe.new_doc', 'frappe.delete_doc', 'frappe.throw',
  'frappe.msgprint', 'frappe.get_meta', 'frappe.get_value', 'frappe.set_value', 'frappe.call', 'frappe.enqueue',
  'frappe.client.insert_doc', 'frappe.client.delete_doc', 'frappe.client.check_parent_permission',
  'frappe.auth.validate_auth', 'frappe.sessions.get', 'frappe.get_roles', 'frappe.has_permission',
]);

export class MethodRegistry {
  private readonly methods = new Map<string, MethodDef>();

  register(path: string, def: MethodDef): void {
    this.methods.set(path, def);
  }

  /** frappe.handler.execute_cmd: resolve, is_whitelisted, is_valid_http_method. */
  resolve(cmd: string, user: string, httpMethod: string, version: 1 | 2 = 1): MethodDef {
    const def = this.methods.get(cmd);
    if (!def) {
      if (NOT_WHITELISTED.has(cmd)) throw notWhitelisted(cmd);
      const reason = importError(cmd.replace(/\//g, '.'));
      throw frappeThrow(version === 2 ? `Failed to get method ${cmd} with ${reason}` : `Failed to get method for command ${cmd} with ${reason}`);
    }
    if (user === 'Guest' && !def.allowGuest) throw notWhitelisted(cmd);
    if (!(def.methods ?? DEFAULT_HTTP_METHODS).includes(httpMethod)) throw frappeThrow('Not permitted', 'PermissionError');
    return def;
  }
}

function importError(cmd: string): string {
  if (!cmd.includes('.')) return `'${cmd}'`;
  const parts = cmd.split('.');
  const module = parts.slice(0, -1).join('.');
  const attr = parts[parts.length - 1] ?? '';
  if (KNOWN_MODULES.has(module)) return `module '${module}' has no attribute '${attr}'`;
  let missing = parts[0] ?? module;
  for (let i = 1; i < parts.length; i++) {
    const prefix = parts.slice(0, i).join('.');
    if (!KNOWN_MODULES.has(prefix)) {
      missing = prefix;
      break;
    }
    missing = parts.slice(0, i + 1).join('.');
  }
  return `No module named '${missing}'`;
}

export function notWhitelisted(cmd: string): FrappeError {
  const msg =
    '<details><summary>You are not permitted to access this resource. Login to access</summary>' +
    `Function <strong>${cmd}</strong> is not whitelisted.</details>`;
  return frappeThrow(msg, 'PermissionError', { title: 'Method Not Allowed' });
}

/** frappe.call: keeps the function's parameters, fails like Python on a missing one. */
export function bindArgs(cmd: string, def: MethodDef, form: Record<string, unknown>): Record<string, unknown> {
  const args: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(form)) {
    if (k === 'cmd') continue;
    if (def.kwargs || def.params.includes(k)) args[k] = v;
  }
  const missing = (def.required ?? []).filter((p) => !(p in args));
  if (missing.length > 0) {
    const fn = cmd.split('.').pop() ?? cmd;
    const names = missing.map((m) => `'${m}'`);
    const list = names.length === 1 ? names[0] ?? '' : `${names.slice(0, -1).join(', ')} and ${names.at(-1) ?? ''}`;
    throw pythonError('TypeError', `${fn}() missing ${missing.length} required positional argument${missing.length > 1 ? 's' : ''}: ${list}`);
  }
  return args;
}

/** frappe.utils.get_safe_filters: JSON if it parses, the raw value otherwise. */
export function safeFilters(value: unknown): unknown {
  if (typeof value !== 'string') return value;
  try {
    return loadsJs(value);
  } catch {
    return value;
  }
}

function docArg(value: unknown): Doc {
  const parsed = parseJsonArg(value);
  if (!isRecord(parsed)) throw pythonError('TypeError', "'NoneType' object is not a mapping");
  return parsed;
}

/** frappe.client.insert_doc */
export function insertDoc(site: Site, ctx: Ctx, data: Doc): Doc {
  const engine = site.engine;
  const meta = engine.meta(str(data.doctype));
  if (!meta) throw new FrappeError('ImportError', { module: '', status: 500, exceptionLine: `Error: No module named 'frappe.core.doctype.${str(data.doctype).toLowerCase().replace(/ /g, '_')}'` });
  if (meta.istable) {
    if (!data.parenttype || !data.parent || !data.parentfield) {
      throw frappeThrow('Parenttype, Parent and Parentfield are required to insert a child record');
    }
    const parentMeta = engine.requireMeta(str(data.parenttype));
    const parent = engine.getDoc(parentMeta.name, str(data.parent));
    const tf = parentMeta.getField(str(data.parentfield));
    const rows = Array.isArray(parent[str(data.parentfield)]) ? (parent[str(data.parentfield)] as Doc[]) : [];
    if (tf) {
      const row = engine.initChild(parent, parentMeta, tf, data, rows.length + 1);
      if (row) rows.push(row);
      parent[str(data.parentfield)] = rows;
    }
    return engine.fullForm(parentMeta, engine.save(ctx, parent));
  }
  const doc = engine.buildDoc(meta, data);
  return engine.fullForm(meta, engine.insert(ctx, doc));
}

/** frappe.client.get_list and the list endpoints. */
export function clientGetList(site: Site, ctx: Ctx, args: Record<string, unknown>): unknown[] {
  const doctype = str(args.doctype);
  const asDict = 'as_dict' in args ? truthy(args.as_dict) : true;
  return runList(site.engine, ctx, {
    doctype,
    fields: args.fields,
    filters: args.filters,
    orFilters: args.or_filters,
    groupBy: args.group_by,
    orderBy: args.order_by ?? null,
    limitStart: args.limit_start,
    limitPageLength: 'limit_page_length' in args ? args.limit_page_length : 20,
    asList: !asDict,
    parentDoctype: args.parent === undefined ? undefined : str(args.parent),
  });
}

/** frappe.client.get_value */
export function clientGetValue(site: Site, ctx: Ctx, args: Record<string, unknown>): unknown {
  const doctype = str(args.doctype);
  const meta = site.engine.requireMeta(doctype);
  if (!hasPermission(ctx, meta, 'read', { parentMeta: args.parent ? site.engine.meta(str(args.parent)) : undefined })) {
    throw frappeThrow(`No permission for ${meta.name}`, 'PermissionError');
  }
  let filters = safeFilters(args.filters);
  if (typeof filters === 'string') filters = { name: filters };
  let fields: unknown;
  try {
    fields = typeof args.fieldname === 'string' ? loadsJs(args.fieldname) : args.fieldname;
  } catch {
    fields = [args.fieldname];
  }
  if (typeof fields === 'string') fields = [fields];
  if (!Array.isArray(fields)) fields = [fields];
  if (!truthy(filters) || (isRecord(filters) && Object.keys(filters).length === 0)) filters = undefined;
  const asDict = 'as_dict' in args ? truthy(args.as_dict) : true;
  if (meta.issingle) {
    const single = site.engine.stored(meta.name, meta.name) ?? {};
    const out: Record<string, unknown> = {};
    for (const f of fields as unknown[]) out[str(f)] = single[str(f)] ?? null;
    return asDict ? out : Object.values(out);
  }
  const rows = runList(site.engine, ctx, {
    doctype: meta.name,
    fields,
    filters,
    orderBy: null,
    limitPageLength: 1,
    asList: !asDict,
    parentDoctype: args.parent === undefined ? undefined : str(args.parent),
  });
  if (asDict) return rows[0] ?? {};
  if (rows.length === 0) return undefined;
  const first = rows[0] as unknown[];
  return (fields as unknown[]).length > 1 ? first : first[0];
}

export function registerFrappeMethods(registry: MethodRegistry): void {
  registry.register('frappe.auth.get_logged_user', { params: [], fn: ({ ctx }) => ctx.user });
  registry.register('frappe.ping', { params: [], allowGuest: true, fn: () => 'pong' });

  registry.register('logout', {
    params: [],
    allowGuest: true,
    fn: ({ site, auth, reply }) => {
      if (auth.sid !== 'Guest') site.endSession(auth.sid);
      reply.extra = { message: 'No App', home_page: '/login', full_name: 'Guest' };
      reply.cookies = [...sessionCookies(site, 'Guest', 'Guest'), ...clearCookies(site)];
      return undefined;
    },
  });

  registry.register('frappe.client.get_list', {
    params: ['doctype', 'fields', 'filters', 'group_by', 'order_by', 'limit_start', 'limit_page_length', 'parent', 'debug', 'as_dict', 'or_filters'],
    required: ['doctype'],
    fn: ({ site, ctx, args }) => clientGetList(site, ctx, args),
  });

  registry.register('frappe.client.get_count', {
    params: ['doctype', 'filters', 'debug', 'cache'],
    required: ['doctype'],
    fn: ({ site, ctx, args }) => {
      const meta = site.engine.requireMeta(str(args.doctype));
      let filters = safeFilters(args.filters);
      if (typeof filters === 'string' && filters) filters = { name: filters };
      // frappe.db.count does not check permissions.
      return ctx.asSystem(() => runList(site.engine, ctx, { doctype: meta.name, fields: ['count(*) as c'], filters, orderBy: null, limitPageLength: 0, ignorePermissions: true }))
        .map((r) => (r as Record<string, unknown>).c)[0];
    },
  });

  registry.register('frappe.client.get', {
    params: ['doctype', 'name', 'filters', 'parent'],
    required: ['doctype'],
    fn: ({ site, ctx, args }) => {
      const engine = site.engine;
      const meta = engine.requireMeta(str(args.doctype));
      let doc: Doc;
      if (truthy(args.name)) doc = engine.getDoc(meta.name, str(args.name));
      else if (args.filters !== undefined) {
        const filters = parseJsonArg(args.filters);
        const rows = runList(engine, ctx, { doctype: meta.name, filters, orderBy: null, limitPageLength: 1, ignorePermissions: true });
        const first = rows[0] as Record<string, unknown> | undefined;
        if (!first) throw frappeThrow(`${meta.name} None not found`, 'DoesNotExistError');
        doc = engine.getDoc(meta.name, str(first.name));
      } else doc = engine.getDoc(meta.name, meta.name);
      requireDocPermission(ctx, meta, doc, 'read');
      return engine.fullForm(meta, doc);
    },
  });

  registry.register('frappe.client.get_value', {
    params: ['doctype', 'fieldname', 'filters', 'as_dict', 'debug', 'parent'],
    required: ['doctype', 'fieldname'],
    fn: ({ site, ctx, args }) => clientGetValue(site, ctx, args),
  });

  registry.register('frappe.client.get_single_value', {
    params: ['doctype', 'field'],
    required: ['doctype', 'field'],
    fn: ({ site, ctx, args }) => {
      const meta = site.engine.requireMeta(str(args.doctype));
      if (!hasPermission(ctx, meta, 'read')) throw frappeThrow(`No permission for ${meta.name}`, 'PermissionError');
      return site.engine.stored(meta.name, meta.name)?.[str(args.field)] ?? null;
    },
  });

  registry.register('frappe.client.set_value', {
    params: ['doctype', 'name', 'fieldname', 'value'],
    required: ['doctype', 'name', 'fieldname'],
    methods: ['POST', 'PUT'],
    fn: ({ site, ctx, args }) => {
      const engine = site.engine;
      const fieldname = args.fieldname;
      if (typeof fieldname === 'string' && ([...DEFAULT_FIELDS, 'doctype', ...CHILD_TABLE_FIELDS] as string[]).includes(fieldname)) {
        throw frappeThrow('Cannot edit standard fields');
      }
      let values: Record<string, unknown>;
      if (!truthy(args.value)) {
        const parsed = typeof fieldname === 'string' ? safeFilters(fieldname) : fieldname;
        values = isRecord(parsed) ? parsed : { [str(fieldname)]: '' };
      } else values = { [str(fieldname)]: args.value };
      const meta = engine.requireMeta(str(args.doctype));
      if (meta.istable) {
        const row = [...engine.registry.names()]
          .map((n) => engine.meta(n))
          .filter((m) => m?.tableFieldFor(meta.name))
          .flatMap((m) => [...engine.tables.rows(m?.name ?? '')].map((p) => ({ m, p })))
          .find(({ p, m }) => m?.tableFields.some((tf) => Array.isArray(p[tf.fieldname]) && (p[tf.fieldname] as Doc[]).some((r) => r.name === args.name)));
        if (!row?.m) throw frappeThrow(`${meta.name} ${str(args.name)} not found`, 'DoesNotExistError');
        const parent = engine.getDoc(row.m.name, str(row.p.name));
        for (const tf of row.m.tableFields) {
          const rows = parent[tf.fieldname];
          if (!Array.isArray(rows)) continue;
          for (const r of rows as Doc[]) if (r.name === args.name) Object.assign(r, values);
        }
        return engine.fullForm(row.m, engine.save(ctx, parent));
      }
      const doc = engine.getDoc(meta.name, str(args.name));
      engine.applyUpdate(meta, doc, values);
      return engine.fullForm(meta, engine.save(ctx, doc));
    },
  });

  registry.register('frappe.client.insert', {
    params: ['doc'],
    methods: ['POST', 'PUT'],
    fn: ({ site, ctx, args }) => insertDoc(site, ctx, docArg(args.doc)),
  });

  registry.register('frappe.client.insert_many', {
    params: ['docs'],
    methods: ['POST', 'PUT'],
    fn: ({ site, ctx, args }) => {
      const docs = parseJsonArg(args.docs);
      if (!Array.isArray(docs)) throw pythonError('TypeError', "object of type 'NoneType' has no len()");
      if (docs.length > 200) throw frappeThrow('Only 200 inserts allowed in one request');
      return docs.map((d) => insertDoc(site, ctx, isRecord(d) ? d : {}).name);
    },
  });

  registry.register('frappe.client.save', {
    params: ['doc'],
    methods: ['POST', 'PUT'],
    fn: ({ site, ctx, args }) => {
      const data = docArg(args.doc);
      const meta = site.engine.requireMeta(str(data.doctype));
      const doc = site.engine.buildDoc(meta, data);
      return site.engine.fullForm(meta, site.engine.save(ctx, doc));
    },
  });

  registry.register('frappe.client.submit', {
    params: ['doc'],
    required: ['doc'],
    methods: ['POST', 'PUT'],
    fn: ({ site, ctx, args }) => {
      const data = docArg(args.doc);
      const meta = site.engine.requireMeta(str(data.doctype));
      const doc = site.engine.buildDoc(meta, data);
      return site.engine.fullForm(meta, site.engine.submit(ctx, doc));
    },
  });

  registry.register('frappe.client.cancel', {
    params: ['doctype', 'name'],
    required: ['doctype', 'name'],
    methods: ['POST', 'PUT'],
    fn: ({ site, ctx, args }) => {
      const meta = site.engine.requireMeta(str(args.doctype));
      const doc = site.engine.getDoc(meta.name, str(args.name));
      return site.engine.fullForm(meta, site.engine.cancel(ctx, doc));
    },
  });

  registry.register('frappe.client.delete', {
    params: ['doctype', 'name'],
    required: ['doctype', 'name'],
    methods: ['DELETE', 'POST'],
    fn: ({ site, ctx, args }) => {
      site.engine.deleteDoc(ctx, str(args.doctype), str(args.name));
      return undefined;
    },
  });

  registry.register('frappe.client.validate_link', {
    params: ['doctype', 'docname', 'fields'],
    required: ['doctype', 'docname'],
    fn: ({ site, ctx, args }) => {
      const doctype = args.doctype;
      const docname = args.docname;
      if (typeof doctype !== 'string') throw frappeThrow('DocType must be a string');
      if (typeof docname !== 'string') throw frappeThrow('Document Name must be a string');
      const meta = site.engine.requireMeta(doctype);
      if (doctype !== 'DocType' && !(hasPermission(ctx, meta, 'select', { log: false }) || hasPermission(ctx, meta, 'read', { log: false }))) {
        throw frappeThrow(`You do not have Read or Select Permissions for <strong>${doctype}</strong>`, 'PermissionError');
      }
      const stored = site.engine.stored(meta.name, docname);
      const values: Record<string, unknown> = { name: stored ? stored.name : null };
      const fields = parseJsonArg(args.fields);
      if (!stored || !truthy(fields)) return values;
      const list = Array.isArray(fields) ? fields.map((f) => str(f)) : [str(fields)];
      for (const f of list) values[f] = stored[f] ?? null;
      return values;
    },
  });

  registry.register('frappe.client.has_permission', {
    params: ['doctype', 'docname', 'perm_type'],
    required: ['doctype', 'docname'],
    fn: ({ site, ctx, args }) => {
      const meta = site.engine.requireMeta(str(args.doctype));
      const doc = site.engine.stored(meta.name, str(args.docname));
      const ptype = (str(args.perm_type) || 'read').toLowerCase() as 'read';
      return { has_permission: hasPermission(ctx, meta, ptype, { doc, log: false }) };
    },
  });
}
