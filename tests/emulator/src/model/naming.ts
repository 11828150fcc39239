import { FrappeError, frappeThrow } from '../errors';
import type { Doc, Meta } from '../meta/meta';
import { frappeHashName, type Rng } from '../util/random';
import type { Txn } from './store';
import { str } from './values';

export interface NamingEnv {
  txn: Txn;
  rng: Rng;
  /** Site-local "YYYY-MM-DD HH:MM:SS.ffffff". */
  now: string;
  epochMs: number;
  /** Values for naming-series parts that are neither date parts nor fields (FY, ABBR). */
  seriesVariable?: (part: string, doc: Doc) => string | undefined;
}

function isoWeek(date: Date): number {
  const d = new Date(Date.UTC(date.getUTCFullYear(), date.getUTCMonth(), date.getUTCDate()));
  const day = d.getUTCDay() || 7;
  d.setUTCDate(d.getUTCDate() + 4 - day);
  const yearStart = new Date(Date.UTC(d.getUTCFullYear(), 0, 1));
  return Math.ceil(((d.getTime() - yearStart.getTime()) / 86_400_000 + 1) / 7);
}

/** frappe.model.naming.parse_naming_series: the series counter key is everything before the #s. */
export function parseNamingSeries(parts: string[], doc: Doc | undefined, env: NamingEnv): string {
  let name = '';
  let seriesSet = false;
  const [y = '0000', mo = '01', d = '01'] = env.now.slice(0, 10).split('-');
  for (const raw of parts) {
    if (!raw) continue;
    let part: string;
    if (raw.startsWith('#')) {
      if (seriesSet) continue;
      const next = env.txn.nextSeries(name);
      part = String(next).padStart(raw.length, '0');
      seriesSet = true;
    } else if (raw === 'YY') part = y.slice(2);
    else if (raw === 'MM') part = mo;
    else if (raw === 'DD') part = d;
    else if (raw === 'YYYY') part = y;
    else if (raw === 'WW') {
      const date = new Date(Date.UTC(Number(y), Number(mo) - 1, Number(d)));
      let w = isoWeek(date);
      if (Number(mo) === 1 && w >= 52) w = 0;
      else if (Number(mo) === 12 && w <= 1) w = 53;
      part = String(w).padStart(2, '0');
    } else if (raw === 'timestamp') part = env.now;
    else if (doc && (raw.startsWith('{') || raw in doc)) {
      part = str(doc[raw.replace(/[{}]/g, '')]).trim();
    } else part = env.seriesVariable?.(raw, doc ?? {}) ?? raw;
    name += part;
  }
  return name;
}

/** frappe.model.naming.make_autoname for a series key like "ACC-SINV-.YYYY.-". */
export function makeAutoname(key: string, doc: Doc | undefined, env: NamingEnv): string {
  if (key === 'hash') return frappeHashName(env.epochMs, env.rng);
  const series = key.includes('#') ? key : `${key}.#####`;
  return parseNamingSeries(series.split('.'), doc, env);
}

const BRACED = /\{[\w|#]+\}/g;

function formatAutoname(autoname: string, doc: Doc, env: NamingEnv): string {
  const body = autoname.slice(autoname.indexOf(':') + 1);
  // Each braced part is parsed on its own, so "{#####}" counts under the empty key: Frappe 15
  // shares one counter between all "format:" DocTypes.
  return body.replace(BRACED, (param) => parseNamingSeries([param.slice(1, -1)], doc, env));
}

/** The first option of the naming_series Select field. */
export function defaultNamingSeries(meta: Meta): string | undefined {
  const options = str(meta.getField('naming_series')?.options);
  return options.split('\n').find((o) => o.trim() !== '');
}

/**
 * frappe.model.naming.set_name_from_naming_options for the DocType's `autoname`, after any
 * controller autoname had its chance. Sets `doc.name`.
 */
export function nameFromAutoname(meta: Meta, doc: Doc, env: NamingEnv): void {
  const autoname = meta.autoname;
  const lower = autoname.toLowerCase();
  if (lower.startsWith('field:')) {
    const fieldname = autoname.slice(6);
    const value = str(doc[fieldname]).trim();
    if (!value) throw frappeThrow(`${meta.label(fieldname)} is required`);
    doc.name = value;
  } else if (lower.startsWith('naming_series:')) {
    if (!doc.naming_series) doc.naming_series = defaultNamingSeries(meta) ?? null;
    if (!doc.naming_series) throw frappeThrow('Naming Series mandatory');
    doc.name = makeAutoname(`${str(doc.naming_series)}.#####`, doc, env);
  } else if (lower.startsWith('prompt')) {
    if (!doc.name) throw frappeThrow('Please set the document name');
  } else if (lower.startsWith('format:')) {
    doc.name = formatAutoname(autoname, doc, env);
  } else if (lower === 'hash') {
    doc.name = makeAutoname('hash', doc, env);
  } else if (autoname.includes('#')) {
    doc.name = makeAutoname(autoname, doc, env);
  }
}

/** frappe.model.naming.validate_name */
export function validateName(meta: Meta, name: unknown): string | number {
  if (typeof name === 'number') return name;
  const text = str(name);
  if (!text) throw frappeThrow(`No Name Specified for ${meta.name}`);
  if (text.startsWith(`New ${meta.name}`)) {
    throw frappeThrow('There were some errors setting the name, please contact the administrator', 'NameError');
  }
  const trimmed = text.trim();
  if (!meta.issingle && trimmed === meta.name && trimmed !== 'DocType') {
    throw frappeThrow(`Name of ${meta.name} cannot be ${trimmed}`, 'NameError');
  }
  if (/[<>]/.test(trimmed)) throw frappeThrow("Name cannot contain special characters like '<', '>'", 'NameError');
  if (trimmed.length > 140) {
    throw new FrappeError('DataError', {
      module: 'pymysql.err',
      status: 500,
      detail: `(1406, "Data too long for column 'name' at row 1")`,
    });
  }
  return trimmed;
}
