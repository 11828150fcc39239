import { FLOAT_FIELDTYPES, INT_FIELDTYPES, type Doc, type Meta } from '../meta/meta';
import { isRecord, str } from '../model/values';
import type { Site } from '../site';
import { cint, flt } from '../util/decimal';
import { PyDict, PyFloat, type Py } from '../util/pyjson';
import { PyError, PyFunction, type PyObject, type Scope, type Value } from './pyexpr';

function className(doctype: string): string {
  return doctype.replace(/[^A-Za-z0-9]/g, '');
}

/** A document field as the Python value Frappe holds (Currency → float 150.0). */
export function pyValue(meta: Meta | undefined, fieldname: string, value: unknown, child: (doctype: string, row: Doc) => Py): Py {
  if (value === null || value === undefined) return null;
  const df = meta?.getFieldOrStandard(fieldname);
  if (Array.isArray(value)) {
    const childType = df && typeof df.options === 'string' ? df.options : '';
    return value.filter(isRecord).map((row) => child(childType, row));
  }
  if (df && FLOAT_FIELDTYPES.has(df.fieldtype)) return new PyFloat(flt(value));
  if (df && INT_FIELDTYPES.has(df.fieldtype)) return cint(value);
  if (typeof value === 'number') return Number.isInteger(value) ? value : new PyFloat(value);
  if (typeof value === 'boolean') return value;
  if (typeof value === 'string') return value;
  return JSON.stringify(value);
}

/** doc.as_dict() as a frappe._dict of Python values. */
export function pyDoc(site: Site, doctype: string, row: Doc): Py {
  const meta = site.engine.meta(doctype);
  const d = new PyDict();
  for (const [k, v] of Object.entries(row)) d.map.set(k, pyValue(meta, k, v, (dt, r) => pyDoc(site, dt, r)));
  return d;
}

/** The Document object a condition sees: unknown attributes raise AttributeError like Python. */
function documentObject(site: Site, meta: Meta, doc: Doc): PyObject {
  const getAttr = (name: string): Value => {
    if (name === 'get') {
      return new PyFunction('get', (args) => {
        const key = typeof args[0] === 'string' ? args[0] : '';
        const value = key in doc || meta.hasColumn(key) ? pyValue(meta, key, doc[key], (dt, r) => pyDoc(site, dt, r)) : null;
        return value ?? args[1] ?? null;
      });
    }
    const tf = meta.getField(name);
    if (tf && (tf.fieldtype === 'Table' || tf.fieldtype === 'Table MultiSelect')) {
      const childMeta = site.engine.meta(str(tf.options));
      const rows = Array.isArray(doc[name]) ? (doc[name] as unknown[]).filter(isRecord) : [];
      return rows.map((r) => (childMeta ? (documentObject(site, childMeta, r) as unknown as Py) : null));
    }
    if (name === 'doctype') return meta.name;
    if (meta.hasColumn(name) || name in doc) return pyValue(meta, name, doc[name], (dt, r) => pyDoc(site, dt, r));
    throw new PyError('AttributeError', `'${className(meta.name)}' object has no attribute '${name}'`);
  };
  return { typeName: className(meta.name), getAttr };
}

function utilsModule(site: Site): PyObject {
  const clock = site.clock;
  const num = (v: Value | undefined): unknown => (v instanceof PyFloat ? v.value : v);
  const fns: Record<string, PyFunction> = {
    nowdate: new PyFunction('nowdate', () => clock.today()),
    today: new PyFunction('today', () => clock.today()),
    now: new PyFunction('now', () => clock.now()),
    flt: new PyFunction('flt', (args) => new PyFloat(flt(num(args[0])))),
    cint: new PyFunction('cint', (args) => cint(num(args[0]))),
    cstr: new PyFunction('cstr', (args) => (args[0] === null || args[0] === undefined ? '' : str(num(args[0])))),
  };
  return {
    typeName: 'module',
    getAttr: (name) => {
      const fn = fns[name];
      if (!fn) throw new PyError('AttributeError', `module 'frappe.utils' has no attribute '${name}'`);
      return fn;
    },
  };
}

const len = new PyFunction('len', (args) => {
  const v = args[0];
  if (Array.isArray(v) || typeof v === 'string') return v.length;
  if (v instanceof PyDict) return v.map.size;
  throw new PyError('TypeError', 'object has no len()');
});

/** get_context(doc) for a webhook condition: doc is the Document being saved. */
export function conditionScope(site: Site, meta: Meta, doc: Doc): Scope {
  const utils = utilsModule(site);
  return new Map<string, Value>([
    ['doc', documentObject(site, meta, doc)],
    ['utils', utils],
    ['nowdate', utils.getAttr('nowdate')],
    ['today', utils.getAttr('today')],
    ['len', len],
  ]);
}

/** get_webhook_data's context: doc.as_dict(convert_dates_to_str=True), a frappe._dict. */
export function templateScope(site: Site, meta: Meta, doc: Doc): Scope {
  return new Map<string, Value>([
    ['doc', pyDoc(site, meta.name, doc)],
    ['utils', utilsModule(site)],
    ['len', len],
  ]);
}
