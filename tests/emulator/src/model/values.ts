import { FrappeError } from '../errors';
import {
  CHILD_TABLE_FIELDS,
  DEFAULT_FIELDS,
  FLOAT_FIELDTYPES,
  type Doc,
  type DocField,
  type Meta,
} from '../meta/meta';
import { cint, flt } from '../util/decimal';

export type MetaLookup = (doctype: string) => Meta | undefined;

export function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** The rows of a child-table field; none when the field is unset or not a list. */
export function rows(doc: Doc, field: string): Doc[] {
  const v = doc[field];
  return Array.isArray(v) ? v.filter(isRecord) : [];
}

export function str(v: unknown): string {
  if (v === null || v === undefined) return '';
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean' || typeof v === 'bigint') return String(v);
  return JSON.stringify(v);
}

/** Python truthiness of a field value ("", 0, null, [] are false). */
export function truthy(v: unknown): boolean {
  if (Array.isArray(v)) return v.length > 0;
  return v !== null && v !== undefined && v !== '' && v !== 0 && v !== false;
}

/** Python's str() of a field value, as Frappe puts values into messages. */
export function pyText(v: unknown): string {
  if (v === null || v === undefined) return 'None';
  if (v === true) return 'True';
  if (v === false) return 'False';
  return str(v);
}

/**
 * BaseDocument.get_valid_dict's sanitising: what a value of this fieldtype becomes when the
 * document is serialised or written (Int "42" → 42, a missing Currency → 0, "" dates → null).
 */
export function sanitizeValue(df: DocField, value: unknown): unknown {
  const t = df.fieldtype;
  if (t === 'Check') return cint(value) ? 1 : 0;
  if (t === 'Int' || t === 'Long Int') return typeof value === 'number' && Number.isInteger(value) ? value : cint(value);
  if (t === 'JSON' && isRecord(value)) return JSON.stringify(value);
  if (FLOAT_FIELDTYPES.has(t)) return flt(value);
  if (t === 'Rating') return flt(value);
  if ((t === 'Date' || t === 'Datetime' || t === 'Time') && value === '') return null;
  if (df.unique && typeof value === 'string' && value.trim() === '') return null;
  return value === undefined ? null : value;
}

export interface AsDictOptions {
  noNulls?: boolean;
  /** Keep `__islocal` / `__unsaved` flags (the in-memory document of a write answer). */
  withFlags?: boolean;
}

/** Frappe's Document.as_dict(): valid columns in meta order, `doctype`, then child tables. */
export function asDict(metaOf: MetaLookup, meta: Meta, doc: Doc, options: AsDictOptions = {}): Doc {
  const out: Doc = {};
  const put = (key: string, value: unknown): void => {
    if (options.noNulls && (value === null || value === undefined)) return;
    out[key] = value === undefined ? null : value;
  };
  for (const key of DEFAULT_FIELDS) {
    let v = doc[key];
    if (key === 'docstatus' || key === 'idx') v = cint(v);
    put(key, v);
  }
  for (const df of meta.valueFields) {
    if ((DEFAULT_FIELDS as readonly string[]).includes(df.fieldname)) continue;
    put(df.fieldname, sanitizeValue(df, doc[df.fieldname]));
  }
  if (meta.istable) for (const key of CHILD_TABLE_FIELDS) put(key, doc[key]);
  out.doctype = meta.name;
  for (const tf of meta.tableFields) {
    const childMeta = metaOf(String(tf.options));
    const rows = Array.isArray(doc[tf.fieldname]) ? (doc[tf.fieldname] as unknown[]) : [];
    out[tf.fieldname] = childMeta ? rows.filter(isRecord).map((row) => asDict(metaOf, childMeta, row, options)) : [];
  }
  if (options.withFlags) {
    for (const key of ['__islocal', '__unsaved']) if (truthy(doc[key])) out[key] = doc[key];
  }
  return out;
}

/** A stored document without its null values (the /api/resource and /api/v2 answers). */
export function withoutNulls(doc: Doc): Doc {
  const out: Doc = {};
  for (const [k, v] of Object.entries(doc)) {
    if (v === null || v === undefined) continue;
    out[k] = Array.isArray(v) ? v.map((row: unknown) => (isRecord(row) ? withoutNulls(row) : row)) : v;
  }
  return out;
}

const DATE_RE = /^(\d{4})-(\d{1,2})-(\d{1,2})(?:[ T].*)?$/;
const DATETIME_RE = /^(\d{4})-(\d{1,2})-(\d{1,2})(?:[ T](\d{1,2}):(\d{2})(?::(\d{2})(?:\.(\d{1,6}))?)?)?$/;
const TIME_RE = /^(-?\d{1,3}):(\d{1,2})(?::(\d{1,2})(?:\.(\d{1,6}))?)?$/;

function validYmd(y: number, m: number, d: number): boolean {
  if (m < 1 || m > 12 || d < 1) return false;
  const days = new Date(Date.UTC(y, m, 0)).getUTCDate();
  return d <= days;
}

function p2(n: number | string): string {
  return String(n).padStart(2, '0');
}

/**
 * MariaDB's error 1292 in strict mode, raised at INSERT/UPDATE time: ERPNext's validations let a
 * "28/11/2026" through and the database refuses it (recorded: 500 OperationalError).
 */
function incorrectValue(kind: string, value: string, doctype: string, fieldname: string): FrappeError {
  return new FrappeError('OperationalError', {
    module: 'pymysql.err',
    status: 500,
    detail: `(1292, "Incorrect ${kind} value: '${value}' for column \`_site\`.\`tab${doctype}\`.\`${fieldname}\` at row 1")`,
  });
}

export function normalizeDate(value: string): string | undefined {
  const m = DATE_RE.exec(value.trim());
  if (!m) return undefined;
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  if (!validYmd(y, mo, d)) return undefined;
  return `${m[1] ?? ''}-${p2(mo)}-${p2(d)}`;
}

/** Python str(datetime): microseconds only when non-zero. */
export function normalizeDatetime(value: string): string | undefined {
  const m = DATETIME_RE.exec(value.trim());
  if (!m) return undefined;
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  if (!validYmd(y, mo, d)) return undefined;
  const h = Number(m[4] ?? 0);
  const mi = Number(m[5] ?? 0);
  const s = Number(m[6] ?? 0);
  if (h > 23 || mi > 59 || s > 59) return undefined;
  const micro = (m[7] ?? '').padEnd(6, '0');
  const base = `${m[1] ?? ''}-${p2(mo)}-${p2(d)} ${p2(h)}:${p2(mi)}:${p2(s)}`;
  return micro && Number(micro) !== 0 ? `${base}.${micro}` : base;
}

/** Python str(timedelta) for a TIME column ("16:09:31.230049", "9:05:00"). */
export function normalizeTime(value: string): string | undefined {
  const m = TIME_RE.exec(value.trim());
  if (!m) {
    const dt = normalizeDatetime(value);
    return dt ? normalizeTime(dt.slice(11)) : undefined;
  }
  const h = Number(m[1]);
  const mi = Number(m[2]);
  const s = Number(m[3] ?? 0);
  if (mi > 59 || s > 59) return undefined;
  const micro = (m[4] ?? '').padEnd(6, '0');
  const base = `${h}:${p2(mi)}:${p2(s)}`;
  return micro && Number(micro) !== 0 ? `${base}.${micro}` : base;
}

/** The value as the database stores (and later returns) it. */
export function dbValue(df: DocField, value: unknown, doctype: string): unknown {
  const v = sanitizeValue(df, value);
  if (v === null) return null;
  switch (df.fieldtype) {
    case 'Date': {
      const text = str(v);
      const out = normalizeDate(text);
      if (out === undefined) throw incorrectValue('date', text, doctype, df.fieldname);
      return out;
    }
    case 'Datetime': {
      const text = str(v);
      const out = normalizeDatetime(text);
      if (out === undefined) throw incorrectValue('datetime', text, doctype, df.fieldname);
      return out;
    }
    case 'Time': {
      const text = str(v);
      const out = normalizeTime(text);
      if (out === undefined) throw incorrectValue('time', text, doctype, df.fieldname);
      return out;
    }
    case 'Check':
    case 'Int':
    case 'Long Int':
    case 'Float':
    case 'Currency':
    case 'Percent':
    case 'Duration':
    case 'Rating':
      return v;
    default:
      return typeof v === 'string' ? v : str(v);
  }
}
